"""The monitored side of tests/interop/test_monitor.py, run in its own
process either by Debian's python3 on our library or by the venv's Python
(the PyPI wheel: real libzmq). Prints the monitor events of one tcp PAIR
socket, normalised so that the two libraries can be compared:

  bind:    binds tcp://127.0.0.1:*, prints "EP <endpoint>", answers one
           "ping" with "pong", waits for the peer to leave, unbinds, closes.
  connect <endpoint>:
           connects, sends "ping", reads "pong", waits for the peer to leave
           and for the retry to be scheduled, closes.

Output: "LIB <path>" and then "EVENTS <json list of [name, value, endpoint]>"
where fds become "fd1", "fd2"... in order of appearance, a reconnect wait in
[IVL, 2 IVL) becomes "ivl", and the endpoint under test becomes "EP"."""

import json
import os
import sys

import zmq
from zmq.utils.monitor import recv_monitor_message

IVL = 2000
NAMES = {getattr(zmq, n): n[6:] for n in dir(zmq) if n.startswith("EVENT_") and n != "EVENT_ALL"}
FD_EVENTS = {"LISTENING", "ACCEPTED", "CONNECTED", "CLOSED", "DISCONNECTED"}


def lib():
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and "libzmq" in os.path.basename(parts[5]):
                return os.path.realpath(parts[5])
    return "static:" + zmq.__file__


def main():
    print("LIB", lib(), flush=True)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PAIR)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.setsockopt(zmq.RECONNECT_IVL, IVL)
    mon = s.get_monitor_socket(zmq.EVENT_ALL, "inproc://interop-monitor")
    events = []

    def until(name):
        while True:
            if not mon.poll(10000):
                sys.exit(f"FAIL: no {name} event; got {events}")
            e = recv_monitor_message(mon)
            ep = e["endpoint"]
            events.append((NAMES.get(e["event"], e["event"]), e["value"],
                           ep.decode() if isinstance(ep, bytes) else ep))
            if events[-1][0] == name:
                return

    if sys.argv[1] == "bind":
        s.bind("tcp://127.0.0.1:*")
        ep = s.getsockopt_string(zmq.LAST_ENDPOINT)
        print("EP", ep, flush=True)
        assert s.recv() == b"ping"
        s.send(b"pong")
        until("DISCONNECTED")
        s.unbind(ep)
        until("CLOSED")
    else:
        ep = sys.argv[2]
        s.connect(ep)
        s.send(b"ping")
        assert s.recv() == b"pong"
        print("EXCHANGED", flush=True)
        until("CONNECT_RETRIED")
    s.close()
    until("MONITOR_STOPPED")
    mon.close()
    ctx.term()

    fds, out = {}, []
    for name, value, endpoint in events:
        if name in FD_EVENTS:
            value = fds.setdefault(value, f"fd{len(fds) + 1}")
        elif name == "CONNECT_RETRIED" and IVL <= value < 2 * IVL:
            value = "ivl"
        out.append([name, value, "EP" if endpoint == ep else endpoint])
    print("EVENTS", json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
