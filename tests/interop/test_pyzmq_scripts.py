"""Debian's python3-zmq (which links libzmq.so.5) runs the pattern scripts in
tests/pyzmq with our library loaded instead of Debian's libzmq."""

import glob
import os
import subprocess

import pytest

from conftest import env_path

SCRIPTS_DIR = os.environ.get(
    "ZMQ_PYZMQ_SCRIPTS",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyzmq"),
)
SCRIPTS = sorted(
    s for s in glob.glob(os.path.join(SCRIPTS_DIR, "*.py")) if not os.path.basename(s).startswith("_")
)


@pytest.mark.parametrize("script", SCRIPTS, ids=[os.path.basename(s) for s in SCRIPTS])
def test_script_on_our_library(script):
    our_lib = env_path("ZMQ_OUR_LIB")
    python = env_path("ZMQ_SYS_PYTHON", "/usr/bin/python3")
    env = dict(os.environ)
    env["ZMQ_EXPECT_LIB"] = our_lib
    env.pop("PYTHONPATH", None)
    if os.environ.get("ZMQ_SYSTEM") != "1":
        env["LD_LIBRARY_PATH"] = os.path.dirname(our_lib)
    try:
        out = subprocess.run(
            [python, script], env=env, capture_output=True, text=True, timeout=90
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{script} timed out\n{e.stdout}\n{e.stderr}")
    assert out.returncode == 0, (
        f"{os.path.basename(script)} failed (exit {out.returncode})\n"
        f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
    )
    print(out.stdout)


def test_scripts_exist():
    assert len(SCRIPTS) >= 3, SCRIPTS
