//! The header: `include/zmq.h` must be exactly what cbindgen generates from
//! `src/ffi`, `src/constants.rs` and `cbindgen.toml` (run with
//! `UPDATE_HEADER=1` to rewrite it, which is what `make header` does), and it
//! must compile as strict C89, C99 and C++ with every constant equal to
//! libzmq 4.3.5's value.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs cbindgen (the pinned dev-dependency) over `src/ffi` (functions) and
/// `src/constants.rs` (constants).
fn generate() -> String {
    let root = root();
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .with_src(root.join("src/constants.rs"))
        .generate()
        .expect("cbindgen failed");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

#[test]
fn header_is_up_to_date() {
    let generated = generate();
    let path = root().join("include/zmq.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/zmq.h");
        return;
    }
    let dir = tempdir("fresh");
    std::fs::write(dir.join("zmq.h"), &generated).unwrap();
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let first = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b);
        panic!(
            "include/zmq.h is stale (first difference at line {}); run `make header` \
             (UPDATE_HEADER=1 cargo test --test header). Fresh copy: {}",
            first.map_or(
                checked_in.lines().count().min(generated.lines().count()) + 1,
                |l| l + 1
            ),
            dir.join("zmq.h").display()
        );
    }
}

/// A fresh directory `name` under the target dir's tmp (kept for inspection).
fn tempdir(name: &str) -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("header-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    base
}

