#!/usr/bin/python3
"""Socket monitoring with Debian's python3-zmq: Socket.get_monitor_socket()
and zmq.utils.monitor.recv_monitor_message. A tcp PAIR pair reports
LISTENING, ACCEPTED/CONNECT_DELAYED/CONNECTED, HANDSHAKE_SUCCEEDED,
DISCONNECTED (same fd as ACCEPTED), CLOSED (same fd as LISTENING) and
MONITOR_STOPPED, with libzmq's values and endpoint strings;
disable_monitor() stops a monitor; an events mask filters. Self-contained;
exits non-zero on failure.

Run with LD_LIBRARY_PATH=<dir with our libzmq.so.5> and ZMQ_EXPECT_LIB=<that
file> to check that our library, not Debian's libzmq, was loaded."""

import errno
import sys

import zmq

from _ourlib import check_lib
from zmq.utils.monitor import recv_monitor_message

NAMES = {
    getattr(zmq, n): n
    for n in dir(zmq)
    if n.startswith("EVENT_") and n not in ("EVENT_ALL",)
}




def text(endpoint):
    return endpoint.decode() if isinstance(endpoint, bytes) else endpoint


def expect(mon, event, endpoint=None):
    if not mon.poll(5000):
        sys.exit(f"FAIL: no event within 5 s, expected {NAMES.get(event, event)}")
    e = recv_monitor_message(mon)
    got, ep = e["event"], text(e["endpoint"])
    print(f"  {NAMES.get(got, got)} value={e['value']} endpoint={ep!r}")
    if got != event:
        sys.exit(f"FAIL: got {NAMES.get(got, got)}, expected {NAMES.get(event, event)}")
    if endpoint is not None and ep != endpoint:
        sys.exit(f"FAIL: {NAMES[event]} endpoint {ep!r}, expected {endpoint!r}")
    return e["value"]


def expect_none(mon, ms):
    if mon.poll(ms):
        e = recv_monitor_message(mon)
        sys.exit(f"FAIL: unexpected event {NAMES.get(e['event'], e['event'])}")


def main():
    check_lib()
    ctx = zmq.Context()
    srv = ctx.socket(zmq.PAIR)
    cli = ctx.socket(zmq.PAIR)
    for s in (srv, cli):
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 5000)
    ms = srv.get_monitor_socket()  # all events, a generated inproc name
    mc = cli.get_monitor_socket(zmq.EVENT_ALL, "inproc://monitor-client")

    print("server:")
    srv.bind("tcp://127.0.0.1:*")
    ep = srv.getsockopt_string(zmq.LAST_ENDPOINT)
    listening_fd = expect(ms, zmq.EVENT_LISTENING, ep)
    assert listening_fd > 2, listening_fd

    cli.connect(ep)
    accepted_fd = expect(ms, zmq.EVENT_ACCEPTED, ep)
    assert expect(ms, zmq.EVENT_HANDSHAKE_SUCCEEDED, ep) == 0
    print("client:")
    assert expect(mc, zmq.EVENT_CONNECT_DELAYED, ep) == errno.EINPROGRESS
    connected_fd = expect(mc, zmq.EVENT_CONNECTED, ep)
    assert connected_fd > 2 and connected_fd != accepted_fd
    assert expect(mc, zmq.EVENT_HANDSHAKE_SUCCEEDED, ep) == 0

    cli.send(b"ping")
    assert srv.recv() == b"ping"
    srv.send(b"pong")
    assert cli.recv() == b"pong"
    expect_none(ms, 50)

    # disable_monitor: MONITOR_STOPPED, then nothing more.
    cli.disable_monitor()
    assert expect(mc, zmq.EVENT_MONITOR_STOPPED, "") == 0
    cli.close()
    expect_none(mc, 50)
    mc.close()

    print("server, after the client left:")
    assert expect(ms, zmq.EVENT_DISCONNECTED, ep) == accepted_fd
    srv.unbind(ep)
    assert expect(ms, zmq.EVENT_CLOSED, ep) == listening_fd
    srv.close()
    assert expect(ms, zmq.EVENT_MONITOR_STOPPED, "") == 0
    ms.close()

    print("events mask (LISTENING only):")
    s = ctx.socket(zmq.PULL)
    s.setsockopt(zmq.LINGER, 0)
    m = s.get_monitor_socket(zmq.EVENT_LISTENING, "inproc://monitor-mask")
    s.bind("tcp://127.0.0.1:*")
    ep = s.getsockopt_string(zmq.LAST_ENDPOINT)
    expect(m, zmq.EVENT_LISTENING, ep)
    s.unbind(ep)
    s.close()
    expect_none(m, 100)
    m.close()

    ctx.term()
    print("monitor: OK")


if __name__ == "__main__":
    main()
