#!/usr/bin/python3
"""Interop helper: a zmq.proxy on "our" library, run by Debian's python3-zmq
(LD_LIBRARY_PATH points it at our libzmq.so.5; see test_proxy.py).

    proxy_peer.py FRONTEND_TYPE BACKEND_TYPE [CONTROL_TYPE]

Binds the sockets on tcp://127.0.0.1:* and prints "LIB <path>" (the
libzmq mapped into this process), "VERSION <x.y.z>", then "READY <frontend>
<backend> [<control>]", and runs zmq.proxy (zmq.proxy_steerable with a
control socket) in the main thread. A steerable proxy that returns (on
TERMINATE) prints "TERMINATED". When stdin closes, another thread
terminates the context: a proxy still running must fail with ETERM
("ETERM" is printed); the sockets are closed, the term returns and "OK" is
printed."""

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
    print(f"VERSION {zmq.zmq_version()}", flush=True)
    ctx = zmq.Context()
    sockets = [ctx.socket(getattr(zmq, kind)) for kind in sys.argv[1:4]]
    for s in sockets:
        s.setsockopt(zmq.LINGER, 0)
        s.bind("tcp://127.0.0.1:*")
    endpoints = " ".join(s.getsockopt_string(zmq.LAST_ENDPOINT) for s in sockets)
    print(f"READY {endpoints}", flush=True)

    def stop():
        sys.stdin.read()
        ctx.term()

    stopper = threading.Thread(target=stop)
    stopper.start()
    try:
        if len(sockets) == 3:
            zmq.proxy_steerable(sockets[0], sockets[1], None, sockets[2])
            print("TERMINATED", flush=True)
        else:
            zmq.proxy(sockets[0], sockets[1])
            sys.exit("FAIL: zmq.proxy returned")
    except zmq.ContextTerminated:
        print("ETERM", flush=True)
    for s in sockets:
        s.close()
    stopper.join(10)
    if stopper.is_alive():
        sys.exit("FAIL: zmq_ctx_term did not return")
    print("OK", flush=True)


if __name__ == "__main__":
    main()
