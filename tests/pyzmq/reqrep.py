#!/usr/bin/python3
"""REQ/REP with Debian's python3-zmq: a REP server thread answers a REQ
client over tcp, ipc and inproc. Self-contained; exits non-zero on failure.

Run with LD_LIBRARY_PATH=<dir with our libzmq.so.5> and ZMQ_EXPECT_LIB=<that
file> to check that our library, not Debian's libzmq, was loaded."""

import sys
import tempfile
import threading

import zmq

from _ourlib import check_lib




def server(ctx, endpoint, ready, n):
    rep = ctx.socket(zmq.REP)
    rep.setsockopt(zmq.RCVTIMEO, 10000)
    rep.setsockopt(zmq.LINGER, 1000)
    rep.bind(endpoint)
    ready.append(rep.getsockopt_string(zmq.LAST_ENDPOINT))
    for _ in range(n):
        request = rep.recv_multipart()
        rep.send_multipart([b"I am OK!"] + request)
    rep.close()


def run(ctx, endpoint, n=5):
    ready = []
    t = threading.Thread(target=server, args=(ctx, endpoint, ready, n))
    t.start()
    while not ready and t.is_alive():
        t.join(0.01)
    req = ctx.socket(zmq.REQ)
    req.setsockopt(zmq.RCVTIMEO, 10000)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(ready[0])
    for i in range(n):
        req.send_multipart([b"request", str(i).encode(), b""])
        reply = req.recv_multipart()
        want = [b"I am OK!", b"request", str(i).encode(), b""]
        if reply != want:
            sys.exit(f"FAIL: {endpoint}: reply {reply}, expected {want}")
    req.close()
    t.join(10)
    print(f"req/rep over {ready[0]}: {n} round trips OK")


def main():
    check_lib()
    ctx = zmq.Context()
    with tempfile.TemporaryDirectory(prefix="zp-", dir="/tmp") as d:
        run(ctx, "tcp://127.0.0.1:*")
        run(ctx, f"ipc://{d}/reqrep")
        run(ctx, "inproc://reqrep")
    ctx.term()
    print("reqrep: OK")


if __name__ == "__main__":
    main()
