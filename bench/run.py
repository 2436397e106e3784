#!/usr/bin/env python3
"""Side-by-side benchmark runner: libzmq-rs (ours) vs Debian's libzmq.

Runs the C programs that `make bench-build` put in build/bench/bin (built once
against include/zmq.h, linked -lzmq without an rpath) against two libraries by
swapping LD_LIBRARY_PATH:

    ours    build/lib                   (libzmq.so.5 from this repository)
    libzmq  build/bench/libzmq-debian   (only a libzmq.so.5 symlink to Debian's)

and, where bench/zeromq-rs/target/release/zeromq-bench exists, the same tcp/ipc
throughput and latency pairs with the zeromq crate (the "zmq.rs" column).

Each case alternates implementations (ours, libzmq[, zmq.rs], ours, ...) for
BENCH_REPS repetitions (default 3) and reports medians. Every run has a
timeout: a run that hangs is killed (its whole process group) and reported as
"timeout"; one that exits non-zero is "fail". BENCH_BUDGET seconds (default
520) after BENCH_START (`make bench` sets it to its own start, so the builds
count; else the runner's start) the remaining runs are reported as "skipped",
so `make bench` always ends within 10 minutes. BENCH_QUICK=1 divides the message counts (developer mode).

Writes build/bench/results.json, results.md and chart.svg; prints the markdown
to stdout. Python 3 standard library only.
"""

import datetime
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
BIN = OUT / "bin"
LIBDIRS = {"ours": ROOT / "build" / "lib", "libzmq": OUT / "libzmq-debian"}
# BENCH_BASELINE=<dir holding a libzmq.so.5>: the second column runs that
# library instead of Debian's libzmq — e.g. our library built at an earlier
# commit (`make bench-ab BASE=<rev>`), for a before/after table in one run.
BASELINE = os.environ.get("BENCH_BASELINE", "")
if BASELINE:
    LIBDIRS["libzmq"] = Path(BASELINE).resolve()
SYSTEM_LIB = Path("/usr/lib/x86_64-linux-gnu/libzmq.so.5")
ZRS = ROOT / "bench" / "zeromq-rs" / "target" / "release" / "zeromq-bench"

REPS = int(os.environ.get("BENCH_REPS", "3"))
CG_REPS = int(os.environ.get("BENCH_CG_REPS", "1"))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# seconds from BENCH_START (epoch seconds; `make bench` passes the time it
# started, so the library and zeromq-rs builds count) or from now
BUDGET = float(os.environ.get("BENCH_BUDGET", "520"))
START = float(os.environ.get("BENCH_START") or time.time())
RUN_TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "20"))
# substring filter on case ids; several separated by commas; "^x": ids starting with x
ONLY = [w for w in os.environ.get("BENCH_ONLY", "").split(",") if w]
T0 = time.monotonic()

