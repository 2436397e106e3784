#!/usr/bin/python3
"""PUB/SUB with Debian's python3-zmq: a publisher thread, two subscribers
with different prefix filters, subscriptions made after connect, a sync
topic for the slow joiner. Self-contained; exits non-zero on failure.

Run with LD_LIBRARY_PATH=<dir with our libzmq.so.5> and ZMQ_EXPECT_LIB=<that
file> to check that our library, not Debian's libzmq, was loaded."""

import sys
import threading
import time

import zmq

from _ourlib import check_lib




def publisher(pub, synced, stop):
    # send sync messages until both subscribers saw one, then the data
    deadline = time.monotonic() + 10
    while not synced.wait(0.01):
        if time.monotonic() > deadline or stop.is_set():
            return
        pub.send(b"sync")
    for i in range(10):
        pub.send_multipart([b"weather", str(i).encode()])
        pub.send_multipart([b"sports", str(i).encode()])
    pub.send(b"weather-end")
    pub.send(b"sports-end")


def main():
    check_lib()
    ctx = zmq.Context()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 1000)
    pub.bind("tcp://127.0.0.1:*")
    endpoint = pub.getsockopt_string(zmq.LAST_ENDPOINT)

    subs = {}
    for topic in (b"weather", b"sports"):
        s = ctx.socket(zmq.SUB)
        s.setsockopt(zmq.RCVTIMEO, 10000)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(endpoint)
        s.setsockopt(zmq.SUBSCRIBE, topic)  # after connect
        s.setsockopt(zmq.SUBSCRIBE, b"sync")
        subs[topic] = s

    synced, stop = threading.Event(), threading.Event()
    t = threading.Thread(target=publisher, args=(pub, synced, stop))
    t.start()
    try:
        for topic, s in subs.items():
            if s.recv() != b"sync":
                sys.exit(f"FAIL: {topic}: first message is not sync")
        synced.set()
        for topic, s in subs.items():
            got = []
            while True:
                m = s.recv_multipart()
                if m == [b"sync"]:
                    continue
                if m == [topic + b"-end"]:
                    break
                got.append(m)
            want = [[topic, str(i).encode()] for i in range(10)]
            if got != want:
                sys.exit(f"FAIL: {topic}: got {got}")
            print(f"pub/sub: {topic.decode()} subscriber got its 10 messages, nothing else")
    except zmq.Again:
        stop.set()
        sys.exit("FAIL: subscriber timed out")
    finally:
        t.join(10)
    for s in subs.values():
        s.close()
    pub.close()
    ctx.term()
    print("pubsub: OK")


if __name__ == "__main__":
    main()
