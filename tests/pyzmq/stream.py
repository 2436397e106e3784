#!/usr/bin/python3
"""ZMQ_STREAM with Debian's python3-zmq: a STREAM server answers a plain
Python socket with an HTTP/1.1 response and closes it; a STREAM client
talks to a plain Python TCP echo server (a thread). Self-contained; exits
non-zero on failure.

Run with LD_LIBRARY_PATH=<dir with our libzmq.so.5> and ZMQ_EXPECT_LIB=<that
file> to check that our library, not Debian's libzmq, was loaded."""

import socket
import sys
import threading
import time

import zmq

from _ourlib import check_lib




def stream_socket(ctx):
    s = ctx.socket(zmq.STREAM)
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.setsockopt(zmq.SNDTIMEO, 10000)
    s.setsockopt(zmq.LINGER, 1000)
    return s


def http_server(ctx):
    server = stream_socket(ctx)
    server.bind("tcp://127.0.0.1:*")
    port = int(server.getsockopt_string(zmq.LAST_ENDPOINT).rsplit(":", 1)[1])
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    rid, empty = server.recv_multipart()
    assert empty == b"", empty
    client.sendall(b"GET /index HTTP/1.1\r\nHost: localhost\r\n\r\n")
    request = b""
    while b"\r\n\r\n" not in request:
        frames = server.recv_multipart(copy=False)
        assert frames[0].bytes == rid
        assert frames[1].get("Peer-Address") == "127.0.0.1"
        request += frames[1].bytes
    assert request.startswith(b"GET /index HTTP/1.1\r\n"), request
    body = b"stream says hi\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    server.send_multipart([rid, head + body])
    server.send_multipart([rid, b""])  # close this connection
    # The response, then the end of the connection. (libzmq completes a
    # close asked for by the socket while the socket handles commands: the
    # server socket is polled meanwhile.)
    response = b""
    client.settimeout(0.02)
    deadline = time.monotonic() + 10
    while True:
        assert time.monotonic() < deadline, ("no EOF", response)
        try:
            chunk = client.recv(4096)
        except socket.timeout:
            server.poll(0)
            continue
        if not chunk:
            break
        response += chunk
    assert response == head + body, response
    client.close()
    server.close()
    print("http server: ok")


def echo_server(listener):
    conn, _ = listener.accept()
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def echo_client(ctx):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    t = threading.Thread(target=echo_server, args=(listener,), daemon=True)
    t.start()
    client = stream_socket(ctx)
    client.connect("tcp://127.0.0.1:%d" % listener.getsockname()[1])
    rid = client.getsockopt(zmq.ROUTING_ID)
    assert len(rid) == 5 and rid[0] == 0, rid
    assert client.recv_multipart() == [rid, b""]
    for text in (b"one", b"two three"):
        client.send_multipart([rid, text])
        got = b""
        while got != text:
            r, data = client.recv_multipart()
            assert r == rid and data
            got += data
    client.send_multipart([rid, b""])  # close: the echo server sees EOF
    deadline = time.monotonic() + 10
    while t.is_alive():
        assert time.monotonic() < deadline, "echo server never saw EOF"
        client.poll(20)
    try:
        client.send(rid, zmq.SNDMORE)
        sys.exit("FAIL: a closed peer's id still routes")
    except zmq.ZMQError as e:
        assert e.errno == zmq.EHOSTUNREACH, e
    client.close()
    listener.close()
    print("echo client: ok")


def main():
    check_lib()
    ctx = zmq.Context()
    http_server(ctx)
    echo_client(ctx)
    ctx.term()
    print("stream: ok")


if __name__ == "__main__":
    main()
