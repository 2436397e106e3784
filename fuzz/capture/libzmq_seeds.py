"""Captures what real libzmq (pyzmq's bundled libzmq) sends on the wire, as
seed inputs: a raw TCP client speaks ZMTP 3.1 NULL (or 2.0) to a pyzmq
socket and records every byte libzmq answers, including data frames and
subscriptions. Run with the interop venv:
    .venv/bin/python fuzz/capture/libzmq_seeds.py
It (re)writes fuzz/corpus/*/libzmq-*. The first byte written is the
harness's knob byte (see fuzz/README.md)."""

import os
import socket
import struct
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")


def greeting3(minor=1, as_server=0):
    return (b"\xff" + b"\0" * 7 + b"\x01\x7f" + bytes([3, minor]) +
            b"NULL".ljust(20, b"\0") + bytes([as_server]) + b"\0" * 31)


def ready(socket_type):
    prop = b"\x0bSocket-Type" + struct.pack(">I", len(socket_type)) + socket_type
    body = b"\x05READY" + prop
    return bytes([4, len(body)]) + body


def frame(body, more=False):
    return bytes([1 if more else 0, len(body)]) + body


def recv_all(s, quiet=0.3):
    s.settimeout(quiet)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data
        if not chunk:
            return data
        data += chunk


def capture(zmq_type, our_name, to_send, hello=None, legacy=None):
    ctx = zmq.Context()
    z = ctx.socket(zmq_type)
    z.setsockopt(zmq.LINGER, 0)
    port = z.bind_to_random_port("tcp://127.0.0.1")
    s = socket.create_connection(("127.0.0.1", port))
    if legacy is not None:
        s.sendall(legacy)
    else:
        s.sendall(greeting3() + ready(our_name))
    wire = recv_all(s)
    if hello is not None:
        s.sendall(hello)
    time.sleep(0.2)
    for parts in to_send:
        z.send_multipart(parts)
    wire += recv_all(s)
    s.close()
    z.close()
    ctx.term()
    return wire


def write(target, name, knob, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes([knob]) + data)


def main():
    msgs = [[b"", b"hello"], [b"x" * 300]]
    # libzmq as ROUTER, we a DEALER that said hello (so ROUTER can route back)
    router = capture(zmq.ROUTER, b"DEALER", [], hello=frame(b"hi"))
    dealer = capture(zmq.DEALER, b"ROUTER", msgs)
    pub = capture(zmq.XPUB, b"XSUB", [[b"topic", b"data"]],
                  hello=bytes([4, 15]) + b"\x09SUBSCRIBEtopic")
    sub = capture(zmq.SUB, b"PUB", [])
    # ZMTP 2.0 peer: libzmq answers with a 2.0 greeting and 2.0 framing.
    legacy = b"\xff" + b"\0" * 7 + b"\x01\x7f" + bytes([1, 5]) + b"\x00\x00"
    dealer_v2 = capture(zmq.DEALER, None, msgs, legacy=legacy)
    write("greeting", "libzmq-router", 7, router)
    write("greeting", "libzmq-dealer", 7, dealer)
    write("greeting", "libzmq-xpub", 5, pub)
    write("greeting", "libzmq-dealer-v20", 7, dealer_v2)
    # the handshake targets prepend the greeting themselves: drop libzmq's
    write("null_client", "libzmq-router", 7, router[64:])
    write("null_server", "libzmq-dealer", 1 << 3 | 7, dealer[64:])
    write("null_client", "libzmq-sub", 2 << 3 | 7, sub[64:])
    for name, w in [("router", router), ("dealer", dealer), ("xpub", pub)]:
        print(name, len(w), w[:80])
    print("dealer-v2", len(dealer_v2), dealer_v2[:40])


if __name__ == "__main__":
    main()
