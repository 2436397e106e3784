"""Proxies across libraries, over tcp:
- our zmq_proxy as an XSUB/XPUB forwarder (Debian's python3-zmq on our
  library, proxy_peer.py) between a real-libzmq publisher (an XPUB, so the
  subscriptions reaching it are visible) and two real-libzmq subscribers;
- a real-libzmq zmq_proxy (the venv's pyzmq, in a thread here) between our
  publisher and our subscriber (the C peer);
- our zmq_proxy_steerable as a PULL/PUSH streamer between real-libzmq
  peers, steered by a real-libzmq REQ over tcp.
Subscriptions must flow upstream through the proxy and filtering must hold
downstream; multipart messages arrive whole."""

import os
import queue
import struct
import subprocess
import threading
import time

import zmq

from conftest import Peer, env_path

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_MS = 10000


class OurProxy(Peer):
    """proxy_peer.py under Debian's python3-zmq with our library."""

    def __init__(self, *types):
        our_lib = env_path("ZMQ_OUR_LIB")
        python = env_path("ZMQ_SYS_PYTHON", "/usr/bin/python3")
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if os.environ.get("ZMQ_SYSTEM") != "1":
            env["LD_LIBRARY_PATH"] = os.path.dirname(our_lib)
        self.name = "our proxy " + "/".join(types)
        self.args = [python, os.path.join(HERE, "proxy_peer.py")] + list(types)
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def stop(self, ended="ETERM"):
        """Closes stdin: the proxy must have ended with `ended` (ETERM: when
        the context is terminated) and the process exit cleanly."""
        self.proc.stdin.close()
        assert self.expect_line(ended) == ""
        self.proc.wait(timeout=15)
        assert self.proc.returncode == 0, self._failure("proxy process failed")
        assert self.expect_line("OK") == ""


def zsocket(ctx, kind):
    s = ctx.socket(kind)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 0)
    return s


def test_our_proxy_between_real_pub_and_subs(ctx):
    proxy = OurProxy("XSUB", "XPUB")
    try:
        proxy.check_lib()
        fe, be = proxy.expect_line("READY ").split()
        publisher = zsocket(ctx, zmq.XPUB)
        publisher.connect(fe)
        sub_a, sub_b = zsocket(ctx, zmq.SUB), zsocket(ctx, zmq.SUB)
        for s in (sub_a, sub_b):
            s.connect(be)
        sub_a.setsockopt(zmq.SUBSCRIBE, b"A")
        sub_b.setsockopt(zmq.SUBSCRIBE, b"B")
        try:
            got = {publisher.recv(), publisher.recv()}
        except zmq.Again:
            raise AssertionError(proxy._failure("no subscription reached the publisher"))
        assert got == {b"\x01A", b"\x01B"}
        # The proxy registered both subscriptions before passing them on,
        # so everything published from now on is routed.
        for m in ([b"A1"], [b"B1"], [b"C1"], [b"A2", b"", b"x"], [b"Aend"], [b"Bend"]):
            publisher.send_multipart(m)
        assert sub_a.recv_multipart() == [b"A1"]
        assert sub_a.recv_multipart() == [b"A2", b"", b"x"]
        assert sub_a.recv_multipart() == [b"Aend"]
        assert sub_b.recv_multipart() == [b"B1"]
        assert sub_b.recv_multipart() == [b"Bend"]
        sub_b.setsockopt(zmq.UNSUBSCRIBE, b"B")
        assert publisher.recv() == b"\x00B"
        for s in (publisher, sub_a, sub_b):
            s.close()
        proxy.stop()
    finally:
        proxy.kill()


def test_real_proxy_between_our_pub_and_sub(peers):
    pctx = zmq.Context()
    xsub, xpub = zsocket(pctx, zmq.XSUB), zsocket(pctx, zmq.XPUB)
    xsub.bind("tcp://127.0.0.1:*")
    xpub.bind("tcp://127.0.0.1:*")
    fe = xsub.getsockopt_string(zmq.LAST_ENDPOINT)
    be = xpub.getsockopt_string(zmq.LAST_ENDPOINT)
    outcome = []

    def run():
        try:
            zmq.proxy(xsub, xpub)
        except zmq.ContextTerminated:
            outcome.append("ETERM")
        xsub.close()
        xpub.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        sub = peers(
            ["SUB", "connect", be, "sub:A", "sub:sync", "waitsync:sync",
             "r:A1", "r:A2|@empty|x", "r:Aend"],
            "our SUB",
        )
        pub = peers(
            ["PUB", "connect", fe, "pubsync:sync",
             "s:B1", "s:A1", "s:C1", "s:A2|@empty|x", "s:B2", "s:Aend"],
            "our PUB",
        )
        sub.check_lib()
        pub.check_lib()
        deadline = time.monotonic() + 15
        while not sub.has_line("SYNCED"):
            if time.monotonic() > deadline:
                raise AssertionError(sub._failure("the sync topic never arrived"))
            time.sleep(0.01)
        pub.go()
        pub.finish()
        sub.finish()
    finally:
        pctx.term()
        t.join(10)
    assert outcome == ["ETERM"]


def test_our_steerable_proxy_steered_by_real_libzmq(ctx):
    proxy = OurProxy("PULL", "PUSH", "REP")
    try:
        proxy.check_lib()
        version = tuple(int(x) for x in proxy.expect_line("VERSION ").split("."))
        fe, be, ctl = proxy.expect_line("READY ").split()
        producer, consumer = zsocket(ctx, zmq.PUSH), zsocket(ctx, zmq.PULL)
        steer = zsocket(ctx, zmq.REQ)
        producer.connect(fe)
        consumer.connect(be)
        steer.connect(ctl)
        producer.send_multipart([b"abc", b"", b"de"])
        assert consumer.recv_multipart() == [b"abc", b"", b"de"]
        steer.send(b"STATISTICS")
        stats = [struct.unpack("=Q", f)[0] for f in steer.recv_multipart()]
        # frames (libzmq 4.3.5 and the manual); 4.3.4 counted messages
        n = 3 if version >= (4, 3, 5) else 1
        assert stats == [n, 5, 0, 0, 0, 0, n, 5]
        if version >= (4, 3, 5):  # 4.3.4 does not answer a REP's PAUSE
            steer.send(b"PAUSE")
            assert steer.recv() == b""
            producer.send(b"held")
            assert not consumer.poll(200), "a paused proxy forwarded"
            steer.send(b"RESUME")
            assert steer.recv() == b""
            assert consumer.recv() == b"held"
            steer.send(b"TERMINATE")
            assert steer.recv() == b""
            ended = "TERMINATED"
        else:
            ended = "ETERM"
        for s in (producer, consumer, steer):
            s.close()
        proxy.stop(ended)
    finally:
        proxy.kill()
