"""Shared by the scripts in this folder (the runner skips files starting
with "_"): which libzmq this process loaded."""

import os
import sys

import zmq


def check_lib():
    loaded = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and "libzmq" in os.path.basename(parts[5]):
                loaded.add(os.path.realpath(parts[5]))
    expect = os.environ.get("ZMQ_EXPECT_LIB")
    print(f"libzmq {zmq.zmq_version()} loaded from {sorted(loaded)}")
    if expect and os.path.realpath(expect) not in loaded:
        sys.exit(f"FAIL: expected {os.path.realpath(expect)} to be loaded")
