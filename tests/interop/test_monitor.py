"""Monitor events on our library while it talks to real libzmq (the PyPI
wheel in this process): the monitored socket runs in its own process
(tests/interop/monitor_side.py) on our library, and again on real libzmq
(the wheel), against the same real-libzmq peer; both must report the same
events, values (fds by identity, reconnect waits by range) and endpoints,
and what libzmq documents (BEHAVIOUR E2)."""

import json
import os
import subprocess
import sys

import pytest
import zmq

from conftest import env_path

SIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "monitor_side.py")

BIND_EVENTS = [
    ["LISTENING", "fd1", "EP"],
    ["ACCEPTED", "fd2", "EP"],
    ["HANDSHAKE_SUCCEEDED", 0, "EP"],
    ["DISCONNECTED", "fd2", "EP"],
    ["CLOSED", "fd1", "EP"],
    ["MONITOR_STOPPED", 0, ""],
]
CONNECT_EVENTS = [
    ["CONNECT_DELAYED", 115, "EP"],
    ["CONNECTED", "fd1", "EP"],
    ["HANDSHAKE_SUCCEEDED", 0, "EP"],
    ["DISCONNECTED", "fd1", "EP"],
    ["CONNECT_RETRIED", "ivl", "EP"],
    ["MONITOR_STOPPED", 0, ""],
]


def start_side(which, args):
    """which: "ours" (Debian python3-zmq on our library) or "theirs"."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if which == "ours":
        our_lib = env_path("ZMQ_OUR_LIB")
        python = env_path("ZMQ_SYS_PYTHON", "/usr/bin/python3")
        if os.environ.get("ZMQ_SYSTEM") != "1":
            env["LD_LIBRARY_PATH"] = os.path.dirname(our_lib)
    else:
        python = sys.executable
    proc = subprocess.Popen(
        [python, SIDE] + args, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    lib = proc.stdout.readline().split(" ", 1)[1].strip()
    if which == "ours":
        assert os.path.realpath(lib) == os.path.realpath(env_path("ZMQ_OUR_LIB")), lib
    return proc


def side_line(proc, prefix):
    line = proc.stdout.readline()
    if not line.startswith(prefix):
        proc.kill()
        raise AssertionError(f"expected {prefix!r}, got {line!r}; stderr: {proc.stderr.read()}")
    return line[len(prefix):].strip()


def finish(proc):
    events = json.loads(side_line(proc, "EVENTS "))
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    return events


def peer_socket(ctx):
    s = ctx.socket(zmq.PAIR)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 10000)
    return s


def bind_side(ctx, which):
    proc = start_side(which, ["bind"])
    ep = side_line(proc, "EP ")
    peer = peer_socket(ctx)
    peer.connect(ep)
    peer.send(b"ping")
    assert peer.recv() == b"pong"
    peer.close()
    return finish(proc)


def connect_side(ctx, which):
    peer = peer_socket(ctx)
    peer.bind("tcp://127.0.0.1:*")
    ep = peer.getsockopt_string(zmq.LAST_ENDPOINT)
    proc = start_side(which, ["connect", ep])
    assert peer.recv() == b"ping"
    peer.send(b"pong")
    side_line(proc, "EXCHANGED")
    peer.close()
    return finish(proc)


@pytest.mark.parametrize("role", ["bind", "connect"])
def test_monitor_events_match_real_libzmq(ctx, role):
    run = bind_side if role == "bind" else connect_side
    ours = run(ctx, "ours")
    theirs = run(ctx, "theirs")
    expected = BIND_EVENTS if role == "bind" else CONNECT_EVENTS
    assert theirs == expected, f"real libzmq reported {theirs}"
    assert ours == theirs, f"ours {ours}\ntheirs {theirs}"