/// Every constant of ABI.md, with libzmq 4.3.5's value (draft = only with
/// ZMQ_BUILD_DRAFT_API).
const CONSTANTS: &[(&str, i64, bool)] = &[
    ("ZMQ_VERSION_MAJOR", 4, false),
    ("ZMQ_VERSION_MINOR", 3, false),
    ("ZMQ_VERSION_PATCH", 5, false),
    ("ZMQ_VERSION", 40305, false),
    ("ZMQ_HAUSNUMERO", 156384712, false),
    ("EFSM", 156384763, false),
    ("ENOCOMPATPROTO", 156384764, false),
    ("ETERM", 156384765, false),
    ("EMTHREAD", 156384766, false),
    ("ZMQ_IO_THREADS", 1, false),
    ("ZMQ_MAX_SOCKETS", 2, false),
    ("ZMQ_SOCKET_LIMIT", 3, false),
    ("ZMQ_THREAD_PRIORITY", 3, false),
    ("ZMQ_THREAD_SCHED_POLICY", 4, false),
    ("ZMQ_MAX_MSGSZ", 5, false),
    ("ZMQ_MSG_T_SIZE", 6, false),
    ("ZMQ_THREAD_AFFINITY_CPU_ADD", 7, false),
    ("ZMQ_THREAD_AFFINITY_CPU_REMOVE", 8, false),
    ("ZMQ_THREAD_NAME_PREFIX", 9, false),
    ("ZMQ_IO_THREADS_DFLT", 1, false),
    ("ZMQ_MAX_SOCKETS_DFLT", 1023, false),
    ("ZMQ_THREAD_PRIORITY_DFLT", -1, false),
    ("ZMQ_THREAD_SCHED_POLICY_DFLT", -1, false),
    ("ZMQ_PAIR", 0, false),
    ("ZMQ_PUB", 1, false),
    ("ZMQ_SUB", 2, false),
    ("ZMQ_REQ", 3, false),
    ("ZMQ_REP", 4, false),
    ("ZMQ_DEALER", 5, false),
    ("ZMQ_ROUTER", 6, false),
    ("ZMQ_PULL", 7, false),
    ("ZMQ_PUSH", 8, false),
    ("ZMQ_XPUB", 9, false),
    ("ZMQ_XSUB", 10, false),
    ("ZMQ_STREAM", 11, false),
    ("ZMQ_XREQ", 5, false),
    ("ZMQ_XREP", 6, false),
    ("ZMQ_AFFINITY", 4, false),
    ("ZMQ_ROUTING_ID", 5, false),
    ("ZMQ_SUBSCRIBE", 6, false),
    ("ZMQ_UNSUBSCRIBE", 7, false),
    ("ZMQ_RATE", 8, false),
    ("ZMQ_RECOVERY_IVL", 9, false),
    ("ZMQ_SNDBUF", 11, false),
    ("ZMQ_RCVBUF", 12, false),
    ("ZMQ_RCVMORE", 13, false),
    ("ZMQ_FD", 14, false),
    ("ZMQ_EVENTS", 15, false),
    ("ZMQ_TYPE", 16, false),
    ("ZMQ_LINGER", 17, false),
    ("ZMQ_RECONNECT_IVL", 18, false),
    ("ZMQ_BACKLOG", 19, false),
    ("ZMQ_RECONNECT_IVL_MAX", 21, false),
    ("ZMQ_MAXMSGSIZE", 22, false),
    ("ZMQ_SNDHWM", 23, false),
    ("ZMQ_RCVHWM", 24, false),
    ("ZMQ_MULTICAST_HOPS", 25, false),
    ("ZMQ_RCVTIMEO", 27, false),
    ("ZMQ_SNDTIMEO", 28, false),
    ("ZMQ_LAST_ENDPOINT", 32, false),
    ("ZMQ_ROUTER_MANDATORY", 33, false),
    ("ZMQ_TCP_KEEPALIVE", 34, false),
    ("ZMQ_TCP_KEEPALIVE_CNT", 35, false),
    ("ZMQ_TCP_KEEPALIVE_IDLE", 36, false),
    ("ZMQ_TCP_KEEPALIVE_INTVL", 37, false),
    ("ZMQ_IMMEDIATE", 39, false),
    ("ZMQ_XPUB_VERBOSE", 40, false),
    ("ZMQ_ROUTER_RAW", 41, false),
    ("ZMQ_IPV6", 42, false),
    ("ZMQ_MECHANISM", 43, false),
    ("ZMQ_PLAIN_SERVER", 44, false),
    ("ZMQ_PLAIN_USERNAME", 45, false),
    ("ZMQ_PLAIN_PASSWORD", 46, false),
    ("ZMQ_CURVE_SERVER", 47, false),
    ("ZMQ_CURVE_PUBLICKEY", 48, false),
    ("ZMQ_CURVE_SECRETKEY", 49, false),
    ("ZMQ_CURVE_SERVERKEY", 50, false),
    ("ZMQ_PROBE_ROUTER", 51, false),
    ("ZMQ_REQ_CORRELATE", 52, false),
    ("ZMQ_REQ_RELAXED", 53, false),
    ("ZMQ_CONFLATE", 54, false),
    ("ZMQ_ZAP_DOMAIN", 55, false),
    ("ZMQ_ROUTER_HANDOVER", 56, false),
    ("ZMQ_TOS", 57, false),
    ("ZMQ_CONNECT_ROUTING_ID", 61, false),
    ("ZMQ_GSSAPI_SERVER", 62, false),
    ("ZMQ_GSSAPI_PRINCIPAL", 63, false),
    ("ZMQ_GSSAPI_SERVICE_PRINCIPAL", 64, false),
    ("ZMQ_GSSAPI_PLAINTEXT", 65, false),
    ("ZMQ_HANDSHAKE_IVL", 66, false),
    ("ZMQ_SOCKS_PROXY", 68, false),
    ("ZMQ_XPUB_NODROP", 69, false),
    ("ZMQ_BLOCKY", 70, false),
    ("ZMQ_XPUB_MANUAL", 71, false),
    ("ZMQ_XPUB_WELCOME_MSG", 72, false),
    ("ZMQ_STREAM_NOTIFY", 73, false),
    ("ZMQ_INVERT_MATCHING", 74, false),
    ("ZMQ_HEARTBEAT_IVL", 75, false),
    ("ZMQ_HEARTBEAT_TTL", 76, false),
    ("ZMQ_HEARTBEAT_TIMEOUT", 77, false),
    ("ZMQ_XPUB_VERBOSER", 78, false),
    ("ZMQ_CONNECT_TIMEOUT", 79, false),
    ("ZMQ_TCP_MAXRT", 80, false),
    ("ZMQ_THREAD_SAFE", 81, false),
    ("ZMQ_MULTICAST_MAXTPDU", 84, false),
    ("ZMQ_VMCI_BUFFER_SIZE", 85, false),
    ("ZMQ_VMCI_BUFFER_MIN_SIZE", 86, false),
    ("ZMQ_VMCI_BUFFER_MAX_SIZE", 87, false),
    ("ZMQ_VMCI_CONNECT_TIMEOUT", 88, false),
    ("ZMQ_USE_FD", 89, false),
    ("ZMQ_GSSAPI_PRINCIPAL_NAMETYPE", 90, false),
    ("ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE", 91, false),
    ("ZMQ_BINDTODEVICE", 92, false),
    ("ZMQ_MORE", 1, false),
    ("ZMQ_SHARED", 3, false),
    ("ZMQ_DONTWAIT", 1, false),
    ("ZMQ_SNDMORE", 2, false),
    ("ZMQ_NULL", 0, false),
    ("ZMQ_PLAIN", 1, false),
    ("ZMQ_CURVE", 2, false),
    ("ZMQ_GSSAPI", 3, false),
    ("ZMQ_GROUP_MAX_LENGTH", 255, false),
    ("ZMQ_IDENTITY", 5, false),
    ("ZMQ_CONNECT_RID", 61, false),
    ("ZMQ_TCP_ACCEPT_FILTER", 38, false),
    ("ZMQ_IPC_FILTER_PID", 58, false),
    ("ZMQ_IPC_FILTER_UID", 59, false),
    ("ZMQ_IPC_FILTER_GID", 60, false),
    ("ZMQ_IPV4ONLY", 31, false),
    ("ZMQ_DELAY_ATTACH_ON_CONNECT", 39, false),
    ("ZMQ_NOBLOCK", 1, false),
    ("ZMQ_FAIL_UNROUTABLE", 33, false),
    ("ZMQ_ROUTER_BEHAVIOR", 33, false),
    ("ZMQ_SRCFD", 2, false),
    ("ZMQ_GSSAPI_NT_HOSTBASED", 0, false),
    ("ZMQ_GSSAPI_NT_USER_NAME", 1, false),
    ("ZMQ_GSSAPI_NT_KRB5_PRINCIPAL", 2, false),
    ("ZMQ_EVENT_CONNECTED", 1, false),
    ("ZMQ_EVENT_CONNECT_DELAYED", 2, false),
    ("ZMQ_EVENT_CONNECT_RETRIED", 4, false),
    ("ZMQ_EVENT_LISTENING", 8, false),
    ("ZMQ_EVENT_BIND_FAILED", 16, false),
    ("ZMQ_EVENT_ACCEPTED", 32, false),
    ("ZMQ_EVENT_ACCEPT_FAILED", 64, false),
    ("ZMQ_EVENT_CLOSED", 128, false),
    ("ZMQ_EVENT_CLOSE_FAILED", 256, false),
    ("ZMQ_EVENT_DISCONNECTED", 512, false),
    ("ZMQ_EVENT_MONITOR_STOPPED", 1024, false),
    ("ZMQ_EVENT_ALL", 65535, false),
    ("ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL", 2048, false),
    ("ZMQ_EVENT_HANDSHAKE_SUCCEEDED", 4096, false),
    ("ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL", 8192, false),
    ("ZMQ_EVENT_HANDSHAKE_FAILED_AUTH", 16384, false),
    ("ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED", 268435456, false),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND",
        268435457,
        false,
    ),
    ("ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE", 268435458, false),
    ("ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE", 268435459, false),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
        268435473,
        false,
    ),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE",
        268435474,
        false,
    ),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO",
        268435475,
        false,
    ),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE",
        268435476,
        false,
    ),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR",
        268435477,
        false,
    ),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY",
        268435478,
        false,
    ),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME",
        268435479,
        false,
    ),
    ("ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA", 268435480, false),
    ("ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC", 285212673, false),
    (
        "ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH",
        285212674,
        false,
    ),
    ("ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED", 536870912, false),
    ("ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY", 536870913, false),
    ("ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID", 536870914, false),
    ("ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION", 536870915, false),
    (
        "ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE",
        536870916,
        false,
    ),
    ("ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA", 536870917, false),
    ("ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED", 805306368, false),
    ("ZMQ_POLLIN", 1, false),
    ("ZMQ_POLLOUT", 2, false),
    ("ZMQ_POLLERR", 4, false),
    ("ZMQ_POLLPRI", 8, false),
    ("ZMQ_POLLITEMS_DFLT", 16, false),
    ("ZMQ_HAS_CAPABILITIES", 1, false),
    ("ZMQ_STREAMER", 1, false),
    ("ZMQ_FORWARDER", 2, false),
    ("ZMQ_QUEUE", 3, false),
    ("ZMQ_SERVER", 12, true),
    ("ZMQ_CLIENT", 13, true),
    ("ZMQ_RADIO", 14, true),
    ("ZMQ_DISH", 15, true),
    ("ZMQ_GATHER", 16, true),
    ("ZMQ_SCATTER", 17, true),
    ("ZMQ_DGRAM", 18, true),
    ("ZMQ_PEER", 19, true),
    ("ZMQ_CHANNEL", 20, true),
    ("ZMQ_ZAP_ENFORCE_DOMAIN", 93, true),
    ("ZMQ_LOOPBACK_FASTPATH", 94, true),
    ("ZMQ_METADATA", 95, true),
    ("ZMQ_MULTICAST_LOOP", 96, true),
    ("ZMQ_ROUTER_NOTIFY", 97, true),
    ("ZMQ_XPUB_MANUAL_LAST_VALUE", 98, true),
    ("ZMQ_SOCKS_USERNAME", 99, true),
    ("ZMQ_SOCKS_PASSWORD", 100, true),
    ("ZMQ_IN_BATCH_SIZE", 101, true),
    ("ZMQ_OUT_BATCH_SIZE", 102, true),
    ("ZMQ_WSS_KEY_PEM", 103, true),
    ("ZMQ_WSS_CERT_PEM", 104, true),
    ("ZMQ_WSS_TRUST_PEM", 105, true),
    ("ZMQ_WSS_HOSTNAME", 106, true),
    ("ZMQ_WSS_TRUST_SYSTEM", 107, true),
    ("ZMQ_ONLY_FIRST_SUBSCRIBE", 108, true),
    ("ZMQ_RECONNECT_STOP", 109, true),
    ("ZMQ_HELLO_MSG", 110, true),
    ("ZMQ_DISCONNECT_MSG", 111, true),
    ("ZMQ_PRIORITY", 112, true),
    ("ZMQ_BUSY_POLL", 113, true),
    ("ZMQ_HICCUP_MSG", 114, true),
    ("ZMQ_XSUB_VERBOSE_UNSUBSCRIBE", 115, true),
    ("ZMQ_TOPICS_COUNT", 116, true),
    ("ZMQ_NORM_MODE", 117, true),
    ("ZMQ_NORM_UNICAST_NACK", 118, true),
    ("ZMQ_NORM_BUFFER_SIZE", 119, true),
    ("ZMQ_NORM_SEGMENT_SIZE", 120, true),
    ("ZMQ_NORM_BLOCK_SIZE", 121, true),
    ("ZMQ_NORM_NUM_PARITY", 122, true),
    ("ZMQ_NORM_NUM_AUTOPARITY", 123, true),
    ("ZMQ_NORM_PUSH", 124, true),
    ("ZMQ_NORM_FIXED", 0, true),
    ("ZMQ_NORM_CC", 1, true),
    ("ZMQ_NORM_CCL", 2, true),
    ("ZMQ_NORM_CCE", 3, true),
    ("ZMQ_NORM_CCE_ECNONLY", 4, true),
    ("ZMQ_RECONNECT_STOP_CONN_REFUSED", 1, true),
    ("ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED", 2, true),
    ("ZMQ_RECONNECT_STOP_AFTER_DISCONNECT", 4, true),
    ("ZMQ_ZERO_COPY_RECV", 10, true),
    ("ZMQ_NOTIFY_CONNECT", 1, true),
    ("ZMQ_NOTIFY_DISCONNECT", 2, true),
    ("ZMQ_EVENT_PIPES_STATS", 65536, true),
    ("ZMQ_CURRENT_EVENT_VERSION", 1, true),
    ("ZMQ_CURRENT_EVENT_VERSION_DRAFT", 2, true),
    ("ZMQ_EVENT_ALL_V1", 65535, true),
    ("ZMQ_EVENT_ALL_V2", 131071, true),
];

