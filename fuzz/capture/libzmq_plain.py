"""Captures what real libzmq (pyzmq's bundled libzmq 4.3.5) sends in a PLAIN
handshake, as seed inputs and known answers:

- a libzmq PLAIN client (DEALER, admin/secret) talking to a raw TCP server
  that speaks ZMTP 3.1 PLAIN: its HELLO, INITIATE and data frames
  (corpus/plain_server/libzmq-client, after the knob and ZAP bytes);
- a libzmq PLAIN server (ROUTER, ZAP handler in a thread) talking to a raw
  client: WELCOME, READY and data frames (corpus/plain_client/libzmq-server),
  and the ERROR it sends when the handler answers 400
  (corpus/plain_client/libzmq-denied);
- corpus/null_zap_server/libzmq-dealer from null_server/libzmq-dealer.

Run with the interop venv:  .venv/bin/python fuzz/capture/libzmq_plain.py
The hex of each capture is printed for the unit tests in
src/zmtp/mechanism/plain_tests.rs."""

import os
import socket
import struct
import threading

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")
# Knob byte: type index 1 (DEALER client / ROUTER server), 3.1 greeting,
# 7-byte reads. ZAP byte 0x30: 200 with a user id and metadata.
KNOB = 1 << 3 | 3
ZAP_ALLOW = 0x30


def greeting(as_server):
    return (b"\xff" + b"\0" * 7 + b"\x01\x7f" + bytes([3, 1]) +
            b"PLAIN".ljust(20, b"\0") + bytes([as_server]) + b"\0" * 31)


def command(body):
    return bytes([4, len(body)]) + body


def prop(name, value):
    return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed after %d bytes" % len(data))
        data += chunk
    return data


def recv_frame(s):
    flags, = recv_exact(s, 1)
    if flags & 2:
        size, = struct.unpack(">Q", recv_exact(s, 8))
        head = bytes([flags]) + struct.pack(">Q", size)
    else:
        size, = recv_exact(s, 1)
        head = bytes([flags, size])
    return head + recv_exact(s, size)


def recv_quiet(s, quiet=0.3):
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


def libzmq_client():
    """A libzmq PLAIN client's bytes after its greeting."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    ctx = zmq.Context()
    z = ctx.socket(zmq.DEALER)
    z.setsockopt(zmq.LINGER, 0)
    z.setsockopt(zmq.PLAIN_USERNAME, b"admin")
    z.setsockopt(zmq.PLAIN_PASSWORD, b"secret")
    z.connect("tcp://127.0.0.1:%d" % lst.getsockname()[1])
    s, _ = lst.accept()
    s.sendall(greeting(1))
    recv_exact(s, 64)
    wire = recv_frame(s)                       # HELLO
    s.sendall(command(b"\x07WELCOME"))
    wire += recv_frame(s)                      # INITIATE
    s.sendall(command(b"\x05READY" + prop(b"Socket-Type", b"ROUTER")))
    z.send_multipart([b"", b"hello"])
    z.send(b"x" * 300)
    wire += recv_quiet(s)
    s.close()
    z.close()
    ctx.term()
    lst.close()
    return wire


def zap_handler(ctx, status, ready):
    h = ctx.socket(zmq.REP)
    h.setsockopt(zmq.LINGER, 0)
    h.bind("inproc://zeromq.zap.01")
    ready.set()
    try:
        req = h.recv_multipart()
        h.send_multipart([req[0], req[1], status, b"OK", b"anna", b""])
    except zmq.ContextTerminated:
        pass
    h.close()


def libzmq_server(status):
    """A libzmq PLAIN server's bytes after its greeting."""
    ctx = zmq.Context()
    ready = threading.Event()
    t = threading.Thread(target=zap_handler, args=(ctx, status, ready))
    t.start()
    ready.wait()
    z = ctx.socket(zmq.ROUTER)
    z.setsockopt(zmq.LINGER, 0)
    z.setsockopt(zmq.PLAIN_SERVER, 1)
    port = z.bind_to_random_port("tcp://127.0.0.1")
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(greeting(0))
    recv_exact(s, 64)
    s.sendall(command(b"\x05HELLO\x05admin\x06secret"))
    wire = recv_frame(s)                       # WELCOME or ERROR
    if status == b"200":
        s.sendall(command(b"\x08INITIATE" + prop(b"Socket-Type", b"DEALER")))
        wire += recv_frame(s)                  # READY
        s.sendall(bytes([0, 2]) + b"hi")
        rid, _ = z.recv_multipart()
        z.send_multipart([rid, b"", b"hello"])
        z.send_multipart([rid, b"x" * 300])
    wire += recv_quiet(s)
    s.close()
    z.close()
    ctx.term()
    t.join()
    return wire


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    client = libzmq_client()
    server = libzmq_server(b"200")
    denied = libzmq_server(b"400")
    write("plain_server", "libzmq-client", bytes([KNOB, ZAP_ALLOW]) + client)
    write("plain_client", "libzmq-server", bytes([KNOB]) + server)
    write("plain_client", "libzmq-denied", bytes([KNOB]) + denied)
    with open(os.path.join(CORPUS, "null_server", "libzmq-dealer"), "rb") as f:
        dealer = f.read()[1:]
    write("null_zap_server", "libzmq-dealer", bytes([KNOB, ZAP_ALLOW]) + dealer)
    for name, w in [("client", client), ("server", server), ("denied", denied)]:
        print(name, len(w), w.hex())


if __name__ == "__main__":
    main()