SIZES_THR = [1, 64, 1024, 65536, 1048576]
SIZES_LAT = [1, 1024]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def scale(n, minimum=2):
    return max(minimum, n // 5) if QUICK else n


def thr_count(size, transport):
    """Messages per throughput run: about 0.3-2 s for the slower library."""
    counts = {
        "tcp": {1: 1_500_000, 64: 1_500_000, 1024: 300_000, 65536: 20_000, 1048576: 1_000},
        "ipc": {1: 1_500_000, 64: 1_500_000, 1024: 300_000, 65536: 20_000, 1048576: 1_000},
        # inproc passes large messages by reference: far more of them per second
        "inproc": {1: 2_000_000, 64: 2_000_000, 1024: 500_000, 65536: 150_000, 1048576: 40_000},
        # the raw-socket ceiling is several times faster than either library
        "raw": {1: 20_000_000, 64: 10_000_000, 1024: 2_000_000, 65536: 40_000, 1048576: 2_000},
    }
    return scale(counts[transport][size])


# ------------------------------------------------------------------ running


class Outcome:
    """One run: .data (parsed JSON) or .error ("fail" / "timeout" / "skipped")."""

    def __init__(self, data=None, error=None, detail=""):
        self.data, self.error, self.detail = data, error, detail

    def to_json(self):
        if self.error:
            return {"error": self.error, "detail": self.detail[-2000:]}
        return self.data


def env_for(impl):
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    env.pop("LD_PRELOAD", None)
    if impl in LIBDIRS:
        env["LD_LIBRARY_PATH"] = str(LIBDIRS[impl])
    return env


def over_budget():
    return time.time() - START > BUDGET


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def spawn(argv, impl, stdin=subprocess.DEVNULL, extra_env=None):
    env = env_for(impl)
    env.update(extra_env or {})
    return subprocess.Popen(
        [str(a) for a in argv],
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # own process group: a timeout kills forks too
    )


def finish(procs, timeout):
    """Waits for all procs until a shared deadline; returns [(rc|None, out, err)]."""
    deadline = time.monotonic() + timeout
    results = []
    timed_out = False
    for p in procs:
        left = max(0.0, deadline - time.monotonic()) if not timed_out else 0.0
        try:
            out, err = p.communicate(timeout=left if not timed_out else 0.1)
            results.append((p.returncode, out, err))
        except subprocess.TimeoutExpired:
            timed_out = True
            for q in procs:
                kill_group(q)
            out, err = p.communicate()
            results.append((None, out, err))
    for p in procs:
        kill_group(p)  # leftovers of forked children, if any
    return results


def parse(rc, out, err, what):
    text = err.decode(errors="replace")
    if rc is None:
        return Outcome(error="timeout", detail=f"{what}: {text}")
    if rc != 0:
        return Outcome(error="fail", detail=f"{what}: exit {rc}: {text}")
    lines = [l for l in out.decode(errors="replace").splitlines() if l.strip()]
    try:
        data = json.loads(lines[-1])
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return Outcome(data=data)
    except (IndexError, ValueError) as e:
        return Outcome(error="fail", detail=f"{what}: bad output ({e}): {lines!r} {text}")


def run_one(argv, impl, timeout=RUN_TIMEOUT, extra_env=None):
    if over_budget():
        return Outcome(error="skipped", detail="over BENCH_BUDGET")
    ((rc, out, err),) = finish([spawn(argv, impl, extra_env=extra_env)], timeout)
    return parse(rc, out, err, " ".join(str(a) for a in argv))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_ipc_dir = Path(tempfile.mkdtemp(prefix="zmqbench-"))
_ipc_n = [0]


def endpoint(transport):
    if transport == "tcp":
        return f"tcp://127.0.0.1:{free_port()}"
    _ipc_n[0] += 1
    return f"ipc://{_ipc_dir}/{_ipc_n[0]}.ipc"


def prog(impl, name):
    """argv prefix of one side of a pair for an implementation."""
    if impl == "zmq.rs":
        return [ZRS, name]
    return [BIN / name]


# the error of a CURVE run against a library whose zmq_has("curve") is 0:
# shown in its cells, not listed as a failure
NO_CURVE = "n/a (no curve)"


def curve_envs(impl):
    """(server env, client env) for a CURVE pair, or an Outcome on error.

    The server's key pair comes from zmq_curve_keypair of the library under
    test (bench/curve_keypair.c), fresh for each run; the server gets the
    secret key, the client the public one (it makes its own pair)."""
    o = run_one([BIN / "curve_keypair"], impl, timeout=10)
    if o.error:
        return o
    if not o.data.get("curve"):
        return Outcome(error=NO_CURVE, detail="zmq_has(\"curve\") = 0")
    return ({"BENCH_CURVE_SECRET": o.data["secret"]},
            {"BENCH_CURVE_SERVERKEY": o.data["public"]})


def run_curve_pair(impl, server, client, size, count, result_from):
    """run_pair over tcp with the server a CURVE server, the client its client."""
    if over_budget():
        return Outcome(error="skipped", detail="over BENCH_BUDGET")
    envs = curve_envs(impl)
    if isinstance(envs, Outcome):
        return envs
    return run_pair(impl, server, client, "tcp", size, count, result_from,
                    senv=envs[0], cenv=envs[1])


def run_pair(impl, server, client, transport, size, count, result_from,
             senv=None, cenv=None):
    """Server (binds) first, then client; both separate processes.

    senv, cenv: extra environment of the server and of the client."""
    if over_budget():
        return Outcome(error="skipped", detail="over BENCH_BUDGET")
    ep = endpoint(transport)
    sargv = prog(impl, server) + [ep, size, count]
    cargv = prog(impl, client) + [ep, size, count]
    sp = spawn(sargv, impl, extra_env=senv)
    time.sleep(0.05)  # let it bind; the client reconnects anyway if early
    # the client gets a stdin pipe that is closed once the server has exited:
    # thr_send (with BENCH_WAIT_STDIN) keeps its connection up until then
    cp = spawn(cargv, impl, stdin=subprocess.PIPE,
               extra_env={"BENCH_WAIT_STDIN": "1", **(cenv or {})})
    deadline = time.monotonic() + RUN_TIMEOUT
    sout = cout = None
    try:
        sout, serr = sp.communicate(timeout=RUN_TIMEOUT)
        src = sp.returncode
        if src != 0:  # the server's failure is the story; stop the client
            kill_group(cp)
        # communicate() closes the client's stdin first
        cout, cerr = cp.communicate(timeout=max(0.1, deadline - time.monotonic()))
        crc = 0 if src != 0 else cp.returncode
    except subprocess.TimeoutExpired:
        for p in (sp, cp):
            kill_group(p)
        if sout is None:
            sout, serr = sp.communicate()
            src = None if sp.returncode in (None, -signal.SIGKILL) else sp.returncode
        cout, cerr = cp.communicate()
        # whoever had not exited by the deadline timed out
        crc = None if cp.returncode in (None, -signal.SIGKILL) else cp.returncode
    finally:
        for p in (sp, cp):
            kill_group(p)
    if ep.startswith("ipc://"):
        try:
            os.unlink(ep[len("ipc://"):])
        except OSError:
            pass
    so = parse(src, sout, serr, " ".join(map(str, sargv)))
    co = parse(crc, cout, cerr, " ".join(map(str, cargv)))
    bad = [o for o in (so, co) if o.error]
    if bad:
        # a timeout on either side makes the pair a timeout
        err = "timeout" if any(o.error == "timeout" for o in bad) else "fail"
        return Outcome(error=err, detail=" | ".join(o.detail for o in bad))
    return so if result_from == "server" else co


def callgrind_ir(argv, impl, extra_env=None):
    """Total instructions (Ir) of one run under callgrind, as an Outcome."""
    if over_budget():
        return Outcome(error="skipped", detail="over BENCH_BUDGET")
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "cg.out"
        full = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + argv
        o = run_one(full, impl, timeout=120, extra_env=extra_env)
        if o.error:
            return o
        for line in out.read_text().splitlines():
            if line.startswith("summary:") or line.startswith("totals:"):
                return Outcome(data={"ir": int(line.split()[1])})
    return Outcome(error="fail", detail="no summary in callgrind output")


# -------------------------------------------------------------------- cases


class Case:
    """Something run per implementation; rows display metrics of it."""

    def __init__(self, cid, impls, fn, reps=None):
        self.id, self.impls, self.fn = cid, impls, fn
        self.reps = REPS if reps is None else reps
        self.runs = {i: [] for i in impls}

    def run(self):
        for rep in range(self.reps):
            for impl in self.impls:
                o = self.fn(impl)
                self.runs[impl].append(o)
                shown = o.error or json.dumps(o.data)
                log(f"[{time.monotonic() - T0:6.1f}s] {self.id} {impl} #{rep + 1}: {shown}")
                if o.error and o.error not in ("skipped", NO_CURVE):
                    log("    " + o.detail.strip().replace("\n", "\n    ")[-1500:])

    def median(self, impl, metric):
        """(value or None, cell note) over this implementation's runs."""
        runs = self.runs.get(impl, [])
        vals = [o.data[metric] for o in runs if not o.error and metric in o.data]
        errs = [o.error for o in runs if o.error]
        if not vals:
            if not runs:
                return None, "—"
            return None, (errs[0] if errs else "fail")
        note = ""
        if errs:
            kinds = sorted(set(errs))
            note = f" ({len(errs)}/{len(runs)} {'/'.join(kinds)})"
        return statistics.median(vals), note


class Row:
    """zrs: True if the zmq.rs column has this case, else what its cell says."""

    def __init__(self, family, label, size, case, metric, unit, higher_better,
                 raw_case=None, zrs="—"):
        self.family, self.label, self.size, self.case = family, label, size, case
        self.metric, self.unit, self.higher_better = metric, unit, higher_better
        self.raw_case, self.zrs = raw_case, zrs


def size_label(n):
    if n is None:
        return ""
    if n >= 1048576:
        return f"{n // 1048576} MiB"
    if n >= 1024:
        return f"{n // 1024} KiB"
    return f"{n} B"


def build_cases(have_zrs, have_valgrind):
    cases, rows, raw = [], [], {}
    pair_impls = ["ours", "libzmq"] + (["zmq.rs"] if have_zrs else [])
    libs = ["ours", "libzmq"]

    for transport in ("tcp", "ipc", "inproc"):
        for size in SIZES_THR:
            n = thr_count(size, transport)
            if transport == "inproc":
                c = Case(f"thr/inproc/{size}", libs,
                         lambda impl, s=size, n=n: run_one([BIN / "thr_inproc", s, n], impl))
                rows.append(Row("thr inproc", "PUSH→PULL inproc", size, c,
                                "msgs_per_s", "msg/s", True))
            else:
                # the raw-socket ceiling runs in the same alternation
                # (ours, libzmq[, zmq.rs], raw, ours, ...) so that it sees
                # the same machine load
                kind = {"tcp": "tcp", "ipc": "unix"}[transport]
                nraw = thr_count(size, "raw")

                def fn(impl, t=transport, s=size, n=n, kind=kind, nraw=nraw):
                    if impl == "raw":
                        return run_one([BIN / "raw_thr", kind, s, nraw], impl)
                    return run_pair(impl, "thr_recv", "thr_send", t, s, n, "server")
                c = Case(f"thr/{transport}/{size}", pair_impls + ["raw"], fn)
                raw[(kind, size)] = c
                rows.append(Row(f"thr {transport}", f"PUSH→PULL {transport}", size, c,
                                "msgs_per_s", "msg/s", True, raw_case=c, zrs=True))
            cases.append(c)

    for transport in ("tcp", "ipc", "inproc"):
        for size in SIZES_LAT:
            n = scale(30_000 if transport == "inproc" else 10_000, 200)
            if transport == "inproc":
                c = Case(f"lat/inproc/{size}", libs,
                         lambda impl, s=size, n=n: run_one([BIN / "lat_inproc", s, n], impl))
            else:
                c = Case(f"lat/{transport}/{size}", pair_impls,
                         lambda impl, t=transport, s=size, n=n:
                         run_pair(impl, "lat_rep", "lat_req", t, s, n, "client"))
            cases.append(c)
            for m, name in (("p50_us", "p50"), ("p99_us", "p99")):
                rows.append(Row(f"lat {transport}", f"REQ↔REP {transport} {name}", size, c,
                                m, "µs", False, zrs=True if transport != "inproc" else "—"))

    # CURVE (issue 9): PUSH→PULL throughput between a CURVE server (thr_recv,
    # binds) and client (thr_send), and connections per second (socket,
    # connect, handshake, one round trip, close: handshake_client) with
    # CURVE and, for reference, NULL. zmq.rs has no CURVE.
    for size, count in ((64, 1_000_000), (65536, 8_000)):
        n = scale(count)
        c = Case(f"curve/thr/tcp/{size}", libs,
                 lambda impl, s=size, n=n:
                 run_curve_pair(impl, "thr_recv", "thr_send", s, n, "server"))
        cases.append(c)
        rows.append(Row("curve", "PUSH→PULL tcp CURVE", size, c, "msgs_per_s", "msg/s", True,
                        zrs="n/a"))
    for mech, count in (("curve", 1_500), ("null", 2_000)):
        n = scale(count, 50)
        if mech == "curve":
            c = Case("curve/handshake/tcp", libs,
                     lambda impl, n=n: run_curve_pair(impl, "handshake_server",
                                                      "handshake_client", 1, n, "client"))
        else:
            c = Case("curve/handshake/tcp/null", libs,
                     lambda impl, n=n: run_pair(impl, "handshake_server", "handshake_client",
                                                "tcp", 1, n, "client"))
        cases.append(c)
        label = ("connect+handshake+close tcp CURVE" if mech == "curve"
                 else "connect+handshake+close tcp NULL (reference)")
        rows.append(Row("curve", label, None, c, "handshakes_per_s", "hs/s", True,
                        zrs="n/a" if mech == "curve" else "—"))

    for nsubs, count in ((1, 500_000), (10, 100_000), (100, 20_000)):
        n = scale(count)
        c = Case(f"pubsub/fanout/{nsubs}", libs,
                 lambda impl, k=nsubs, n=n: run_one([BIN / "pubsub", "fanout", k, n], impl))
        cases.append(c)
        rows.append(Row("pub/sub", f"PUB→{nsubs} SUB tcp, delivered", 64, c,
                        "msgs_per_s", "msg/s", True))
    n = scale(1_000_000)
    c = Case("pubsub/prefixes/10000", libs,
             lambda impl, n=n: run_one([BIN / "pubsub", "prefixes", 10000, n], impl))
    cases.append(c)
    rows.append(Row("pub/sub", "10k prefixes: PUB send", 64, c, "send_msgs_per_s", "msg/s", True))
    rows.append(Row("pub/sub", "10k prefixes: delivered", 64, c, "msgs_per_s", "msg/s", True))

    n = scale(20, 2)
    c = Case("router/1000", libs,
             lambda impl, n=n: run_one([BIN / "router_dealer", 1000, n], impl))
    cases.append(c)
    rows.append(Row("router", "ROUTER↔1000 DEALER tcp", 16, c, "rtt_per_s", "rtt/s", True))

    nsock = 1000
    c = Case("mem/sockets", libs,
             lambda impl: run_one([BIN / "mem_sockets", nsock], impl))
    cases.append(c)
    rows.append(Row("memory", f"{nsock} idle DEALERs (inproc)", None, c,
                    "per_socket_bytes", "B/socket", False))
    nconn = scale(10_000, 1000)
    c = Case("mem/conns", libs,
             lambda impl: run_one([BIN / "mem_conns", nconn], impl, timeout=60))
    cases.append(c)
    rows.append(Row("memory", f"ROUTER, {nconn} idle tcp peers", None, c,
                    "per_conn_bytes", "B/conn", False))

    if have_valgrind:
        N = scale(20_000, 2_000)
        # the CURVE case: per-message cost of the cipher (seal + open) on top
        # of tcp; the handshake is in both runs and cancels out
        for name, argv in (("inproc", [BIN / "thr_inproc"]),
                           ("tcp", [BIN / "thr_local", "tcp://127.0.0.1:*"]),
                           ("tcp CURVE", [BIN / "thr_local", "tcp://127.0.0.1:*"])):
            def cg(impl, name=name, argv=argv, N=N):
                env = {}
                if name.endswith("CURVE"):
                    envs = curve_envs(impl)
                    if isinstance(envs, Outcome):
                        return envs
                    env = {**envs[0], **envs[1]}
                a = callgrind_ir(argv + [64, N], impl, env)
                b = callgrind_ir(argv + [64, 2 * N], impl, env)
                if a.error or b.error:
                    return a if a.error else b
                return Outcome(data={"ir_per_msg": (b.data["ir"] - a.data["ir"]) / N,
                                     "ir_n": a.data["ir"], "ir_2n": b.data["ir"], "n": N})
            c = Case(f"callgrind/{name.replace(' CURVE', '/curve')}", libs, cg,
                     reps=CG_REPS)
            cases.append(c)
            rows.append(Row("callgrind", f"PUSH→PULL {name}, one process", 64, c,
                            "ir_per_msg", "Ir/msg", False))
    return cases, rows, raw


# ------------------------------------------------------------ environment


def sh(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def check_libraries():
    """Proves which libzmq.so.5 each implementation loads; exits if wrong."""
    expected = {"ours": (LIBDIRS["ours"] / "libzmq.so.5").resolve(),
                "libzmq": (LIBDIRS["libzmq"] / "libzmq.so.5").resolve() if BASELINE
                else SYSTEM_LIB.resolve()}
    info = {}
    for impl, want in expected.items():
        if not want.exists():
            sys.exit(f"run.py: {want} missing (make bench-build; apt libzmq5)")
        o = run_one([BIN / "which_lib"], impl, timeout=10)
        if o.error:
            sys.exit(f"run.py: which_lib failed for {impl}: {o.detail}")
        got = Path(o.data["path"]).resolve()
        if got != want:
            sys.exit(f"run.py: {impl} loaded {got}, expected {want}")
        # ldd-style check of every program with this LD_LIBRARY_PATH
        for b in sorted(BIN.iterdir()):
            out = subprocess.run(["ldd", str(b)], env=env_for(impl), capture_output=True,
                                 text=True).stdout
            line = [l for l in out.splitlines() if "libzmq.so.5" in l]
            if not line and b.name == "raw_thr":
                continue  # calls no libzmq function: the linker dropped it
            path = line[0].split("=>")[1].split("(")[0].strip() if line else ""
            if not path or Path(path).resolve() != want:
                sys.exit(f"run.py: {b.name} with {impl} resolves libzmq.so.5 to {path!r}")
        info[impl] = {"version": o.data["version"], "file": str(got)}
        log(f"{impl}: zmq_version {o.data['version']}, loads {got}")
    if info["ours"]["file"] == info["libzmq"]["file"]:
        sys.exit("run.py: both implementations load the same file")
    return info


def machine_info(libs, have_zrs):
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    deb = sh("dpkg-query", "-W", "-f", "${Version}", "libzmq5")
    commit = sh("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = sh("git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no")
    zrs_ver = ""
    lock = ROOT / "bench" / "zeromq-rs" / "Cargo.lock"
    if have_zrs and lock.exists():
        lines = lock.read_text().splitlines()
        for i, l in enumerate(lines):
            if l.strip() == 'name = "zeromq"' and i + 1 < len(lines):
                zrs_ver = lines[i + 1].split("=")[1].strip().strip('"')
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "ours": f"libzmq-rs {libs['ours']['version']} (commit {commit}{'+dirty' if dirty else ''})",
        "libzmq": (f"BASELINE {LIBDIRS['libzmq']} (the 'libzmq' column is this build)"
                   if BASELINE else f"libzmq {libs['libzmq']['version']} (Debian libzmq5 {deb})"),
        "zmq.rs": f"zeromq crate {zrs_ver}" if have_zrs else "not built",
        "reps": REPS,
        "quick": QUICK,
    }


# ----------------------------------------------------------------- output


def fmt(v, unit):
    if v is None:
        return ""
    if unit in ("msg/s", "rtt/s", "hs/s"):
        if v >= 1e6:
            return f"{v / 1e6:.2f} M"
        if v >= 1e3:
            return f"{v / 1e3:.1f} k"
        return f"{v:.0f}"
    if unit == "µs":
        return f"{v:.1f}"
    if unit.startswith("B/"):
        return f"{v / 1024:.1f} KiB" if v >= 10240 else f"{v:.0f} B"
    return f"{v:.0f}"


def cell(case, impl, metric, unit):
    v, note = case.median(impl, metric)
    return (fmt(v, unit) + note) if v is not None else note


def ratio(row):
    a, _ = row.case.median("ours", row.metric)
    b, _ = row.case.median("libzmq", row.metric)
    if a is None or b is None or b == 0:
        return None
    return a / b


def raw_share(row, impl):
    if not row.raw_case:
        return None
    v, _ = row.case.median(impl, "bytes_per_s")
    r, _ = row.raw_case.median("raw", "bytes_per_s")
    if v is None or not r:
        return None
    return v / r


def gbps(v):
    return f"{v / 1e9:.2f} GB/s" if v >= 1e8 else f"{v / 1e6:.1f} MB/s"


def markdown(meta, cases, rows, raw, have_zrs):
    L = []
    L.append("# libzmq-rs benchmarks: ours vs libzmq")
    L.append("")
    L.append(f"- Date: {meta['date']}; machine: {meta['nproc']} CPUs, {meta['cpu']}; "
             f"kernel {meta['kernel']}")
    L.append(f"- ours: {meta['ours']}; libzmq: {meta['libzmq']}; zmq.rs: {meta['zmq.rs']}")
    L.append(f"- Medians of {meta['reps']} runs per cell, implementations alternated "
             f"(ours, libzmq, …){'; QUICK mode (smaller counts)' if meta['quick'] else ''}. "
             "Same C binaries for ours and libzmq (built once against include/zmq.h), library "
             "chosen by LD_LIBRARY_PATH and verified. Wall time of the runner: "
             f"{meta.get('wall_s', 0):.0f} s.")
    L.append("- ours/libzmq: > 1 is better for rates (msg/s, rtt/s, hs/s), < 1 is better for "
             "latency (µs), memory and instructions. \"% of raw\": bytes/s as a share of "
             "the raw-socket ceiling (tcp vs plain TCP, ipc vs a Unix socketpair, same "
             "ZMTP framing), ours · libzmq.")
    L.append("")
    head = "| benchmark | size | ours | libzmq | ours/libzmq | % of raw (ours · libzmq) |"
    sep = "|---|---|---|---|---|---|"
    if have_zrs:
        head += " zmq.rs |"
        sep += "---|"
    L.append(head)
    L.append(sep)
    for r in rows:
        rt = ratio(r)
        share = ""
        if r.raw_case:
            a, b = raw_share(r, "ours"), raw_share(r, "libzmq")
            share = " · ".join(f"{x * 100:.0f}%" if x is not None else "–" for x in (a, b))
        line = (f"| {r.label} ({r.unit}) | {size_label(r.size)} | "
                f"{cell(r.case, 'ours', r.metric, r.unit)} | "
                f"{cell(r.case, 'libzmq', r.metric, r.unit)} | "
                f"{'' if rt is None else f'{rt:.2f}'} | {share} |")
        if have_zrs:
            line += f" {cell(r.case, 'zmq.rs', r.metric, r.unit) if r.zrs is True else r.zrs} |"
        L.append(line)

    L.append("")
    L.append("## Latency detail (round trip, µs: mean / p50 / p99 / p99.9)")
    L.append("")
    impls = ["ours", "libzmq"] + (["zmq.rs"] if have_zrs else [])
    L.append("| transport | size | " + " | ".join(impls) + " |")
    L.append("|---|---|" + "---|" * len(impls))
    for c in cases:
        if not c.id.startswith("lat/"):
            continue
        _, transport, size = c.id.split("/")
        cells = []
        for i in impls:
            if i not in c.impls:
                cells.append("—")
                continue
            vals = [c.median(i, m) for m in ("mean_us", "p50_us", "p99_us", "p999_us")]
            if vals[0][0] is None:
                cells.append(vals[0][1])
            else:
                cells.append(" / ".join(f"{v:.1f}" for v, _ in vals) + vals[0][1])
        L.append(f"| {transport} | {size_label(int(size))} | " + " | ".join(cells) + " |")

    L.append("")
    L.append("## Raw-socket ceiling (no library; ZMTP framing over plain sockets; "
             "runs alternated with the tcp/ipc rows above)")
    L.append("")
    L.append("| socket | size | msg/s | bytes/s |")
    L.append("|---|---|---|---|")
    for (kind, size), c in raw.items():
        v, note = c.median("raw", "msgs_per_s")
        b, _ = c.median("raw", "bytes_per_s")
        L.append(f"| {'TCP 127.0.0.1' if kind == 'tcp' else 'Unix socketpair'} | "
                 f"{size_label(size)} | {fmt(v, 'msg/s') + note if v is not None else note} | "
                 f"{gbps(b) if b is not None else ''} |")

    L.append("")
    L.append("## Throughput in bytes/s")
    L.append("")
    L.append("| benchmark | size | ours | libzmq |" + (" zmq.rs |" if have_zrs else ""))
    L.append("|---|---|---|---|" + ("---|" if have_zrs else ""))
    for r in rows:
        if (r.family.startswith("thr") or r.family == "curve") and (r.size or 0) >= 1024:
            cells = []
            for i in ["ours", "libzmq"] + (["zmq.rs"] if have_zrs else []):
                if i == "zmq.rs" and r.zrs is not True:
                    cells.append(r.zrs)
                    continue
                v, note = r.case.median(i, "bytes_per_s")
                cells.append(gbps(v) + note if v is not None else note)
            L.append(f"| {r.label} | {size_label(r.size)} | " + " | ".join(cells) + " |")

    noisy = []
    for r in rows:
        for i in ("ours", "libzmq"):
            vals = [o.data[r.metric] for o in r.case.runs.get(i, [])
                    if not o.error and r.metric in o.data]
            if len(vals) >= 2 and min(vals) > 0 and max(vals) / min(vals) > 1.5:
                noisy.append(f"- {r.label} {size_label(r.size)}, {i}: "
                             + ", ".join(fmt(v, r.unit) for v in vals))
    if noisy:
        L.append("")
        L.append("## Noisy cells (max/min of the runs > 1.5)")
        L.append("")
        L.extend(noisy)

    failures = []
    for c in cases:
        for i, runs in c.runs.items():
            for n, o in enumerate(runs):
                if o.error and o.error not in ("skipped", NO_CURVE):
                    lib = f" (LD_LIBRARY_PATH={LIBDIRS[i].relative_to(ROOT)})" if i in LIBDIRS else ""
                    failures.append(f"- {c.id} {i} run {n + 1}{lib}: {o.error}: "
                                    f"`{o.detail.strip().splitlines()[0][:300] if o.detail.strip() else ''}`")
    skipped = sum(1 for c in cases for runs in c.runs.values() for o in runs
                  if o.error == "skipped")
    if failures or skipped:
        L.append("")
        L.append("## Failures")
        L.append("")
        L.extend(failures)
        if skipped:
            L.append(f"- {skipped} runs skipped: over the time budget (BENCH_BUDGET)")
    L.append("")
    L.append("How each benchmark works: comments at the top of bench/*.c; runner: "
             "bench/run.py; chart: chart.svg (ours/libzmq per row, log scale).")
    return "\n".join(L) + "\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chart(rows, meta):
    """Horizontal bars of ours/libzmq per row on a log scale, line at 1.0."""
    import math
    lo, hi = 1 / 16, 16
    left, width, bar_h, gap, top = 330, 560, 14, 4, 70
    plot = left + 45  # room for a value printed left of the shortest bar
    entries = []
    last_family = None
    for r in rows:
        if r.family != last_family:
            entries.append(("family", r.family))
            last_family = r.family
        entries.append(("row", r))
    height = top + sum(22 if k == "family" else bar_h + gap for k, _ in entries) + 40
    W = plot + width + 70

    def x(v):
        v = min(max(v, lo), hi)
        return plot + (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo)) * width

    S = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
         f'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
         f'<rect width="{W}" height="{height}" fill="white"/>',
         f'<text x="10" y="22" font-size="16" font-weight="bold">libzmq-rs / libzmq '
         f'(ours ÷ libzmq, log scale)</text>',
         f'<text x="10" y="42" fill="#444">{esc(meta["date"])} · {meta["nproc"]} CPUs · '
         f'{esc(meta["cpu"])} · green: ours better, red: ours worse '
         f'(rates: higher is better; latency, memory, Ir: lower)</text>']
    for t in (1 / 16, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16):
        xx = x(t)
        S.append(f'<line x1="{xx:.1f}" y1="{top - 8}" x2="{xx:.1f}" y2="{height - 30}" '
                 f'stroke="{"#000" if t == 1 else "#ddd"}" stroke-width="{2 if t == 1 else 1}"/>')
        S.append(f'<text x="{xx:.1f}" y="{height - 14}" text-anchor="middle" fill="#444">'
                 f'{"1/16" if t < 0.1 else f"{t:g}"}×</text>')
    y = top
    for kind, e in entries:
        if kind == "family":
            y += 4
            S.append(f'<text x="10" y="{y + 12}" font-weight="bold">{esc(e)}</text>')
            y += 18
            continue
        r = e
        label = f"{r.label} {size_label(r.size)}".strip()
        S.append(f'<text x="{left - 8}" y="{y + bar_h - 3}" text-anchor="end">{esc(label)}</text>')
        rt = ratio(r)
        if rt is None:
            _, note = r.case.median("ours", r.metric)
            _, note2 = r.case.median("libzmq", r.metric)
            S.append(f'<text x="{x(1) + 6:.1f}" y="{y + bar_h - 3}" fill="#b00">'
                     f'{esc(note.strip() or note2.strip() or "n/a")}</text>')
        else:
            better = rt >= 1 if r.higher_better else rt <= 1
            x0, x1 = sorted((x(1), x(rt)))
            S.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" '
                     f'fill="{"#3a9d5d" if better else "#d9534f"}"/>')
            tx = x(rt) + (5 if rt >= 1 else -5)
            anchor = "start" if rt >= 1 else "end"
            clamp = "◀" if rt < lo else ("▶" if rt > hi else "")
            S.append(f'<text x="{tx:.1f}" y="{y + bar_h - 3}" text-anchor="{anchor}">'
                     f'{clamp if rt < lo else ""}{rt:.2f}{clamp if rt > hi else ""}</text>')
        y += bar_h + gap
    S.append("</svg>")
    return "\n".join(S) + "\n"