/// POSIX error numbers the header defines only if the platform lacks them:
/// on Linux they must keep the native values.
const NATIVE_ERRNOS: &[&str] = &[
    "ENOTSUP",
    "EPROTONOSUPPORT",
    "ENOBUFS",
    "ENETDOWN",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ECONNREFUSED",
    "EINPROGRESS",
    "ENOTSOCK",
    "EMSGSIZE",
    "EAFNOSUPPORT",
    "ENETUNREACH",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOTCONN",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "ENETRESET",
];

/// A C program asserting every constant, type layout and declaration.
fn check_program(draft: bool) -> String {
    let mut c = String::new();
    if draft {
        c.push_str("#define _POSIX_C_SOURCE 200809L\n#define ZMQ_BUILD_DRAFT_API 1\n");
    }
    c.push_str(
        "#include \"zmq.h\"\n#include \"zmq_utils.h\"\n#include \"zmq.h\"\n#include <stddef.h>\n",
    );
    // C89 has no _Static_assert: a negative array size fails instead.
    c.push_str("#define CHECK(name, cond) typedef char check_##name[(cond) ? 1 : -1];\n");
    for (name, value, is_draft) in CONSTANTS {
        if *is_draft && !draft {
            c.push_str(&format!(
                "#ifdef {name}\n#error \"{name} is draft-only\"\n#endif\n"
            ));
            continue;
        }
        c.push_str(&format!("CHECK({name}, {name} == {value}L)\n"));
    }
    c.push_str(
        r#"
CHECK(msg_size, sizeof (zmq_msg_t) == 64)
CHECK(pollitem_size, sizeof (zmq_pollitem_t) == 2 * sizeof (void *))
CHECK(pollitem_fd, offsetof (zmq_pollitem_t, fd) == sizeof (void *))
CHECK(pollitem_events, offsetof (zmq_pollitem_t, events) == sizeof (void *) + 4)
CHECK(pollitem_revents, offsetof (zmq_pollitem_t, revents) == sizeof (void *) + 6)
CHECK(fd_t, sizeof (zmq_fd_t) == sizeof (int))
struct align_probe { char c; zmq_msg_t m; };
CHECK(msg_align, offsetof (struct align_probe, m) == sizeof (void *))
static void free_cb (void *data, void *hint) { (void) data; (void) hint; }
static void thread_cb (void *arg) { (void) arg; }
static void timer_cb (int id, void *arg) { (void) id; (void) arg; }
int use_api (void);
int use_api (void)
{
    zmq_msg_t msg;
    zmq_pollitem_t item;
    zmq_free_fn *ffn = free_cb;
    zmq_thread_fn *tfn = thread_cb;
    zmq_timer_fn *tmfn = timer_cb;
    struct iovec *iov = NULL;
    int major, minor, patch;
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_PAIR);
    void *timers = zmq_timers_new ();
    char key[41];
    uint8_t bin[32];
    item.socket = s;
    item.fd = 0;
    item.events = ZMQ_POLLIN;
    item.revents = 0;
    zmq_version (&major, &minor, &patch);
    zmq_msg_init_data (&msg, bin, 32, ffn, NULL);
    zmq_timers_add (timers, 10, tmfn, NULL);
    zmq_threadclose (zmq_threadstart (tfn, NULL));
    zmq_sendiov (s, iov, 0, 0);
    zmq_z85_encode (key, bin, 32);
    return zmq_poll (&item, 1, 0) + zmq_msg_close (&msg) + zmq_close (s) + zmq_ctx_term (ctx)
           + (zmq_strerror (zmq_errno ()) != NULL) + (int) zmq_msg_size (&msg);
}
"#,
    );
    if draft {
        c.push_str(
            r#"
CHECK(poller_event_size, sizeof (zmq_poller_event_t) == 3 * sizeof (void *) + 8)
CHECK(poller_event_user_data, offsetof (zmq_poller_event_t, user_data) == 2 * sizeof (void *))
int use_draft (void);
int use_draft (void)
{
    zmq_msg_t msg;
    zmq_poller_event_t ev;
    sigset_t set;
    void *poller = zmq_poller_new ();
    sigemptyset (&set);
    zmq_msg_init_buffer (&msg, "x", 1);
    zmq_msg_set_routing_id (&msg, 1);
    return zmq_poller_wait (poller, &ev, 0) + zmq_ppoll (NULL, 0, 0, &set)
           + (int) zmq_msg_routing_id (&msg) + (zmq_msg_group (&msg) != NULL)
           + zmq_poller_destroy (&poller);
}
"#,
        );
    }
    if !draft {
        // On Linux the POSIX numbers are native, not ZMQ_HAUSNUMERO-based.
        for e in NATIVE_ERRNOS {
            c.push_str(&format!("CHECK(native_{e}, {e} < ZMQ_HAUSNUMERO)\n"));
        }
    }
    c
}

