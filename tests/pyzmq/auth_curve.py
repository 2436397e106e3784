#!/usr/bin/python3
"""pyzmq's authenticator (zmq.auth.thread.ThreadAuthenticator, a ZAP handler
thread) in front of CURVE and PLAIN servers, with Debian's python3-zmq:
- CURVE: certificates made by zmq.auth.create_certificates; only the keys in
  the public-keys directory are allowed (configure_curve); an allowed client
  talks, a client whose key is not there gets HANDSHAKE_FAILED_AUTH 400 and
  the server never sees its request;
- PLAIN: configure_plain with a password table; the right password talks,
  a wrong one is refused the same way.
Self-contained; exits non-zero on failure. Run with LD_LIBRARY_PATH=<dir with
our libzmq.so.5> and ZMQ_EXPECT_LIB=<that file> to test our library."""

import os
import sys
import tempfile

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

from _ourlib import check_lib

TIMEOUT_MS = 5000


def fail(what):
    sys.exit(f"FAIL: {what}")


def socket(ctx, kind):
    s = ctx.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    return s


def wait_event(mon, event):
    """Reads monitor events until `event`; returns its value."""
    poller = zmq.Poller()
    poller.register(mon, zmq.POLLIN)
    while True:
        if not poller.poll(TIMEOUT_MS):
            fail(f"no monitor event {event} within {TIMEOUT_MS} ms")
        e = recv_monitor_message(mon)
        if e["event"] == event:
            return e["value"]


def talk(server, client, tag):
    client.send(b"hello " + tag)
    msg = server.recv(copy=False)
    if msg.bytes != b"hello " + tag:
        fail(f"{tag}: server got {msg.bytes!r}")
    user = msg.get("User-Id")
    server.send(b"world")
    if client.recv() != b"world":
        fail(f"{tag}: bad reply")
    return user


def refused(ctx, server, client, tag, endpoint):
    """The client is refused with AUTH 400 and its request never arrives.
    The monitor is up before the client connects, and the send does not
    wait: a refused handshake ends the connecting session (as in libzmq),
    which may happen before the send."""
    client.monitor(f"inproc://mon-{tag.decode()}", zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    mon = socket(ctx, zmq.PAIR)
    mon.connect(f"inproc://mon-{tag.decode()}")
    client.connect(endpoint)
    try:
        client.send(b"let me in", zmq.NOBLOCK)
    except zmq.Again:
        pass
    code = wait_event(mon, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
    if code != 400:
        fail(f"{tag}: HANDSHAKE_FAILED_AUTH {code}, expected 400")
    if server.poll(300, zmq.POLLIN):
        fail(f"{tag}: the server received {server.recv()!r}")
    if client.poll(0, zmq.POLLIN):
        fail(f"{tag}: the refused client received a reply")
    client.disable_monitor()
    mon.close()


def curve(ctx, d):
    keys = os.path.join(d, "certificates")
    public = os.path.join(d, "public_keys")
    os.mkdir(keys)
    os.mkdir(public)
    server_public_file, server_secret_file = zmq.auth.create_certificates(keys, "server")
    client_public_file, client_secret_file = zmq.auth.create_certificates(keys, "client")
    _, stranger_secret_file = zmq.auth.create_certificates(keys, "stranger")
    for f in (server_public_file, client_public_file):
        os.rename(f, os.path.join(public, os.path.basename(f)))

    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_curve(domain="*", location=public)

    server_public, server_secret = zmq.auth.load_certificate(server_secret_file)
    server = socket(ctx, zmq.REP)
    server.curve_publickey = server_public
    server.curve_secretkey = server_secret
    server.curve_server = True
    server.bind("tcp://127.0.0.1:*")
    endpoint = server.getsockopt_string(zmq.LAST_ENDPOINT)

    def client(secret_file):
        public_key, secret_key = zmq.auth.load_certificate(secret_file)
        c = socket(ctx, zmq.REQ)
        c.curve_publickey = public_key
        c.curve_secretkey = secret_key
        c.curve_serverkey = server_public
        return c

    good = client(client_secret_file)
    good.connect(endpoint)
    user = talk(server, good, b"curve")
    # pyzmq's authenticator answers with the client's Z85 key as User-Id.
    client_public, _ = zmq.auth.load_certificate(client_secret_file)
    if user != client_public.decode():
        fail(f"CURVE User-Id {user!r}, expected {client_public!r}")
    stranger = client(stranger_secret_file)
    refused(ctx, server, stranger, b"curve-stranger", endpoint)
    talk(server, good, b"curve-again")
    for s in (good, stranger, server):
        s.close()
    auth.stop()
    print(f"CURVE over {endpoint}: allowed key talks, unknown key refused (400)")


def plain(ctx):
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    server = socket(ctx, zmq.REP)
    server.plain_server = True
    server.bind("tcp://127.0.0.1:*")
    endpoint = server.getsockopt_string(zmq.LAST_ENDPOINT)

    def client(password):
        c = socket(ctx, zmq.REQ)
        c.plain_username = b"admin"
        c.plain_password = password
        return c

    good = client(b"secret")
    good.connect(endpoint)
    user = talk(server, good, b"plain")
    if user != "admin":
        fail(f"PLAIN User-Id {user!r}, expected 'admin'")
    wrong = client(b"wrong")
    refused(ctx, server, wrong, b"plain-wrong", endpoint)
    for s in (good, wrong, server):
        s.close()
    auth.stop()
    print(f"PLAIN over {endpoint}: right password talks, wrong one refused (400)")


def main():
    check_lib()
    if not zmq.has("curve"):
        fail("zmq.has('curve') is false")
    ctx = zmq.Context()
    with tempfile.TemporaryDirectory(prefix="zauth-", dir="/tmp") as d:
        curve(ctx, d)
    plain(ctx)
    ctx.term()
    print("auth_curve: OK")


if __name__ == "__main__":
    main()
