"""Our library (C peer) against real libzmq (PyPI pyzmq), in separate
processes: every pattern over tcp and ipc, with our side binding and with
their side binding, in both roles; multipart, 0-byte and 1 MiB frames."""

import os
import shutil
import tempfile
import time

import pytest
import zmq

BIG = bytes(i % 251 for i in range(1 << 20))
TIMEOUT_MS = 10000

# A conversation between side "a" (the one that speaks first) and side "b".
CONVERSATION = [
    ("a", [b"hello"]),
    ("b", [b"world"]),
    ("a", [b"multi", b"", b"part"]),
    ("b", [BIG]),
    ("a", [BIG]),
    ("b", [b""]),
]
ONE_WAY = [
    ("a", [b"hello"]),
    ("a", [b"multi", b"", b"part"]),
    ("a", [BIG]),
    ("a", [b""]),
    ("a", [b"last"]),
]
DEALER_ID = b"dealer-id"

# pattern -> (type of side a, type of side b, conversation)
PATTERNS = {
    "req-rep": ("REQ", "REP", CONVERSATION),
    "dealer-router": ("DEALER", "ROUTER", CONVERSATION),
    "pair": ("PAIR", "PAIR", CONVERSATION),
    "push-pull": ("PUSH", "PULL", ONE_WAY),
}


def token(frame):
    if frame == b"":
        return "@empty"
    if frame == BIG:
        return "@big"
    return frame.decode()


def frames_for(pattern, role, frames):
    """ROUTER (side b of dealer-router) sees and sends the DEALER's id."""
    if pattern == "dealer-router" and role == "b":
        return [DEALER_ID] + frames
    return frames


def zsocket(ctx, type_name):
    s = ctx.socket(getattr(zmq, type_name))
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 5000)
    return s


@pytest.fixture
def ipc_dir():
    d = tempfile.mkdtemp(prefix="zi-", dir="/tmp")  # short: ipc paths max 107
    yield d
    shutil.rmtree(d, ignore_errors=True)


def connect_pair(peers, sock, transport, ours_binds, ipc_dir, peer_args, name):
    """Binds/connects both sides; returns the running peer."""
    if transport == "tcp":
        if ours_binds:
            peer = peers(peer_args("bind", "tcp://127.0.0.1:*"), name)
            peer.check_lib()
            sock.connect(peer.expect_line("READY "))
        else:
            port = sock.bind_to_random_port("tcp://127.0.0.1")
            peer = peers(peer_args("connect", f"tcp://127.0.0.1:{port}"), name)
            peer.check_lib()
    else:
        endpoint = f"ipc://{ipc_dir}/sock"
        if ours_binds:
            peer = peers(peer_args("bind", endpoint), name)
            peer.check_lib()
            peer.expect_line("READY ")
            sock.connect(endpoint)
        else:
            sock.bind(endpoint)
            peer = peers(peer_args("connect", endpoint), name)
            peer.check_lib()
    return peer


CASES = [
    (pattern, ours, transport, binder)
    for pattern in list(PATTERNS) + ["pub-sub"]
    for ours in ("a", "b")
    for transport in ("tcp", "ipc")
    for binder in ("ours-binds", "theirs-binds")
]


def case_id(case):
    pattern, ours, transport, binder = case
    if pattern == "pub-sub":
        a, b = "PUB", "SUB"
    else:
        a, b, _ = PATTERNS[pattern]
    our_type = a if ours == "a" else b
    return f"{pattern}-ours-{our_type}-{transport}-{binder}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_interop(case, peers, ctx, ipc_dir):
    pattern, ours, transport, binder = case
    name = case_id(case)
    if pattern == "pub-sub":
        run_pub_sub(name, ours, transport, binder == "ours-binds", peers, ctx, ipc_dir)
        return
    type_a, type_b, conversation = PATTERNS[pattern]
    theirs = "b" if ours == "a" else "a"
    our_type = type_a if ours == "a" else type_b
    their_type = type_a if theirs == "a" else type_b

    steps = []
    if pattern == "dealer-router" and ours == "a":
        steps.append("id:" + DEALER_ID.decode())
    for sender, frames in conversation:
        kind = "s:" if sender == ours else "r:"
        steps.append(kind + "|".join(token(f) for f in frames_for(pattern, ours, frames)))

    sock = zsocket(ctx, their_type)
    if pattern == "dealer-router" and theirs == "a":
        sock.setsockopt(zmq.ROUTING_ID, DEALER_ID)

    def peer_args(mode, endpoint):
        return [our_type, mode, endpoint] + steps

    peer = connect_pair(
        peers, sock, transport, binder == "ours-binds", ipc_dir, peer_args, name
    )
    for i, (sender, frames) in enumerate(conversation):
        want = frames_for(pattern, theirs, frames)
        try:
            if sender == theirs:
                sock.send_multipart(want)
            else:
                got = sock.recv_multipart()
                assert got == want, f"[{name}] step {i}: got {summary(got)}, expected {summary(want)}"
        except zmq.Again:
            raise AssertionError(peer._failure(f"step {i}: real libzmq side timed out"))
    peer.finish()
    sock.close()


def summary(frames):
    return [f[:16] + (b"...(%d)" % len(f) if len(f) > 16 else b"") for f in frames]


def run_pub_sub(name, ours, transport, ours_binds, peers, ctx, ipc_dir):
    """Subscriptions are made after connect; a sync topic handles the slow
    joiner; "B1" must be filtered out; multipart with a 0-byte frame."""
    published = [[b"A1"], [b"B1"], [b"A2", b"x"], [b"A", b""], [b"Aend"]]
    expected = [m for m in published if m[0].startswith(b"A")]
    if ours == "a":  # ours publishes
        steps = ["pubsync:sync"] + ["s:" + "|".join(token(f) for f in m) for m in published]
        sub = zsocket(ctx, "SUB")
        peer = connect_pair(
            peers, sub, transport, ours_binds, ipc_dir,
            lambda mode, ep: ["PUB", mode, ep] + steps, name,
        )
        sub.setsockopt(zmq.SUBSCRIBE, b"A")
        sub.setsockopt(zmq.SUBSCRIBE, b"sync")
        try:
            assert sub.recv_multipart() == [b"sync"]
        except zmq.Again:
            raise AssertionError(peer._failure("no sync message reached the SUB"))
        peer.go()
        got = []
        while len(got) < len(expected):
            try:
                m = sub.recv_multipart()
            except zmq.Again:
                raise AssertionError(peer._failure(f"SUB timed out; got {got}"))
            if m != [b"sync"]:
                got.append(m)
        assert got == expected, f"[{name}] got {got}"
        peer.finish()
        sub.close()
    else:  # ours subscribes
        steps = ["sub:A", "sub:sync", "waitsync:sync"] + [
            "r:" + "|".join(token(f) for f in m) for m in expected
        ]
        pub = zsocket(ctx, "PUB")
        peer = connect_pair(
            peers, pub, transport, ours_binds, ipc_dir,
            lambda mode, ep: ["SUB", mode, ep] + steps, name,
        )
        deadline = time.monotonic() + 15
        while not peer.has_line("SYNCED"):
            if time.monotonic() > deadline:
                raise AssertionError(peer._failure("SUB never got the sync message"))
            pub.send(b"sync")
            time.sleep(0.01)
        for m in published:
            pub.send_multipart(m)
        peer.finish()
        pub.close()