/// The C (or C++) compiler the `cc` crate picks for this host.
fn compiler(cpp: bool) -> Command {
    let target = std::env::var("TARGET").unwrap_or_else(|_| host_triple());
    cc::Build::new()
        .cargo_metadata(false)
        .cpp(cpp)
        .target(&target)
        .host(&host_triple())
        .opt_level(0)
        .get_compiler()
        .to_command()
}

fn host_triple() -> String {
    // Tests run on the host; cargo does not pass TARGET to test binaries.
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("host triple")
}

fn compile(dir: &Path, name: &str, source: &str, cpp: bool, flags: &[&str]) {
    let file = dir.join(name);
    std::fs::write(&file, source).unwrap();
    let mut cmd = compiler(cpp);
    if cpp {
        cmd.arg("-x").arg("c++");
    }
    cmd.args(flags)
        .arg("-Wall")
        .arg("-Wextra")
        .arg("-Werror")
        .arg("-I")
        .arg(root().join("include"))
        .arg("-fsyntax-only")
        .arg(&file);
    let out = cmd.output().expect("run the C compiler");
    assert!(
        out.status.success(),
        "{name} ({flags:?}) failed to compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn header_compiles_and_constants_match() {
    let dir = tempdir("compile");
    for draft in [false, true] {
        let src = check_program(draft);
        let tag = if draft { "draft" } else { "stable" };
        compile(
            &dir,
            &format!("c99_{tag}.c"),
            &src,
            false,
            &["-std=c99", "-pedantic"],
        );
        compile(
            &dir,
            &format!("c89_{tag}.c"),
            &src,
            false,
            &["-std=gnu89", "-Wno-long-long"],
        );
        compile(
            &dir,
            &format!("cpp_{tag}.cpp"),
            &src,
            true,
            &["-std=c++11", "-pedantic"],
        );
    }
}

#[test]
fn zmq_utils_only_includes_zmq_h() {
    let text = std::fs::read_to_string(root().join("include/zmq_utils.h")).unwrap();
    let code: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("/*") && !l.starts_with('*') && !l.starts_with("//")
        })
        .collect();
    assert!(code.contains(&"#include \"zmq.h\""), "{code:?}");
    assert!(code.iter().all(|l| l.starts_with('#')), "{code:?}");
}