# ------------------------------------------------------------------- main


def main():
    if not BIN.is_dir():
        sys.exit("run.py: build/bench/bin missing: run `make bench-build` first")
    libs = check_libraries()
    have_zrs = ZRS.is_file() and os.access(ZRS, os.X_OK)
    have_valgrind = shutil.which("valgrind") is not None
    if not have_zrs:
        log(f"no {ZRS}: no zmq.rs column")
    if not have_valgrind:
        log("valgrind missing: no callgrind rows")
    meta = machine_info(libs, have_zrs)
    cases, rows, raw = build_cases(have_zrs, have_valgrind)
    if ONLY:
        keep = {c.id for c in cases
                if any(c.id.startswith(w[1:]) if w.startswith("^") else w in c.id
                       for w in ONLY)}
        cases = [c for c in cases if c.id in keep]
        rows = [r for r in rows if r.case.id in keep]
        raw = {k: c for k, c in raw.items() if c.id in keep}
    for c in cases:
        c.run()
    meta["wall_s"] = time.monotonic() - T0
    md = markdown(meta, cases, rows, raw, have_zrs)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.md").write_text(md)
    (OUT / "chart.svg").write_text(chart(rows, meta))
    data = {
        "meta": meta,
        "cases": {c.id: {i: [o.to_json() for o in runs] for i, runs in c.runs.items()}
                  for c in cases},
        "rows": [{"family": r.family, "label": r.label, "size": r.size, "metric": r.metric,
                  "unit": r.unit, "higher_is_better": r.higher_better,
                  "ours": r.case.median("ours", r.metric)[0],
                  "libzmq": r.case.median("libzmq", r.metric)[0],
                  "zmq.rs": r.case.median("zmq.rs", r.metric)[0] if r.zrs is True else None,
                  "ratio": ratio(r),
                  "raw_share_ours": raw_share(r, "ours"),
                  "raw_share_libzmq": raw_share(r, "libzmq")} for r in rows],
    }
    (OUT / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    shutil.rmtree(_ipc_dir, ignore_errors=True)
    print(md, end="")
    log(f"wrote {OUT}/results.md, results.json, chart.svg in {meta['wall_s']:.0f} s")


if __name__ == "__main__":
    main()
