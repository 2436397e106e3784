"""NULL with ZAP, PLAIN and CURVE between our library (the C peer) and real libzmq (the PyPI
pyzmq wheel), in both directions, with the ZAP handler on the server's side:
pyzmq's ThreadAuthenticator when their side serves, a handler thread inside
the peer's process (peer.c zap-plain:/zap-curve:) when ours serves.

For each direction: an accepted client talks (and the server's messages
carry the handler's User-Id); a refused client (wrong password, unknown key)
gets HANDSHAKE_FAILED_AUTH 400 and nothing is ever delivered either way; a
CURVE client with the wrong server key fails the handshake (the server
raises HANDSHAKE_FAILED_PROTOCOL ZMTP_CRYPTOGRAPHIC); CURVE without any
handler (Stonehouse) lets every client in."""

import os
import time

import pytest
import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import recv_monitor_message

TIMEOUT_MS = 10000
AUTH = zmq.EVENT_HANDSHAKE_FAILED_AUTH
PROTOCOL = zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
CRYPTOGRAPHIC = zmq.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC


def zsocket(ctx, kind):
    s = ctx.socket(kind)
    s.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.SNDTIMEO, TIMEOUT_MS)
    s.setsockopt(zmq.LINGER, 0)
    return s


class Monitor:
    """A monitor on one of their sockets, started before bind/connect."""

    count = 0

    def __init__(self, ctx, sock):
        Monitor.count += 1
        endpoint = f"inproc://security-monitor-{Monitor.count}"
        sock.monitor(endpoint, zmq.EVENT_ALL)
        self.sock = sock
        self.pair = zsocket(ctx, zmq.PAIR)
        self.pair.connect(endpoint)

    def wait(self, event, peer):
        """Skips other events until `event`; returns its value."""
        while True:
            if not self.pair.poll(TIMEOUT_MS):
                raise AssertionError(peer._failure(f"no monitor event {event:#x} on their side"))
            e = recv_monitor_message(self.pair)
            if e["event"] == event:
                return e["value"]

    def close(self):
        self.sock.disable_monitor()
        self.pair.close()


@pytest.fixture
def keys(tmp_path):
    """CURVE keys: the server's, an allowed client's, a stranger's; the
    allowed client's public key is the only certificate in `allowed`."""
    allowed = tmp_path / "allowed"
    others = tmp_path / "others"
    allowed.mkdir()
    others.mkdir()
    _, client_secret_file = zmq.auth.create_certificates(str(allowed), "client")
    _, stranger_secret_file = zmq.auth.create_certificates(str(others), "stranger")
    for f in os.listdir(allowed):
        if f.endswith(".key_secret"):
            os.rename(allowed / f, others / f)
    client = zmq.auth.load_certificate(str(others / os.path.basename(client_secret_file)))
    stranger = zmq.auth.load_certificate(stranger_secret_file)
    server = zmq.curve_keypair()
    wrong = zmq.curve_keypair()
    return {
        "server": server,
        "client": client,
        "stranger": stranger,
        "wrong": wrong,
        "allowed_dir": str(allowed),
    }


def z(key):
    return key.decode() if isinstance(key, bytes) else key


@pytest.fixture
def authenticator(ctx):
    started = []

    def start():
        auth = ThreadAuthenticator(ctx)
        auth.start()
        started.append(auth)
        return auth

    yield start
    for a in started:
        a.stop()


def finish(peer, *socks):
    peer.finish()
    for s in socks:
        s.close()


# ------------------------------------------------ our client, their server


def their_server(ctx, mechanism, keys, authenticator, with_auth=True, deny=False):
    server = zsocket(ctx, zmq.REP)
    if with_auth:
        auth = authenticator()
        if mechanism == "NULL":
            # pyzmq's authenticator judges NULL clients by address only
            if deny:
                auth.deny("127.0.0.1")
            server.zap_domain = b"test"
        elif mechanism == "PLAIN":
            auth.configure_plain(domain="*", passwords={"admin": "secret"})
        else:
            auth.configure_curve(domain="*", location=keys["allowed_dir"])
    if mechanism == "PLAIN":
        server.plain_server = True
    elif mechanism == "CURVE":
        server.curve_server = True
        server.curve_secretkey = keys["server"][1]
    mon = Monitor(ctx, server)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    return server, mon, f"tcp://127.0.0.1:{port}"


