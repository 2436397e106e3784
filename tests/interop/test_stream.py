"""ZMQ_STREAM against real libzmq: our STREAM socket (Debian's python3-zmq
running on our library) and a STREAM socket of the PyPI wheel's libzmq
4.3.5 exchange raw bytes, each side binding once. Both see the connect
notification, the data, and the close asked for with an empty frame."""

import os
import subprocess
import time

import pytest
import zmq

from conftest import env_path

# Runs in Debian's python with OUR libzmq: argv = bind|connect [endpoint].
OURS = r"""
import os, sys, zmq
loaded = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        parts = line.split()
        if len(parts) >= 6 and "libzmq" in os.path.basename(parts[5]):
            loaded.add(os.path.realpath(parts[5]))
assert os.path.realpath(os.environ["ZMQ_EXPECT_LIB"]) in loaded, loaded
ctx = zmq.Context()
s = ctx.socket(zmq.STREAM)
s.rcvtimeo = 10000
s.sndtimeo = 10000
s.linger = 0
mode = sys.argv[1]
if mode == "bind":
    s.bind("tcp://127.0.0.1:*")
    print("READY", s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
    rid, empty = s.recv_multipart()
    assert empty == b"", empty
    got = b""
    while got != b"ping from theirs":
        frames = s.recv_multipart(copy=False)
        assert frames[0].bytes == rid
        assert frames[1].get("Peer-Address") == "127.0.0.1"
        assert len(frames[1].bytes) > 0
        got += frames[1].bytes
    s.send_multipart([rid, b"pong from ours"])
else:
    s.connect(sys.argv[2])
    rid = s.getsockopt(zmq.ROUTING_ID)
    assert len(rid) == 5 and rid[0] == 0, rid
    assert s.recv_multipart() == [rid, b""]
    s.send_multipart([rid, b"ping from ours"])
    got = b""
    while got != b"pong from theirs":
        r, data = s.recv_multipart()
        assert r == rid and data
        got += data
# Their side closes the connection: we hear [id][empty].
assert s.recv_multipart() == [rid, b""]
print("OK", flush=True)
s.close()
ctx.term()
"""


def start_ours(*args):
    our_lib = env_path("ZMQ_OUR_LIB")
    python = env_path("ZMQ_SYS_PYTHON", "/usr/bin/python3")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["ZMQ_EXPECT_LIB"] = our_lib
    if os.environ.get("ZMQ_SYSTEM") != "1":
        env["LD_LIBRARY_PATH"] = os.path.dirname(our_lib)
    return subprocess.Popen(
        [python, "-c", OURS, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def recv_until(s, rid, want):
    got = b""
    while got != want:
        r, data = s.recv_multipart()
        assert r == rid and data, (r, data)
        got += data
        assert len(got) <= len(want), got


def close_and_finish(s, rid, proc):
    """Closes the peer with an empty frame; libzmq completes that close
    while its socket handles commands, so it is polled until ours ends."""
    s.send_multipart([rid, b""])
    deadline = time.monotonic() + 15
    while proc.poll() is None:
        assert time.monotonic() < deadline, "our side did not finish"
        s.poll(50)
    out, err = proc.communicate()
    assert proc.returncode == 0, f"ours failed:\n{out}\n{err}"
    assert "OK" in out, out


@pytest.fixture
def stream(ctx):
    s = ctx.socket(zmq.STREAM)
    s.rcvtimeo = 10000
    s.sndtimeo = 10000
    s.linger = 0
    yield s
    s.close()


def test_ours_connects_to_their_stream(stream):
    port = stream.bind_to_random_port("tcp://127.0.0.1")
    proc = start_ours("connect", f"tcp://127.0.0.1:{port}")
    try:
        rid, empty = stream.recv_multipart()
        assert empty == b""
        recv_until(stream, rid, b"ping from ours")
        stream.send_multipart([rid, b"pong from theirs"])
        close_and_finish(stream, rid, proc)
    finally:
        proc.kill()


def test_theirs_connects_to_our_stream(stream):
    proc = start_ours("bind")
    try:
        line = proc.stdout.readline().split()
        assert line and line[0] == "READY", (line, proc.stderr.read())
        stream.connect(line[1])
        rid = stream.getsockopt(zmq.ROUTING_ID)
        assert stream.recv_multipart() == [rid, b""]
        stream.send_multipart([rid, b"ping from theirs"])
        recv_until(stream, rid, b"pong from ours")
        close_and_finish(stream, rid, proc)
    finally:
        proc.kill()
