"""Options whose effect crosses the wire, between our library and real
libzmq (the PyPI wheel in this process):

- ZMQ_METADATA "X-" properties travel in READY both ways and are read with
  zmq_msg_gets on the other side, with Socket-Type, Peer-Address and the
  connection's fd (ZMQ_SRCFD);
- a SOCKS5 proxy run by the test sees exactly the same handshake bytes from
  our client as from libzmq's (greeting, RFC 1929 credentials, CONNECT with
  the host name unresolved), and both reach a libzmq ROUTER through it.

"Our" side is Debian's python3-zmq with our libzmq.so.5 (as in
test_pyzmq_scripts.py), driven by the small scripts below.
"""

import os
import socket
import subprocess
import threading

import zmq

from conftest import env_path

ZMQ_METADATA = 95
ZMQ_SOCKS_USERNAME = 99
ZMQ_SOCKS_PASSWORD = 100


def run_ours(script, *args, timeout=30):
    """Starts `script` under Debian's python3 with our library."""
    our_lib = env_path("ZMQ_OUR_LIB")
    python = env_path("ZMQ_SYS_PYTHON", "/usr/bin/python3")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if os.environ.get("ZMQ_SYSTEM") != "1":
        env["LD_LIBRARY_PATH"] = os.path.dirname(our_lib)
    return subprocess.Popen(
        [python, "-c", script, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc, timeout=30):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"our side failed\nstdout:\n{out}\nstderr:\n{err}"
    return out


OUR_DEALER = r"""
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.RCVTIMEO, 10000)
s.setsockopt(95, b"X-color:red")
s.setsockopt(95, b"X-empty-name-is-fine:v")
s.connect(sys.argv[1])
s.send(b"hi")
f = s.recv(copy=False)
assert f.bytes == b"ok", f.bytes
assert f.get("Socket-Type") == "ROUTER", f.get("Socket-Type")
assert f.get("X-answer") == "42", f.get("X-answer")
fd = f.get(zmq.SRCFD)
import os, stat
assert stat.S_ISSOCK(os.fstat(fd).st_mode)
print("OK")
"""


def test_metadata_and_srcfd_both_ways():
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.rcvtimeo = 10000
    router.setsockopt(ZMQ_METADATA, b"X-answer:42")
    router.bind("tcp://127.0.0.1:*")
    ep = router.getsockopt(zmq.LAST_ENDPOINT).decode()
    proc = run_ours(OUR_DEALER, ep)
    try:
        rid, body = router.recv_multipart(copy=False)
        assert body.bytes == b"hi"
        assert body.get("X-color") == "red"
        assert body.get("X-empty-name-is-fine") == "v"
        assert body.get("Socket-Type") == "DEALER"
        assert body.get("Peer-Address") == "127.0.0.1"
        assert body.get(zmq.SRCFD) >= 0
        router.send_multipart([rid.bytes, b"ok"])
        assert "OK" in finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        router.close()


class Socks5Proxy:
    """A SOCKS5 proxy (no auth or username/password) that records each
    client's handshake bytes and relays the connection."""

    def __init__(self, user=b"", password=b""):
        self.user, self.password = user, password
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.handshakes = []
        self.stop = False
        self.listener.settimeout(0.1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                c, _ = self.listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.handle, args=(c,), daemon=True).start()

    @staticmethod
    def read(c, n):
        data = b""
        while len(data) < n:
            chunk = c.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def handle(self, c):
        c.settimeout(10)
        seen = b""
        try:
            head = self.read(c, 2)
            methods = self.read(c, head[1])
            seen += head + methods
            want = 2 if self.user else 0
            if want not in methods:
                c.sendall(b"\x05\xff")
                return
            c.sendall(bytes([5, want]))
            if want == 2:
                ver_ulen = self.read(c, 2)
                user = self.read(c, ver_ulen[1])
                plen = self.read(c, 1)
                password = self.read(c, plen[0])
                seen += ver_ulen + user + plen + password
                ok = user == self.user and password == self.password
                c.sendall(b"\x01\x00" if ok else b"\x01\x01")
                if not ok:
                    return
            req = self.read(c, 4)
            if req[3] == 3:
                n = self.read(c, 1)
                addr = n + self.read(c, n[0])
                host = addr[1:].decode()
            elif req[3] == 1:
                addr = self.read(c, 4)
                host = socket.inet_ntoa(addr)
            else:
                return
            port_bytes = self.read(c, 2)
            seen += req + addr + port_bytes
            self.handshakes.append(seen)
            t = socket.create_connection((host, int.from_bytes(port_bytes, "big")))
            c.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
            self.relay(c, t)
        except (EOFError, OSError):
            pass
        finally:
            c.close()

    def relay(self, a, b):
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        while not self.stop:
            for key, _ in sel.select(0.1):
                data = key.fileobj.recv(65536)
                if not data:
                    b.close()
                    return
                key.data.sendall(data)
        b.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.listener.close()


OUR_SOCKS_DEALER = r"""
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.setsockopt(zmq.RCVTIMEO, 10000)
s.setsockopt(zmq.SOCKS_PROXY, sys.argv[2].encode())
if sys.argv[3]:
    s.setsockopt(99, sys.argv[3].encode())
    s.setsockopt(100, sys.argv[4].encode())
s.connect(sys.argv[1])
s.send(b"via proxy")
assert s.recv() == b"back"
print("OK")
"""


def socks_round_trip_with_libzmq(router, target, proxy_addr, user, password):
    ctx = zmq.Context.instance()
    d = ctx.socket(zmq.DEALER)
    d.linger = 0
    d.rcvtimeo = 10000
    d.setsockopt(zmq.SOCKS_PROXY, proxy_addr.encode())
    if user:
        d.setsockopt(ZMQ_SOCKS_USERNAME, user)
        d.setsockopt(ZMQ_SOCKS_PASSWORD, password)
    d.connect(target)
    d.send(b"via proxy")
    rid, body = router.recv_multipart()
    assert body == b"via proxy"
    router.send_multipart([rid, b"back"])
    assert d.recv() == b"back"
    d.close()


def test_socks_handshake_matches_libzmq():
    for user, password in [(b"", b""), (b"alice", b"s3cret")]:
        proxy = Socks5Proxy(user, password)
        ctx = zmq.Context.instance()
        router = ctx.socket(zmq.ROUTER)
        router.linger = 0
        router.rcvtimeo = 10000
        router.bind("tcp://127.0.0.1:*")
        port = router.getsockopt(zmq.LAST_ENDPOINT).decode().rsplit(":", 1)[1]
        target = f"tcp://localhost:{port}"
        proxy_addr = f"127.0.0.1:{proxy.port}"
        try:
            socks_round_trip_with_libzmq(router, target, proxy_addr, user, password)
            theirs = proxy.handshakes[-1]
            proc = run_ours(
                OUR_SOCKS_DEALER, target, proxy_addr, user.decode(), password.decode()
            )
            rid, body = router.recv_multipart()
            assert body == b"via proxy"
            router.send_multipart([rid, b"back"])
            assert "OK" in finish(proc)
            ours = proxy.handshakes[-1]
            assert ours == theirs, (ours, theirs)
            # The host name went to the proxy unresolved.
            assert b"\x03\x09localhost" in ours
        finally:
            router.close()
            proxy.close()