def our_client_steps(mechanism, keys, case):
    if mechanism == "NULL":
        return []
    if mechanism == "PLAIN":
        return ["plain:admin:" + ("wrong" if case == "refused" else "secret")]
    pub, sec = keys["stranger" if case == "refused" else "client"]
    serverkey = keys["wrong" if case == "wrong-server-key" else "server"][0]
    return [f"curve-serverkey:{z(serverkey)}", f"curve-public:{z(pub)}", f"curve-secret:{z(sec)}"]


CLIENT_CASES = [
    ("NULL", "accepted"),
    ("NULL", "refused"),
    ("PLAIN", "accepted"),
    ("PLAIN", "refused"),
    ("CURVE", "accepted"),
    ("CURVE", "refused"),
    ("CURVE", "wrong-server-key"),
    ("CURVE", "no-handler"),
]


@pytest.mark.parametrize(
    "mechanism,case", CLIENT_CASES, ids=[f"{m}-{c}" for m, c in CLIENT_CASES]
)
def test_our_client_their_server(mechanism, case, peers, ctx, keys, authenticator):
    server, mon, endpoint = their_server(
        ctx, mechanism, keys, authenticator, with_auth=case != "no-handler", deny=case == "refused"
    )
    steps = our_client_steps(mechanism, keys, case)
    name = f"our {mechanism} client, their server: {case}"
    if case in ("accepted", "no-handler"):
        peer = peers(["REQ", "connect", endpoint] + steps + ["s:hello", "r:world"], name)
        peer.check_lib()
        msg = server.recv(copy=False)
        assert msg.bytes == b"hello"
        if case == "accepted" and mechanism != "NULL":
            want = "admin" if mechanism == "PLAIN" else z(keys["client"][0])
            assert msg.get("User-Id") == want
        server.send(b"world")
    elif case == "refused":
        peer = peers(
            ["REQ", "connect", endpoint] + steps + ["sn:hello", f"event:{AUTH}:400", "none:300"],
            name,
        )
        peer.check_lib()
        assert mon.wait(AUTH, peer) == 400
    else:  # wrong server key
        peer = peers(
            ["REQ", "connect", endpoint]
            + steps
            + ["sn:hello", f"event:{zmq.EVENT_DISCONNECTED}", "none:300"],
            name,
        )
        peer.check_lib()
        assert mon.wait(PROTOCOL, peer) == CRYPTOGRAPHIC
    peer.finish()
    if case in ("refused", "wrong-server-key"):
        assert not server.poll(200), "their server received a refused client's request"
    mon.close()
    server.close()


# ------------------------------------------------ their client, our server


def our_server_steps(mechanism, keys, case):
    if mechanism == "NULL":
        return ["zap-domain:test", "zap-deny" if case == "refused" else "zap-allow"]
    if mechanism == "PLAIN":
        return ["plain-server", "zap-plain:admin:secret"]
    steps = ["curve-server", f"curve-secret:{z(keys['server'][1])}"]
    if case != "no-handler":
        steps.append(f"zap-curve:{z(keys['client'][0])}")
    return steps


def their_client(ctx, mechanism, keys, case, endpoint):
    client = zsocket(ctx, zmq.REQ)
    if mechanism == "NULL":
        pass
    elif mechanism == "PLAIN":
        client.plain_username = b"admin"
        client.plain_password = b"wrong" if case == "refused" else b"secret"
    else:
        pub, sec = keys["stranger" if case == "refused" else "client"]
        client.curve_publickey = pub
        client.curve_secretkey = sec
        client.curve_serverkey = keys["wrong" if case == "wrong-server-key" else "server"][0]
    mon = Monitor(ctx, client)
    client.connect(endpoint)
    return client, mon


SERVER_CASES = CLIENT_CASES


