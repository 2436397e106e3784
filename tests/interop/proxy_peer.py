#!/usr/bin/python3
"""Interop helper: a zmq.proxy on "our" library, run by Debian's python3-zmq
(LD_LIBRARY_PATH points it at our libzmq.so.5; see test_proxy.py).

    proxy_peer.py FRONTEND_TYPE BACKEND_TYPE

Binds both sockets on tcp://127.0.0.1:* and prints "LIB <path>" (the
libzmq mapped into this process), then "READY <frontend> <backend>", and
runs zmq.proxy in the main thread. When stdin closes, another thread
terminates the context: the proxy must fail with ETERM ("ETERM" is
printed), its sockets are closed, the term returns and "OK" is printed."""

import os
import sys
import threading

import zmq


def main():
    for line in open("/proc/self/maps"):
        parts = line.split()
        if len(parts) >= 6 and os.path.basename(parts[5]).startswith("libzmq.so"):
            print(f"LIB {parts[5]}", flush=True)
            break
    ctx = zmq.Context()
    frontend = ctx.socket(getattr(zmq, sys.argv[1]))
    backend = ctx.socket(getattr(zmq, sys.argv[2]))
    for s in (frontend, backend):
        s.setsockopt(zmq.LINGER, 0)
        s.bind("tcp://127.0.0.1:*")
    fe = frontend.getsockopt_string(zmq.LAST_ENDPOINT)
    be = backend.getsockopt_string(zmq.LAST_ENDPOINT)
    print(f"READY {fe} {be}", flush=True)

    def stop():
        sys.stdin.read()
        ctx.term()

    stopper = threading.Thread(target=stop)
    stopper.start()
    try:
        zmq.proxy(frontend, backend)
        sys.exit("FAIL: zmq.proxy returned")
    except zmq.ContextTerminated:
        print("ETERM", flush=True)
    frontend.close()
    backend.close()
    stopper.join(10)
    if stopper.is_alive():
        sys.exit("FAIL: zmq_ctx_term did not return")
    print("OK", flush=True)


if __name__ == "__main__":
    main()
