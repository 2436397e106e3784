#!/usr/bin/env python3
"""ABI check of our libzmq against Debian's libzmq 4.3.x.

1. Every `zmq_*` function Debian's libzmq.so.5 exports is exported by ours,
   and ours exports nothing but `zmq_*`.
2. `readelf -d` shows SONAME libzmq.so.5.
3. Every macro our zmq.h and Debian's zmq.h both define (ZMQ_* and E*), with
   and without ZMQ_BUILD_DRAFT_API, has the same value; every macro of
   Debian's stable header exists in ours.

usage: abi_check.py OUR_LIB OUR_INCLUDE_DIR [SYSTEM_LIB [SYSTEM_INCLUDE_DIR]]
Exits 1 and lists every difference on failure.
"""

import os
import re
import subprocess
import sys
import tempfile

SYSTEM_LIB = "/usr/lib/x86_64-linux-gnu/libzmq.so.5"
SYSTEM_INCLUDE = "/usr/include"
# Differ on purpose: we are 4.3.5, Debian ships 4.3.4.
VERSION_MACROS = {"ZMQ_VERSION_PATCH", "ZMQ_VERSION"}
# Draft constants renumbered between 4.3.4 and 4.3.5; ABI.md (4.3.5) is binding.
CHANGED_IN_4_3_5 = {"ZMQ_RECONNECT_STOP_AFTER_DISCONNECT": "4"}
CC = os.environ.get("CC", "cc")


def exported(lib):
    out = subprocess.run(
        ["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True
    ).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            names.add(parts[2].split("@")[0])
    return names


def soname(lib):
    out = subprocess.run(
        ["readelf", "-d", lib], capture_output=True, text=True, check=True
    ).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", out)
    return m.group(1) if m else None


def macros(include_dir, draft):
    """Object-like macros defined after #include <zmq.h>: {name: value}."""
    args = [CC, "-E", "-dM", "-x", "c", "-", "-I", include_dir]
    if draft:
        args.append("-DZMQ_BUILD_DRAFT_API=1")
    out = subprocess.run(
        args, input="#include <zmq.h>\n", capture_output=True, text=True, check=True
    ).stdout
    result = {}
    for line in out.splitlines():
        m = re.match(r"#define ([A-Za-z_][A-Za-z0-9_]*) (.*)$", line)
        if m:
            result[m.group(1)] = m.group(2).strip()
    return result


def printable(name, value):
    """Integer-valued ZMQ_*/E* macros we can print with printf."""
    if not (name.startswith("ZMQ_") or re.match(r"E[A-Z0-9]+$", name)):
        return False
    return bool(value) and not value.startswith('"') and "(" not in name


def macro_values(include_dir, names, draft):
    src = ["#include <stdio.h>", "#include <zmq.h>", "int main(void) {"]
    for n in sorted(names):
        src.append(f'    printf("%s %lld\\n", "{n}", (long long) ({n}));')
    src.append("    return 0;\n}")
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "m.c")
        exe = os.path.join(d, "m")
        with open(c, "w") as f:
            f.write("\n".join(src) + "\n")
        args = [CC, "-w", "-I", include_dir, c, "-o", exe]
        if draft:
            args.insert(1, "-DZMQ_BUILD_DRAFT_API=1")
        subprocess.run(args, check=True, capture_output=True, text=True)
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())


def check(our_lib, our_include, sys_lib=SYSTEM_LIB, sys_include=SYSTEM_INCLUDE):
    problems = []

    ours = exported(our_lib)
    theirs = {n for n in exported(sys_lib) if n.startswith("zmq_")}
    missing = sorted(theirs - ours)
    if missing:
        problems.append(f"{len(missing)} functions not exported: {' '.join(missing)}")
    extra = sorted(n for n in ours if not n.startswith("zmq_"))
    if extra:
        shown = " ".join(extra[:20]) + (" ..." if len(extra) > 20 else "")
        problems.append(f"{len(extra)} non-zmq_ symbols exported: {shown}")

    so = soname(our_lib)
    if so != "libzmq.so.5":
        problems.append(f"SONAME is {so!r}, expected 'libzmq.so.5'")

    compared = 0
    for draft in (False, True):
        label = "draft" if draft else "stable"
        mine = macros(our_include, draft)
        sysm = macros(sys_include, draft)
        # names the system header adds on top of the libc headers
        base = macros_without_zmq(draft)
        sys_names = {n for n, v in sysm.items() if n not in base and printable(n, v)}
        if not draft:
            absent = sorted(n for n in sys_names if n not in mine)
            if absent:
                problems.append(f"macros missing from our zmq.h: {' '.join(absent)}")
        shared = {n for n in sys_names if n in mine and printable(n, mine[n])}
        shared -= VERSION_MACROS
        try:
            a = macro_values(our_include, shared, draft)
            b = macro_values(sys_include, shared, draft)
        except subprocess.CalledProcessError as e:
            problems.append(f"{label}: compiling the macro printer failed:\n{e.stderr}")
            continue
        for n in sorted(shared):
            compared += 1
            if a.get(n) != b.get(n) and CHANGED_IN_4_3_5.get(n) != a.get(n):
                problems.append(f"{label}: {n} = {a.get(n)} in ours, {b.get(n)} in libzmq's")
    return problems, len(theirs), compared


def macros_without_zmq(draft):
    args = [CC, "-E", "-dM", "-x", "c", "-"]
    if draft:
        args.append("-DZMQ_BUILD_DRAFT_API=1")
    src = "#include <errno.h>\n#include <stddef.h>\n#include <stdio.h>\n#include <stdint.h>\n"
    out = subprocess.run(args, input=src, capture_output=True, text=True, check=True).stdout
    return {m.group(1) for m in re.finditer(r"#define ([A-Za-z_][A-Za-z0-9_]*)", out)}


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    problems, nfuncs, nmacros = check(*argv[1:5])
    for p in problems:
        print("ABI:", p)
    print(
        f"abi_check: {nfuncs} libzmq functions, {nmacros} macro values compared: "
        + ("FAILED" if problems else "OK")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