@pytest.mark.parametrize(
    "mechanism,case", SERVER_CASES, ids=[f"{m}-{c}" for m, c in SERVER_CASES]
)
def test_their_client_our_server(mechanism, case, peers, ctx, keys):
    steps = our_server_steps(mechanism, keys, case)
    name = f"their {mechanism} client, our server: {case}"
    if case in ("accepted", "no-handler"):
        want = {"NULL": "anyone", "PLAIN": "admin", "CURVE": "curve-client"}[mechanism]
        check = [] if case == "no-handler" else [f"userid:{want}"]
        peer = peers(["REP", "bind", "tcp://127.0.0.1:*"] + steps + ["r:hello"] + check + ["s:world"], name)
    elif case == "refused":
        peer = peers(
            ["REP", "bind", "tcp://127.0.0.1:*"] + steps + [f"event:{AUTH}:400", "none:300"], name
        )
    else:  # wrong server key
        peer = peers(
            ["REP", "bind", "tcp://127.0.0.1:*"]
            + steps
            + [f"event:{PROTOCOL}:{CRYPTOGRAPHIC}", "none:300"],
            name,
        )
    peer.check_lib()
    endpoint = peer.expect_line("READY ")
    client, mon = their_client(ctx, mechanism, keys, case, endpoint)
    if case in ("accepted", "no-handler"):
        client.send(b"hello")
    else:
        # a refused client may have lost its only pipe already: no waiting
        try:
            client.send(b"hello", zmq.NOBLOCK)
        except zmq.Again:
            pass
    if case in ("accepted", "no-handler"):
        try:
            assert client.recv() == b"world"
        except zmq.Again:
            raise AssertionError(peer._failure("their client got no reply"))
    elif case == "refused":
        assert mon.wait(AUTH, peer) == 400
    else:
        mon.wait(zmq.EVENT_DISCONNECTED, peer)
    peer.finish()
    if case in ("refused", "wrong-server-key"):
        assert not client.poll(200), "a refused client received a reply"
    mon.close()
    client.close()


# ------------------------------------------- the CURVE data path, both ways

BIG = bytes(i % 251 for i in range(1 << 20))
HB = ["hb:50:400"]  # PING/PONG inside the box every 50 ms; 400 ms to answer


def token(frame):
    if frame == b"":
        return "@empty"
    if frame == BIG:
        return "@big"
    return frame.decode()


# (sender, frames): "c" = the DEALER client, "s" = the ROUTER server
CURVE_TALK = [
    ("c", [b"hello"]),
    ("s", [b"world"]),
    ("c", [b"multi", b"", b"part"]),
    ("s", [BIG]),
    ("c", [BIG]),
    ("s", [b""]),
    ("idle", None),  # the peer waits 700 ms: only heartbeats cross
    ("c", [b"after", b"idle"]),
    ("s", [b"bye"]),
]
DEALER_ID = b"curve-dealer"


def curve_server_opts(sock, keys):
    sock.curve_server = True
    sock.curve_secretkey = keys["server"][1]


def curve_client_opts(sock, keys):
    sock.curve_publickey, sock.curve_secretkey = keys["client"]
    sock.curve_serverkey = keys["server"][0]


def heartbeats(sock):
    sock.setsockopt(zmq.HEARTBEAT_IVL, 50)
    sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 400)


def one_connection(mon):
    """Their side made one connection only: a PING/PONG or a frame that did
    not open would have closed it, and a reconnect shows as a second
    HANDSHAKE_SUCCEEDED."""
    events = []
    while mon.pair.poll(0):
        events.append(recv_monitor_message(mon.pair)["event"])
    assert events.count(zmq.EVENT_HANDSHAKE_SUCCEEDED) == 1, events