/// Every function of ABI.md: stable ones declared always, draft ones only
/// inside the ZMQ_BUILD_DRAFT_API block.
const STABLE_FUNCTIONS: &[&str] = &[
    "zmq_atomic_counter_dec",
    "zmq_atomic_counter_destroy",
    "zmq_atomic_counter_inc",
    "zmq_atomic_counter_new",
    "zmq_atomic_counter_set",
    "zmq_atomic_counter_value",
    "zmq_bind",
    "zmq_close",
    "zmq_connect",
    "zmq_ctx_destroy",
    "zmq_ctx_get",
    "zmq_ctx_new",
    "zmq_ctx_set",
    "zmq_ctx_shutdown",
    "zmq_ctx_term",
    "zmq_curve_keypair",
    "zmq_curve_public",
    "zmq_device",
    "zmq_disconnect",
    "zmq_errno",
    "zmq_getsockopt",
    "zmq_has",
    "zmq_init",
    "zmq_msg_close",
    "zmq_msg_copy",
    "zmq_msg_data",
    "zmq_msg_get",
    "zmq_msg_gets",
    "zmq_msg_init",
    "zmq_msg_init_data",
    "zmq_msg_init_size",
    "zmq_msg_more",
    "zmq_msg_move",
    "zmq_msg_recv",
    "zmq_msg_send",
    "zmq_msg_set",
    "zmq_msg_size",
    "zmq_poll",
    "zmq_proxy",
    "zmq_proxy_steerable",
    "zmq_recv",
    "zmq_recviov",
    "zmq_recvmsg",
    "zmq_send",
    "zmq_send_const",
    "zmq_sendiov",
    "zmq_sendmsg",
    "zmq_setsockopt",
    "zmq_sleep",
    "zmq_socket",
    "zmq_socket_monitor",
    "zmq_stopwatch_intermediate",
    "zmq_stopwatch_start",
    "zmq_stopwatch_stop",
    "zmq_strerror",
    "zmq_term",
    "zmq_threadclose",
    "zmq_threadstart",
    "zmq_timers_add",
    "zmq_timers_cancel",
    "zmq_timers_destroy",
    "zmq_timers_execute",
    "zmq_timers_new",
    "zmq_timers_reset",
    "zmq_timers_set_interval",
    "zmq_timers_timeout",
    "zmq_unbind",
    "zmq_version",
    "zmq_z85_decode",
    "zmq_z85_encode",
];
const DRAFT_FUNCTIONS: &[&str] = &[
    "zmq_connect_peer",
    "zmq_ctx_get_ext",
    "zmq_ctx_set_ext",
    "zmq_disconnect_peer",
    "zmq_join",
    "zmq_leave",
    "zmq_msg_group",
    "zmq_msg_init_buffer",
    "zmq_msg_routing_id",
    "zmq_msg_set_group",
    "zmq_msg_set_routing_id",
    "zmq_poller_add",
    "zmq_poller_add_fd",
    "zmq_poller_destroy",
    "zmq_poller_fd",
    "zmq_poller_modify",
    "zmq_poller_modify_fd",
    "zmq_poller_new",
    "zmq_poller_remove",
    "zmq_poller_remove_fd",
    "zmq_poller_size",
    "zmq_poller_wait",
    "zmq_poller_wait_all",
    "zmq_ppoll",
    "zmq_socket_get_peer_state",
    "zmq_socket_monitor_pipes_stats",
    "zmq_socket_monitor_versioned",
];

