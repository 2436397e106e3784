"""Shared set-up for the interop tests.

"Ours" is the library under test: the C peer (`ZMQ_PEER`, linked to our
libzmq.so.5) and Debian's python3-zmq run with our library preloaded.
"Theirs" is real libzmq: the PyPI pyzmq wheel in .venv, which bundles its
own libzmq and is not affected by LD_LIBRARY_PATH.

Environment (set by `make interop`):
  ZMQ_PEER          path of the compiled tests/interop/peer.c
  ZMQ_OUR_LIB       the libzmq.so.5 the peer must load (ours, or the
                    system one when ZMQ_SYSTEM=1)
  ZMQ_OUR_INCLUDE   directory of our zmq.h
  ZMQ_SYSTEM_LIB    Debian's libzmq.so.5
  ZMQ_SYS_PYTHON    Debian's python3 (with python3-zmq)
  ZMQ_PYZMQ_SCRIPTS directory of the tests/pyzmq scripts
  ZMQ_SYSTEM        1 when "ours" is the system libzmq (proving the tests)
"""

import os
import queue
import subprocess
import threading

import pytest
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def env_path(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        pytest.skip(f"{name} is not set (run through `make interop`)")
    return value


def mapped_libzmq():
    """Paths of every libzmq mapped into this process."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and "libzmq" in os.path.basename(parts[5]):
                paths.add(os.path.realpath(parts[5]))
    return sorted(paths)


@pytest.fixture(scope="session", autouse=True)
def real_libzmq_side():
    """The Python side must be the wheel's own libzmq, never ours."""
    zmq.Context.instance()
    our = os.path.realpath(os.environ.get("ZMQ_OUR_LIB", "/nonexistent"))
    system = os.path.realpath(
        os.environ.get("ZMQ_SYSTEM_LIB", "/usr/lib/x86_64-linux-gnu/libzmq.so.5")
    )
    loaded = mapped_libzmq()
    assert our not in loaded, f"pyzmq loaded our library: {loaded}"
    assert system not in loaded, f"pyzmq loaded the system libzmq: {loaded}"
    assert not zmq.__file__.startswith("/usr/lib/python3/"), zmq.__file__
    print(
        f"\nreal side: pyzmq {zmq.pyzmq_version()} bundling libzmq "
        f"{zmq.zmq_version()} from {os.path.dirname(zmq.__file__)} "
        f"(libzmq mappings: {loaded or 'statically linked'})"
    )
    return zmq.zmq_version()


class Peer:
    """The C peer on our library, in its own process."""

    def __init__(self, args, name):
        self.name = name
        self.args = [env_path("ZMQ_PEER")] + list(args)
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _failure(self, what):
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read()
        return (
            f"[{self.name}] {what}\n  peer: {' '.join(self.args)}\n"
            f"  exit: {self.proc.returncode}\n  stdout: {self.seen}\n  stderr: {err}"
        )

    def expect_line(self, prefix, timeout=15):
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(self._failure(f"no '{prefix}' line in {timeout}s"))
            if line is None:
                raise AssertionError(self._failure(f"peer ended before '{prefix}'"))
            self.seen.append(line)
            if line.startswith(prefix):
                return line[len(prefix) :].strip()

    def has_line(self, prefix):
        """Non-blocking: has a line starting with prefix arrived?"""
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return False
            if line is None:
                raise AssertionError(self._failure(f"peer ended before '{prefix}'"))
            self.seen.append(line)
            if line.startswith(prefix):
                return True

    def go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def check_lib(self):
        """The first line names the libzmq the peer loaded: must be ours."""
        path = self.expect_line("LIB ")
        want = os.path.realpath(env_path("ZMQ_OUR_LIB"))
        assert os.path.realpath(path) == want, self._failure(
            f"peer loaded {path}, expected {want}"
        )

    def finish(self, timeout=30):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(self._failure(f"peer still running after {timeout}s"))
        # drain remaining stdout lines for the report
        self.proc.stdin.close()
        if self.proc.returncode != 0:
            raise AssertionError(self._failure("peer failed"))
        assert self.expect_line("OK") == ""

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def peers():
    started = []

    def start(args, name):
        p = Peer(args, name)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    c.destroy(linger=0)
