"""The ABI check (abi_check.py) as part of the interop run."""

from abi_check import SYSTEM_INCLUDE, check
from conftest import env_path


def test_abi_matches_libzmq():
    our_lib = env_path("ZMQ_OUR_LIB")
    our_include = env_path("ZMQ_OUR_INCLUDE")
    sys_lib = env_path("ZMQ_SYSTEM_LIB")
    problems, nfuncs, nmacros = check(our_lib, our_include, sys_lib, SYSTEM_INCLUDE)
    assert nfuncs > 50
    assert nmacros > 100
    assert not problems, "\n".join(problems)