@pytest.mark.parametrize("ours", ["client", "server"])
def test_curve_data_path(ours, peers, ctx, keys):
    """DEALER/ROUTER over CURVE with heartbeats: text, multipart with an
    empty frame, 1 MiB both ways, an idle stretch of heartbeats only."""
    our_side = "c" if ours == "client" else "s"
    steps = []
    for sender, frames in CURVE_TALK:
        if sender == "idle":
            steps.append("idle:700")
            continue
        if ours == "server":
            frames = [DEALER_ID] + frames
        kind = "s:" if sender == our_side else "r:"
        steps.append(kind + "|".join(token(f) for f in frames))
    if ours == "client":
        sock = zsocket(ctx, zmq.ROUTER)
        curve_server_opts(sock, keys)
        heartbeats(sock)
        mon = Monitor(ctx, sock)
        port = sock.bind_to_random_port("tcp://127.0.0.1")
        cpub, csec = keys["client"]
        security = [
            f"curve-serverkey:{z(keys['server'][0])}",
            f"curve-public:{z(cpub)}",
            f"curve-secret:{z(csec)}",
            "id:" + DEALER_ID.decode(),
        ]
        peer = peers(
            ["DEALER", "connect", f"tcp://127.0.0.1:{port}"] + security + HB + steps,
            "CURVE data path, our client",
        )
        peer.check_lib()
    else:
        security = ["curve-server", f"curve-secret:{z(keys['server'][1])}"]
        peer = peers(
            ["ROUTER", "bind", "tcp://127.0.0.1:*"] + security + HB + steps,
            "CURVE data path, our server",
        )
        peer.check_lib()
        endpoint = peer.expect_line("READY ")
        sock = zsocket(ctx, zmq.DEALER)
        sock.setsockopt(zmq.ROUTING_ID, DEALER_ID)
        curve_client_opts(sock, keys)
        heartbeats(sock)
        mon = Monitor(ctx, sock)
        sock.connect(endpoint)
    for i, (sender, frames) in enumerate(CURVE_TALK):
        if sender == "idle":
            continue
        if ours == "client":
            frames = [DEALER_ID] + frames
        try:
            if sender == our_side:
                got = sock.recv_multipart()
                assert got == frames, f"step {i}: got {[f[:16] for f in got]}"
            else:
                sock.send_multipart(frames)
        except zmq.Again:
            raise AssertionError(peer._failure(f"step {i}: their side timed out"))
    peer.finish()
    one_connection(mon)
    mon.close()
    sock.close()


@pytest.mark.parametrize("ours", ["PUB", "SUB"])
def test_curve_pubsub(ours, peers, ctx, keys):
    """PUB/SUB over CURVE: the subscriptions (SUBSCRIBE commands inside
    the box) are honoured by the other implementation's publisher."""
    published = [[b"A1"], [b"B1"], [b"A2", b"x"], [b"A", b""], [b"Aend"]]
    expected = [m for m in published if m[0].startswith(b"A")]
    security = ["curve-server", f"curve-secret:{z(keys['server'][1])}"]
    if ours == "PUB":
        steps = ["pubsync:sync"] + ["s:" + "|".join(token(f) for f in m) for m in published]
        peer = peers(["PUB", "bind", "tcp://127.0.0.1:*"] + security + steps, "CURVE PUB ours")
        peer.check_lib()
        endpoint = peer.expect_line("READY ")
        sub = zsocket(ctx, zmq.SUB)
        curve_client_opts(sub, keys)
        sub.connect(endpoint)
        sub.setsockopt(zmq.SUBSCRIBE, b"A")
        sub.setsockopt(zmq.SUBSCRIBE, b"sync")
        try:
            assert sub.recv_multipart() == [b"sync"]
        except zmq.Again:
            raise AssertionError(peer._failure("no sync message reached their SUB"))
        peer.go()
        got = []
        while len(got) < len(expected):
            try:
                m = sub.recv_multipart()
            except zmq.Again:
                raise AssertionError(peer._failure(f"their SUB timed out; got {got}"))
            if m != [b"sync"]:
                got.append(m)
        assert got == expected
        peer.finish()
        sub.close()
    else:
        pub = zsocket(ctx, zmq.PUB)
        curve_server_opts(pub, keys)
        port = pub.bind_to_random_port("tcp://127.0.0.1")
        cpub, csec = keys["client"]
        client = [
            f"curve-serverkey:{z(keys['server'][0])}",
            f"curve-public:{z(cpub)}",
            f"curve-secret:{z(csec)}",
        ]
        steps = ["sub:A", "sub:sync", "waitsync:sync"] + [
            "r:" + "|".join(token(f) for f in m) for m in expected
        ]
        peer = peers(["SUB", "connect", f"tcp://127.0.0.1:{port}"] + client + steps, "CURVE SUB ours")
        peer.check_lib()
        for _ in range(1500):
            if peer.has_line("SYNCED"):
                break
            pub.send(b"sync")
            time.sleep(0.01)
        else:
            raise AssertionError(peer._failure("our SUB never got the sync message"))
        for m in published:
            pub.send_multipart(m)
        peer.finish()
        pub.close()
