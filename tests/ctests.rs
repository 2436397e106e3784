//! Runs the C test programs in `ctests/` against the library.
//!
//! Each `ctests/<name>.c` is one named test. It is compiled with the C
//! compiler found by the `cc` crate against `include/zmq.h`, linked to the
//! cdylib cargo just built (`target/<profile>/deps/libzmq.so`, reached through a
//! `libzmq.so.5` symlink and an rpath), and run with a hard 60 s timeout.
//!
//! `ZMQ_CTESTS_SYSTEM=1` compiles against the system `/usr/include/zmq.h`
//! and links the system `-lzmq` instead: every test must pass that way too,
//! which proves the tests themselves against the real libzmq.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const RUN_TIMEOUT: Duration = Duration::from_secs(60);

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn system_mode() -> bool {
    std::env::var("ZMQ_CTESTS_SYSTEM").is_ok_and(|v| v == "1")
}

/// `target/<profile>`: this test binary lives in `target/<profile>/deps`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("deps dir");
    deps.parent().expect("profile dir").to_path_buf()
}

/// The cdylib cargo built along with this test: `cargo test` leaves it in
/// `target/<profile>/deps/libzmq.so` (only `cargo build` copies it up to
/// `target/<profile>/`).
fn cdylib_path() -> PathBuf {
    let candidates = [
        profile_dir().join("deps").join("libzmq.so"),
        profile_dir().join("libzmq.so"),
    ];
    for c in &candidates {
        if c.exists() {
            return c.clone();
        }
    }
    panic!("libzmq.so not found in {:?}", candidates);
}

/// Directory for compiled tests (and the soname symlinks), made once.
fn work_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let sub = if system_mode() {
            "ctests-system"
        } else {
            "ctests"
        };
        let dir = profile_dir().join(sub);
        fs::create_dir_all(dir.join("lib")).expect("create ctests dir");
        if !system_mode() {
            let cdylib = cdylib_path();
            for name in ["libzmq.so", "libzmq.so.5"] {
                let link = dir.join("lib").join(name);
                let _ = fs::remove_file(&link);
                std::os::unix::fs::symlink(&cdylib, &link).expect("symlink");
            }
        }
        dir
    })
}

fn compiler() -> cc::Tool {
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    cc::Build::new()
        .target(&triple)
        .host(&triple)
        .opt_level(0)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
}

fn compile(name: &str) -> PathBuf {
    let src = crate_dir().join("ctests").join(format!("{name}.c"));
    let exe = work_dir().join(name);
    let mut cmd = compiler().to_command();
    cmd.arg("-std=c99")
        .arg("-Wall")
        .arg("-Wextra")
        .arg("-Werror=implicit-function-declaration")
        .arg(format!("-I{}", crate_dir().join("ctests").display()));
    if system_mode() {
        cmd.arg("-DZMQ_CTESTS_SYSTEM=1");
    } else {
        let include = crate_dir().join("include");
        assert!(
            include.join("zmq.h").exists(),
            "{}/zmq.h is missing (run `make header`)",
            include.display()
        );
        cmd.arg(format!("-I{}", include.display()));
    }
    cmd.arg(&src).arg("-o").arg(&exe);
    if !system_mode() {
        let lib = work_dir().join("lib");
        cmd.arg(format!("-L{}", lib.display()))
            .arg(format!("-Wl,-rpath,{}", lib.display()));
    }
    cmd.arg("-lzmq").arg("-lpthread");
    let out = cmd.output().expect("run C compiler");
    assert!(
        out.status.success(),
        "compiling {} failed:\n{}\n{}{}",
        src.display(),
        command_line(&cmd),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// The command as a shell-like line, without cargo's environment.
fn command_line(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

fn run(name: &str) {
    let exe = compile(name);
    let log = work_dir().join(format!("{name}.log"));
    let log_file = fs::File::create(&log).expect("create log");
    let mut cmd = Command::new(&exe);
    cmd.stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("dup log"))
        .stderr(log_file)
        .env("TMPDIR", std::env::temp_dir());
    if !system_mode() {
        cmd.env("LD_LIBRARY_PATH", work_dir().join("lib"));
    }
    let mut child = cmd.spawn().expect("spawn C test");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait C test") {
            break Some(status);
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = fs::read_to_string(&log).unwrap_or_default();
    match status {
        None => panic!("{name}: killed after {RUN_TIMEOUT:?}\n{output}"),
        Some(s) if !s.success() => panic!("{name}: exited with {s}\n{output}"),
        Some(_) => {}
    }
}

macro_rules! ctests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        /// Every `ctests/*.c` file must be listed above.
        #[test]
        fn every_c_file_is_listed() {
            let listed = [$(stringify!($name)),*];
            let dir = crate_dir().join("ctests");
            for entry in fs::read_dir(&dir).expect("read ctests dir") {
                let path = entry.expect("dir entry").path();
                if path.extension().is_some_and(|e| e == "c") {
                    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                    assert!(listed.contains(&stem.as_str()), "{stem}.c is not listed in tests/ctests.rs");
                }
            }
        }
    };
}

ctests! {
    test_abi_constants,
    test_accept_filters,
    test_atomic_counter,
    test_conflate_send,
    test_connect_timeout,
    test_ctx_term,
    test_ctx_threads,
    test_errors,
    test_fd_events,
    test_fd_signal,
    test_ffi_misuse,
    test_fork,
    test_handshake_timeout,
    test_heartbeats,
    test_huge_frame,
    test_hwm,
    test_hwm_after_connect,
    test_immediate,
    test_inproc_hwm,
    test_ipc_forms,
    test_large_msg,
    test_last_endpoint,
    test_lb_fq,
    test_linger,
    test_misc_api,
    test_monitor_api,
    test_monitor_bind,
    test_monitor_connect,
    test_monitor_handshake,
    test_msg_api,
    test_msg_init_data,
    test_msg_properties,
    test_multipart,
    test_notify_msgs,
    test_poll,
    test_port_range,
    test_proxy,
    test_proxy_steerable,
    test_proxy_term,
    test_pubsub_filter,
    test_reconnect,
    test_reconnect_options,
    test_reconnect_stop,
    test_recv_truncate,
    test_reqrep_fsm,
    test_router,
    test_router_raw,
    test_security_curve,
    test_security_null,
    test_security_plain,
    test_socket_pairs,
    test_sockopt_effects,
    test_socks,
    test_stable_api,
    test_stream,
    test_tcp_addresses,
    test_timeouts,
    test_timers,
    test_unbind_disconnect,
    test_unbind_race,
    test_use_fd,
    test_xpub,
    test_xpub_draft_options,
    test_z85,
}
