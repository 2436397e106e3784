#!/usr/bin/python3
"""PUSH/PULL pipeline with Debian's python3-zmq: a ventilator PUSHes tasks
to 3 worker threads (PULL -> PUSH; inproc, tcp and ipc), a sink PULLs the results; every task is
done exactly once and every worker gets some. Self-contained; exits
non-zero on failure.

Run with LD_LIBRARY_PATH=<dir with our libzmq.so.5> and ZMQ_EXPECT_LIB=<that
file> to check that our library, not Debian's libzmq, was loaded."""

import queue
import shutil
import sys
import tempfile
import threading

import zmq

from _ourlib import check_lib

TASKS = 300
WORKERS = 3




def worker(ctx, wid, tasks_ep, results_ep, bound):
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.RCVTIMEO, 10000)
    pull.setsockopt(zmq.LINGER, 0)
    pull.bind(tasks_ep)  # workers bind, the ventilator connects to each
    bound.put((wid, pull.getsockopt_string(zmq.LAST_ENDPOINT)))
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.LINGER, 1000)
    push.connect(results_ep)
    try:
        while True:
            task = pull.recv()
            if task == b"stop":
                break
            push.send_multipart([str(wid).encode(), task, task[::-1]])
    except zmq.Again:
        print(f"worker {wid}: timed out", file=sys.stderr)
    pull.close()
    push.close()


def main():
    check_lib()
    ctx = zmq.Context()
    sink = ctx.socket(zmq.PULL)
    sink.setsockopt(zmq.RCVTIMEO, 10000)
    sink.setsockopt(zmq.LINGER, 0)
    sink.bind("tcp://127.0.0.1:*")
    results_ep = sink.getsockopt_string(zmq.LAST_ENDPOINT)

    vent = ctx.socket(zmq.PUSH)
    vent.setsockopt(zmq.LINGER, 1000)
    tmp = tempfile.mkdtemp(prefix="zp-", dir="/tmp")
    # one worker per transport; each binds and reports its endpoint
    endpoints = ["inproc://worker-0", "tcp://127.0.0.1:*", f"ipc://{tmp}/worker-2"]
    bound = queue.Queue()
    threads = [
        threading.Thread(target=worker, args=(ctx, wid, endpoints[wid], results_ep, bound))
        for wid in range(WORKERS)
    ]
    for t in threads:
        t.start()
    for _ in range(WORKERS):
        wid, ep = bound.get(timeout=10)
        vent.connect(ep)  # pipes exist at connect: round-robin over all 3
    for i in range(TASKS):
        vent.send(b"task-%03d" % i)
    done, per_worker = set(), [0] * WORKERS
    try:
        while len(done) < TASKS:
            wid, task, result = sink.recv_multipart()
            if result != task[::-1] or task in done:
                sys.exit(f"FAIL: bad or duplicate result {task} {result}")
            done.add(task)
            per_worker[int(wid)] += 1
    except zmq.Again:
        sys.exit(f"FAIL: sink timed out after {len(done)} of {TASKS} results")
    for _ in range(WORKERS):
        vent.send(b"stop")
    for t in threads:
        t.join(10)
    print(f"push/pull: {TASKS} tasks done, per worker {per_worker}")
    if min(per_worker) == 0:
        sys.exit("FAIL: a worker got no task")
    vent.close()
    sink.close()
    ctx.term()
    shutil.rmtree(tmp, ignore_errors=True)
    print("pushpull: OK")


if __name__ == "__main__":
    main()