#[test]
fn every_function_is_declared_in_its_section() {
    let header = generate();
    let split = header
        .find("#if defined(ZMQ_BUILD_DRAFT_API)")
        .expect("draft section");
    let (stable, draft) = header.split_at(split);
    let declared = |text: &str, f: &str| {
        text.contains(&format!(" {f}("))
            || text.contains(&format!("*{f}("))
            || text.contains(&format!(" {f} ("))
            || text.contains(&format!("*{f} ("))
    };
    for f in STABLE_FUNCTIONS {
        assert!(
            declared(stable, f) && !declared(draft, f),
            "{f} must be declared once, outside the draft block"
        );
    }
    for f in DRAFT_FUNCTIONS {
        assert!(
            declared(draft, f) && !declared(stable, f),
            "{f} must be declared only in the draft block"
        );
    }
}

/// The draft constants (they need the `ZMQ_BUILD_DRAFT_API` guard) and the
/// version numbers are C text in `cbindgen.toml` and Rust constants in
/// `src/constants.rs`: every integer `#define` of the one must be the value
/// of the other, and every such Rust constant must be in the header.
#[test]
fn raw_text_constants_match_the_crate() {
    let table: Vec<(&str, i32)> = zmq::constants::draft::DRAFT_TABLE
        .iter()
        .chain(zmq::constants::version::VERSION_TABLE)
        .copied()
        .collect();
    let toml = std::fs::read_to_string(root().join("cbindgen.toml")).unwrap();
    let mut seen = Vec::new();
    for line in toml.lines() {
        let mut words = line.split_whitespace();
        let (Some("#define"), Some(name), Some(value), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        let parsed = match value.strip_prefix("0x") {
            Some(hex) => i64::from_str_radix(hex, 16),
            None => value.parse::<i64>(),
        };
        let Ok(value) = parsed else { continue };
        if let Some(&(_, ours)) = table.iter().find(|(n, _)| *n == name) {
            assert_eq!(i64::from(ours), value, "{name}");
            seen.push(name);
        }
    }
    for (name, _) in &table {
        assert!(seen.contains(name), "{name} is not in cbindgen.toml");
    }
}
