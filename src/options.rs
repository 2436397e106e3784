//! Socket options: one struct with libzmq's defaults, and one table that
//! validates `zmq_setsockopt` values and produces `zmq_getsockopt` values.
//!
//! Options specific to one socket type (SUBSCRIBE, ROUTER_MANDATORY, ...) are
//! offered to the socket's pattern first (`socket::Pattern::setsockopt`); what
//! it does not claim lands here. Values are copied into listeners, connecters
//! and sessions at bind/connect time (BEHAVIOUR P6), except the HWMs.
//!
//! The table follows libzmq 4.3.5's `options.cpp` built with the draft API,
//! without WSS, NORM, VMCI or GSSAPI support, on Linux:
//! - integers need exactly `size_of::<i32>()` bytes, AFFINITY and MAXMSGSIZE 8;
//! - unknown options, write-only options on read, and options of transports
//!   that are not built (WSS, NORM, VMCI) give EINVAL;
//! - the security options whose mechanism is not built yet give ENOTSUP on
//!   write (see [`SECURITY_BUILT`], [`GSSAPI_BUILT`]); they read back their
//!   defaults.
//!
//! C passes `(NULL, 0)` to reset some string options; [`Options::set`] treats
//! an empty value as that NULL. [`Options::set_nullable`] keeps the
//! difference for callers that have it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Errno, Result};
use crate::z85;
use crate::zmtp::socket_types as st;

/// PLAIN, CURVE and ZAP (ZAP_DOMAIN) are implemented. While false, their
/// setters return ENOTSUP; the validation below is complete and tested, so
/// enabling them is this one switch.
pub const SECURITY_BUILT: bool = false;
/// GSSAPI is implemented (never planned so far): its setters return ENOTSUP.
pub const GSSAPI_BUILT: bool = false;
/// The VMCI transport exists. libzmq built without it gives EINVAL for the
/// VMCI options, as we do while this is false.
pub const VMCI_BUILT: bool = false;

/// ZMQ_MECHANISM values.
pub const MECHANISM_NULL: i32 = 0;
pub const MECHANISM_PLAIN: i32 = 1;
pub const MECHANISM_CURVE: i32 = 2;
pub const MECHANISM_GSSAPI: i32 = 3;

/// Length of a CURVE key in binary form.
pub const CURVE_KEY_LEN: usize = 32;
/// Length of a CURVE key in Z85 form, without the NUL.
pub const CURVE_KEY_Z85_LEN: usize = 40;

/// Socket option numbers (`zmq.h`).
pub mod opt {
    pub const AFFINITY: i32 = 4;
    pub const ROUTING_ID: i32 = 5;
    pub const SUBSCRIBE: i32 = 6;
    pub const UNSUBSCRIBE: i32 = 7;
    pub const RATE: i32 = 8;
    pub const RECOVERY_IVL: i32 = 9;
    pub const SNDBUF: i32 = 11;
    pub const RCVBUF: i32 = 12;
    pub const RCVMORE: i32 = 13;
    pub const FD: i32 = 14;
    pub const EVENTS: i32 = 15;
    pub const TYPE: i32 = 16;
    pub const LINGER: i32 = 17;
    pub const RECONNECT_IVL: i32 = 18;
    pub const BACKLOG: i32 = 19;
    pub const RECONNECT_IVL_MAX: i32 = 21;
    pub const MAXMSGSIZE: i32 = 22;
    pub const SNDHWM: i32 = 23;
    pub const RCVHWM: i32 = 24;
    pub const MULTICAST_HOPS: i32 = 25;
    pub const RCVTIMEO: i32 = 27;
    pub const SNDTIMEO: i32 = 28;
    pub const IPV4ONLY: i32 = 31;
    pub const LAST_ENDPOINT: i32 = 32;
    pub const ROUTER_MANDATORY: i32 = 33;
    pub const TCP_KEEPALIVE: i32 = 34;
    pub const TCP_KEEPALIVE_CNT: i32 = 35;
    pub const TCP_KEEPALIVE_IDLE: i32 = 36;
    pub const TCP_KEEPALIVE_INTVL: i32 = 37;
    pub const TCP_ACCEPT_FILTER: i32 = 38;
    pub const IMMEDIATE: i32 = 39;
    pub const XPUB_VERBOSE: i32 = 40;
    pub const ROUTER_RAW: i32 = 41;
    pub const IPV6: i32 = 42;
    pub const MECHANISM: i32 = 43;
    pub const PLAIN_SERVER: i32 = 44;
    pub const PLAIN_USERNAME: i32 = 45;
    pub const PLAIN_PASSWORD: i32 = 46;
    pub const CURVE_SERVER: i32 = 47;
    pub const CURVE_PUBLICKEY: i32 = 48;
    pub const CURVE_SECRETKEY: i32 = 49;
    pub const CURVE_SERVERKEY: i32 = 50;
    pub const PROBE_ROUTER: i32 = 51;
    pub const REQ_CORRELATE: i32 = 52;
    pub const REQ_RELAXED: i32 = 53;
    pub const CONFLATE: i32 = 54;
    pub const ZAP_DOMAIN: i32 = 55;
    pub const ROUTER_HANDOVER: i32 = 56;
    pub const TOS: i32 = 57;
    pub const IPC_FILTER_PID: i32 = 58;
    pub const IPC_FILTER_UID: i32 = 59;
    pub const IPC_FILTER_GID: i32 = 60;
    pub const CONNECT_ROUTING_ID: i32 = 61;
    pub const GSSAPI_SERVER: i32 = 62;
    pub const GSSAPI_PRINCIPAL: i32 = 63;
    pub const GSSAPI_SERVICE_PRINCIPAL: i32 = 64;
    pub const GSSAPI_PLAINTEXT: i32 = 65;
    pub const HANDSHAKE_IVL: i32 = 66;
    pub const SOCKS_PROXY: i32 = 68;
    pub const XPUB_NODROP: i32 = 69;
    pub const BLOCKY: i32 = 70;
    pub const XPUB_MANUAL: i32 = 71;
    pub const XPUB_WELCOME_MSG: i32 = 72;
    pub const STREAM_NOTIFY: i32 = 73;
    pub const INVERT_MATCHING: i32 = 74;
    pub const HEARTBEAT_IVL: i32 = 75;
    pub const HEARTBEAT_TTL: i32 = 76;
    pub const HEARTBEAT_TIMEOUT: i32 = 77;
    pub const XPUB_VERBOSER: i32 = 78;
    pub const CONNECT_TIMEOUT: i32 = 79;
    pub const TCP_MAXRT: i32 = 80;
    pub const THREAD_SAFE: i32 = 81;
    pub const MULTICAST_MAXTPDU: i32 = 84;
    pub const VMCI_BUFFER_SIZE: i32 = 85;
    pub const VMCI_BUFFER_MIN_SIZE: i32 = 86;
    pub const VMCI_BUFFER_MAX_SIZE: i32 = 87;
    pub const VMCI_CONNECT_TIMEOUT: i32 = 88;
    pub const USE_FD: i32 = 89;
    pub const GSSAPI_PRINCIPAL_NAMETYPE: i32 = 90;
    pub const GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: i32 = 91;
    pub const BINDTODEVICE: i32 = 92;
    pub const ZAP_ENFORCE_DOMAIN: i32 = 93;
    pub const LOOPBACK_FASTPATH: i32 = 94;
    pub const METADATA: i32 = 95;
    pub const MULTICAST_LOOP: i32 = 96;
    pub const ROUTER_NOTIFY: i32 = 97;
    pub const XPUB_MANUAL_LAST_VALUE: i32 = 98;
    pub const SOCKS_USERNAME: i32 = 99;
    pub const SOCKS_PASSWORD: i32 = 100;
    pub const IN_BATCH_SIZE: i32 = 101;
    pub const OUT_BATCH_SIZE: i32 = 102;
    pub const WSS_KEY_PEM: i32 = 103;
    pub const WSS_CERT_PEM: i32 = 104;
    pub const WSS_TRUST_PEM: i32 = 105;
    pub const WSS_HOSTNAME: i32 = 106;
    pub const WSS_TRUST_SYSTEM: i32 = 107;
    pub const ONLY_FIRST_SUBSCRIBE: i32 = 108;
    pub const RECONNECT_STOP: i32 = 109;
    pub const HELLO_MSG: i32 = 110;
    pub const DISCONNECT_MSG: i32 = 111;
    pub const PRIORITY: i32 = 112;
    pub const BUSY_POLL: i32 = 113;
    pub const HICCUP_MSG: i32 = 114;
    pub const XSUB_VERBOSE_UNSUBSCRIBE: i32 = 115;
    pub const TOPICS_COUNT: i32 = 116;
    pub const NORM_MODE: i32 = 117;
    pub const NORM_PUSH: i32 = 124;
}

/// A value read by `zmq_getsockopt`, before it is written to the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptVal {
    Int(i32),
    I64(i64),
    U64(u64),
    /// Binary value (routing id, raw keys): written as is.
    Bytes(Vec<u8>),
    /// String value: written with a terminating NUL (its length includes it).
    Str(String),
    /// A CURVE key: 32 bytes binary, or 41 (Z85 + NUL) when the caller's
    /// buffer is 41 bytes long.
    Key([u8; 32]),
}

/// Every socket option that is not specific to a socket type.
#[derive(Debug, Clone)]
pub struct Options {
    pub socket_type: i32,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub affinity: u64,
    pub routing_id: Vec<u8>,
    pub rate: i32,
    pub recovery_ivl: i32,
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub linger: i32,
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    pub reconnect_stop: i32,
    pub backlog: i32,
    pub maxmsgsize: i64,
    pub multicast_hops: i32,
    pub multicast_maxtpdu: i32,
    pub rcvtimeo: i32,
    pub sndtimeo: i32,
    /// ZMQ_IPV6; always the negation of `ipv4only`.
    pub ipv6: bool,
    pub immediate: bool,
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    pub tcp_maxrt: i32,
    pub tos: i32,
    pub priority: i32,
    pub connect_timeout: i32,
    pub handshake_ivl: i32,
    pub heartbeat_ivl: i32,
    /// Stored in milliseconds, truncated to whole deciseconds (Z8).
    pub heartbeat_ttl: i32,
    pub heartbeat_timeout: i32,
    /// Consumed by the next connect of a ROUTER or STREAM (I4).
    pub connect_routing_id: Vec<u8>,
    pub bindtodevice: String,
    pub socks_proxy: String,
    pub socks_username: String,
    pub socks_password: String,
    pub zap_domain: String,
    pub zap_enforce_domain: bool,
    /// ZMQ_NULL, ZMQ_PLAIN or ZMQ_CURVE (read-only ZMQ_MECHANISM).
    pub mechanism: i32,
    /// `plain_server`, `curve_server` and `gssapi_server` always hold the
    /// same value: libzmq's single `as_server` flag, set by any *_SERVER
    /// option and cleared by PLAIN_USERNAME/PASSWORD, CURVE_SERVERKEY and
    /// GSSAPI_SERVICE_PRINCIPAL. Which role applies depends on `mechanism`.
    pub plain_server: bool,
    pub plain_username: String,
    pub plain_password: String,
    pub curve_server: bool,
    pub curve_publickey: [u8; 32],
    pub curve_secretkey: [u8; 32],
    pub curve_serverkey: [u8; 32],
    pub gssapi_server: bool,
    pub gssapi_plaintext: bool,
    pub gssapi_principal: String,
    pub gssapi_service_principal: String,
    pub gssapi_principal_nametype: i32,
    pub gssapi_service_principal_nametype: i32,
    pub conflate: bool,
    pub use_fd: i32,
    /// Deprecated ZMQ_IPV4ONLY; always the negation of `ipv6`.
    pub ipv4only: bool,
    /// ZMQ_METADATA: user properties ("X-name", value) sent in READY, sorted
    /// by name; setting a name twice keeps the first value (as libzmq's map).
    pub metadata: Vec<(String, Vec<u8>)>,
    pub loopback_fastpath: bool,
    pub multicast_loop: bool,
    pub in_batch_size: i32,
    pub out_batch_size: i32,
    /// None when unset or set to an empty value (libzmq sends nothing then).
    pub hello_msg: Option<Vec<u8>>,
    pub disconnect_msg: Option<Vec<u8>>,
    pub hiccup_msg: Option<Vec<u8>>,
    pub busy_poll: i32,
    /// The filters as given (cut at the first NUL); parsed in
    /// `tcp_accept_filter_masks`, same order.
    pub tcp_accept_filters: Vec<String>,
    pub vmci_buffer_size: u64,
    pub vmci_buffer_min_size: u64,
    pub vmci_buffer_max_size: u64,
    pub vmci_connect_timeout: i32,
    /// True for socket types that receive routing ids from peers (ROUTER, STREAM).
    pub recv_routing_id: bool,
    /// ZMQ_TCP_ACCEPT_FILTER, parsed: a TCP listener accepts a peer only if
    /// this is empty or one of them matches.
    pub tcp_accept_filter_masks: Vec<TcpAcceptFilter>,
    /// ZMQ_IPC_FILTER_UID / GID / PID: sorted sets (empty = allow all).
    pub ipc_uid_accept_filters: Vec<u32>,
    pub ipc_gid_accept_filters: Vec<u32>,
    pub ipc_pid_accept_filters: Vec<i32>,
    /// ZMQ_INVERT_MATCHING (PUB/XPUB/SUB read it; libzmq stores it for all types).
    pub invert_matching: bool,
    /// ZMQ_ROUTER_NOTIFY bits (ROUTER only; readable on every socket).
    pub router_notify: i32,
}

impl Options {
    /// libzmq's defaults for a socket of `socket_type`; `blocky` is the
    /// context's ZMQ_BLOCKY (false makes LINGER start at 0, T1).
    pub fn new(socket_type: i32, blocky: bool) -> Options {
        Options {
            socket_type,
            sndhwm: 1000,
            rcvhwm: 1000,
            affinity: 0,
            routing_id: Vec::new(),
            rate: 100,
            recovery_ivl: 10000,
            sndbuf: -1,
            rcvbuf: -1,
            // XSUB and SUB never keep zmq_ctx_term waiting (libzmq's xsub_t).
            linger: if !blocky || socket_type == st::SUB || socket_type == st::XSUB {
                0
            } else {
                -1
            },
            reconnect_ivl: 100,
            reconnect_ivl_max: 0,
            reconnect_stop: 0,
            backlog: 100,
            maxmsgsize: -1,
            multicast_hops: 1,
            multicast_maxtpdu: 1500,
            rcvtimeo: -1,
            sndtimeo: -1,
            ipv6: false,
            immediate: false,
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            tcp_maxrt: 0,
            tos: 0,
            priority: 0,
            connect_timeout: 0,
            handshake_ivl: 30000,
            heartbeat_ivl: 0,
            heartbeat_ttl: 0,
            heartbeat_timeout: -1,
            connect_routing_id: Vec::new(),
            bindtodevice: String::new(),
            socks_proxy: String::new(),
            socks_username: String::new(),
            socks_password: String::new(),
            zap_domain: String::new(),
            zap_enforce_domain: false,
            mechanism: 0,
            plain_server: false,
            plain_username: String::new(),
            plain_password: String::new(),
            curve_server: false,
            curve_publickey: [0; 32],
            curve_secretkey: [0; 32],
            curve_serverkey: [0; 32],
            gssapi_server: false,
            gssapi_plaintext: false,
            gssapi_principal: String::new(),
            gssapi_service_principal: String::new(),
            gssapi_principal_nametype: 0,
            gssapi_service_principal_nametype: 0,
            conflate: false,
            use_fd: -1,
            ipv4only: true,
            metadata: Vec::new(),
            loopback_fastpath: false,
            multicast_loop: true,
            in_batch_size: 8192,
            out_batch_size: 8192,
            hello_msg: None,
            disconnect_msg: None,
            hiccup_msg: None,
            busy_poll: 0,
            tcp_accept_filters: Vec::new(),
            vmci_buffer_size: 0,
            vmci_buffer_min_size: 0,
            vmci_buffer_max_size: 0,
            vmci_connect_timeout: -1,
            recv_routing_id: socket_type == st::ROUTER || socket_type == st::STREAM,
            tcp_accept_filter_masks: Vec::new(),
            ipc_uid_accept_filters: Vec::new(),
            ipc_gid_accept_filters: Vec::new(),
            ipc_pid_accept_filters: Vec::new(),
            invert_matching: false,
            router_notify: 0,
        }
    }

    /// libzmq's `as_server`: this side takes the server role of `mechanism`.
    pub fn as_server(&self) -> bool {
        self.plain_server
    }

    fn set_as_server(&mut self, on: bool) {
        self.plain_server = on;
        self.curve_server = on;
        self.gssapi_server = on;
    }

    /// Applies `zmq_setsockopt(option, value)`. EINVAL for an unknown option
    /// or a bad value or length (`zmq_setsockopt.adoc`); ENOTSUP for a
    /// security option whose mechanism is not built. An empty `value` is
    /// taken as C's `(NULL, 0)`, which resets the options that allow it.
    pub fn set(&mut self, option: i32, value: &[u8]) -> Result<()> {
        self.set_nullable(option, if value.is_empty() { None } else { Some(value) })
    }

    /// As [`Options::set`], with `None` for a NULL `optval` (whose length is
    /// then 0) and `Some(&[])` for a non-NULL pointer with length 0, which
    /// libzmq rejects for most string options.
    pub fn set_nullable(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        let v = value.unwrap_or(&[]);
        match option {
            opt::SNDHWM => self.sndhwm = int_at_least(v, 0)?,
            opt::RCVHWM => self.rcvhwm = int_at_least(v, 0)?,
            opt::AFFINITY => self.affinity = u64::from_ne_bytes(exact(v)?),
            opt::ROUTING_ID => {
                // Any binary string of 1 to 255 bytes; a leading 0 is allowed (I2).
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.routing_id = v.to_vec();
            }
            opt::RATE => self.rate = int_at_least(v, 1)?,
            opt::RECOVERY_IVL => self.recovery_ivl = int_at_least(v, 0)?,
            opt::SNDBUF => self.sndbuf = int_at_least(v, -1)?,
            opt::RCVBUF => self.rcvbuf = int_at_least(v, -1)?,
            opt::TOS => self.tos = int_at_least(v, 0)?,
            opt::LINGER => self.linger = int_at_least(v, -1)?,
            opt::CONNECT_TIMEOUT => self.connect_timeout = int_at_least(v, 0)?,
            opt::TCP_MAXRT => self.tcp_maxrt = int_at_least(v, 0)?,
            opt::RECONNECT_STOP => self.reconnect_stop = int(v)?,
            opt::RECONNECT_IVL => self.reconnect_ivl = int_at_least(v, -1)?,
            opt::RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_at_least(v, 0)?,
            opt::BACKLOG => self.backlog = int_at_least(v, 0)?,
            opt::MAXMSGSIZE => self.maxmsgsize = i64::from_ne_bytes(exact(v)?),
            opt::MULTICAST_HOPS => self.multicast_hops = int_at_least(v, 1)?,
            opt::MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_at_least(v, 1)?,
            opt::RCVTIMEO => self.rcvtimeo = int_at_least(v, -1)?,
            opt::SNDTIMEO => self.sndtimeo = int_at_least(v, -1)?,
            opt::IPV4ONLY => {
                let only = bool_strict(v)?;
                self.ipv6 = !only;
                self.ipv4only = only;
            }
            opt::IPV6 => {
                let on = bool_strict(v)?;
                self.ipv6 = on;
                self.ipv4only = !on;
            }
            opt::SOCKS_PROXY => self.socks_proxy = string_allow_empty(value, usize::MAX)?,
            opt::SOCKS_USERNAME => self.socks_username = socks_credential(value)?,
            opt::SOCKS_PASSWORD => self.socks_password = socks_credential(value)?,
            opt::TCP_KEEPALIVE => self.tcp_keepalive = int_in(v, -1, 1)?,
            opt::TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_at_least(v, -1)?,
            opt::TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_at_least(v, -1)?,
            opt::TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_at_least(v, -1)?,
            opt::IMMEDIATE => self.immediate = bool_strict(v)?,
            opt::TCP_ACCEPT_FILTER => {
                let text = string_allow_empty(value, 255)?;
                if text.is_empty() {
                    self.tcp_accept_filters.clear();
                    self.tcp_accept_filter_masks.clear();
                } else {
                    // C reads the value as a NUL-terminated string.
                    let text = text.split('\0').next().unwrap_or_default();
                    let mask = TcpAcceptFilter::parse(text, self.ipv6)?;
                    self.tcp_accept_filters.push(text.to_owned());
                    self.tcp_accept_filter_masks.push(mask);
                }
            }
            opt::IPC_FILTER_UID => {
                set_filter(&mut self.ipc_uid_accept_filters, value, u32::from_ne_bytes)?
            }
            opt::IPC_FILTER_GID => {
                set_filter(&mut self.ipc_gid_accept_filters, value, u32::from_ne_bytes)?
            }
            opt::IPC_FILTER_PID => {
                set_filter(&mut self.ipc_pid_accept_filters, value, i32::from_ne_bytes)?
            }
            opt::PLAIN_SERVER
            | opt::PLAIN_USERNAME
            | opt::PLAIN_PASSWORD
            | opt::ZAP_DOMAIN
            | opt::CURVE_SERVER
            | opt::CURVE_PUBLICKEY
            | opt::CURVE_SECRETKEY
            | opt::CURVE_SERVERKEY => {
                if !SECURITY_BUILT {
                    return Err(Errno::ENOTSUP);
                }
                self.set_security(option, value)?;
            }
            opt::GSSAPI_SERVER
            | opt::GSSAPI_PRINCIPAL
            | opt::GSSAPI_SERVICE_PRINCIPAL
            | opt::GSSAPI_PLAINTEXT
            | opt::GSSAPI_PRINCIPAL_NAMETYPE
            | opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => {
                if !GSSAPI_BUILT {
                    return Err(Errno::ENOTSUP);
                }
                self.set_gssapi(option, value)?;
            }
            opt::CONFLATE => self.conflate = bool_strict(v)?,
            opt::HANDSHAKE_IVL => self.handshake_ivl = int_at_least(v, 0)?,
            opt::INVERT_MATCHING => self.invert_matching = bool_relaxed(v)?,
            opt::HEARTBEAT_IVL => self.heartbeat_ivl = int_at_least(v, 0)?,
            opt::HEARTBEAT_TTL => {
                // Kept in deciseconds on the wire (16 bits): truncate, as
                // libzmq does before its range check (-99..=6553599 pass).
                let deciseconds = int(v)? / 100;
                if !(0..=i32::from(u16::MAX)).contains(&deciseconds) {
                    return Err(Errno::EINVAL);
                }
                self.heartbeat_ttl = deciseconds * 100;
            }
            opt::HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_at_least(v, 0)?,
            opt::VMCI_BUFFER_SIZE | opt::VMCI_BUFFER_MIN_SIZE | opt::VMCI_BUFFER_MAX_SIZE
                if VMCI_BUILT =>
            {
                let size = u64::from_ne_bytes(exact(v)?);
                match option {
                    opt::VMCI_BUFFER_SIZE => self.vmci_buffer_size = size,
                    opt::VMCI_BUFFER_MIN_SIZE => self.vmci_buffer_min_size = size,
                    _ => self.vmci_buffer_max_size = size,
                }
            }
            opt::VMCI_CONNECT_TIMEOUT if VMCI_BUILT => self.vmci_connect_timeout = int(v)?,
            opt::USE_FD => self.use_fd = int_at_least(v, -1)?,
            // IFNAMSIZ on Linux.
            opt::BINDTODEVICE => self.bindtodevice = string_allow_empty(value, 16)?,
            opt::ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = bool_relaxed(v)?,
            opt::LOOPBACK_FASTPATH => self.loopback_fastpath = bool_relaxed(v)?,
            opt::METADATA => {
                let (name, val) = parse_metadata(v)?;
                if let Err(at) = self
                    .metadata
                    .binary_search_by(|(n, _)| n.as_str().cmp(&name))
                {
                    self.metadata.insert(at, (name, val));
                }
            }
            opt::MULTICAST_LOOP => self.multicast_loop = bool_relaxed(v)?,
            opt::IN_BATCH_SIZE => self.in_batch_size = int_at_least(v, 1)?,
            opt::OUT_BATCH_SIZE => self.out_batch_size = int_at_least(v, 1)?,
            opt::HELLO_MSG => self.hello_msg = nonempty(v),
            opt::DISCONNECT_MSG => self.disconnect_msg = nonempty(v),
            opt::HICCUP_MSG => self.hiccup_msg = nonempty(v),
            opt::PRIORITY => self.priority = int_at_least(v, 0)?,
            opt::BUSY_POLL => self.busy_poll = int(v)?,
            // ROUTER and STREAM (routing_socket_base_t); their pattern may
            // claim it first. Non-empty (I4), at most 255 bytes.
            opt::CONNECT_ROUTING_ID if self.recv_routing_id => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.connect_routing_id = v.to_vec();
            }
            // ROUTER only (router_t); its pattern may claim it first.
            opt::ROUTER_NOTIFY if self.socket_type == st::ROUTER => {
                self.router_notify = int_in(v, 0, 3)?
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// PLAIN, CURVE and ZAP_DOMAIN, as libzmq applies them (behind
    /// [`SECURITY_BUILT`] in [`Options::set_nullable`]).
    fn set_security(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        let v = value.unwrap_or(&[]);
        match option {
            opt::PLAIN_SERVER => {
                let on = bool_strict(v)?;
                self.set_as_server(on);
                self.mechanism = if on { MECHANISM_PLAIN } else { MECHANISM_NULL };
            }
            opt::PLAIN_USERNAME | opt::PLAIN_PASSWORD => match parse_plain_credential(value)? {
                None => self.mechanism = MECHANISM_NULL,
                Some(text) => {
                    if option == opt::PLAIN_USERNAME {
                        self.plain_username = text;
                    } else {
                        self.plain_password = text;
                    }
                    self.set_as_server(false);
                    self.mechanism = MECHANISM_PLAIN;
                }
            },
            opt::ZAP_DOMAIN => {
                // libzmq's "relaxed" string: 1..=255 bytes, empty refused.
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.zap_domain = text(v)?;
            }
            opt::CURVE_SERVER => {
                let on = bool_strict(v)?;
                self.set_as_server(on);
                self.mechanism = if on { MECHANISM_CURVE } else { MECHANISM_NULL };
            }
            opt::CURVE_PUBLICKEY => {
                self.curve_publickey = parse_curve_key(v)?;
                self.mechanism = MECHANISM_CURVE;
            }
            opt::CURVE_SECRETKEY => {
                self.curve_secretkey = parse_curve_key(v)?;
                self.mechanism = MECHANISM_CURVE;
            }
            opt::CURVE_SERVERKEY => {
                self.curve_serverkey = parse_curve_key(v)?;
                self.set_as_server(false);
                self.mechanism = MECHANISM_CURVE;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// GSSAPI options, as libzmq applies them (behind [`GSSAPI_BUILT`]).
    fn set_gssapi(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        let v = value.unwrap_or(&[]);
        match option {
            opt::GSSAPI_SERVER => {
                self.set_as_server(bool_strict(v)?);
                self.mechanism = MECHANISM_GSSAPI;
            }
            opt::GSSAPI_PRINCIPAL | opt::GSSAPI_SERVICE_PRINCIPAL => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                let name = text(v)?;
                if option == opt::GSSAPI_PRINCIPAL {
                    self.gssapi_principal = name;
                } else {
                    self.gssapi_service_principal = name;
                    self.set_as_server(false);
                }
                self.mechanism = MECHANISM_GSSAPI;
            }
            opt::GSSAPI_PLAINTEXT => self.gssapi_plaintext = bool_strict(v)?,
            opt::GSSAPI_PRINCIPAL_NAMETYPE => self.gssapi_principal_nametype = int_in(v, 0, 2)?,
            opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => {
                self.gssapi_service_principal_nametype = int_in(v, 0, 2)?
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Reads `zmq_getsockopt(option)`. EINVAL for an unknown or write-only
    /// option. RCVMORE, FD, EVENTS, LAST_ENDPOINT and THREAD_SAFE are the
    /// socket's own and give EINVAL here.
    pub fn get(&self, option: i32) -> Result<OptVal> {
        use OptVal::{Int, Key, Str, I64, U64};
        let b = |on: bool| Int(i32::from(on));
        Ok(match option {
            opt::SNDHWM => Int(self.sndhwm),
            opt::RCVHWM => Int(self.rcvhwm),
            opt::AFFINITY => U64(self.affinity),
            opt::ROUTING_ID => OptVal::Bytes(self.routing_id.clone()),
            opt::RATE => Int(self.rate),
            opt::RECOVERY_IVL => Int(self.recovery_ivl),
            opt::SNDBUF => Int(self.sndbuf),
            opt::RCVBUF => Int(self.rcvbuf),
            opt::TOS => Int(self.tos),
            opt::TYPE => Int(self.socket_type),
            opt::LINGER => Int(self.linger),
            opt::CONNECT_TIMEOUT => Int(self.connect_timeout),
            opt::TCP_MAXRT => Int(self.tcp_maxrt),
            opt::RECONNECT_STOP => Int(self.reconnect_stop),
            opt::RECONNECT_IVL => Int(self.reconnect_ivl),
            opt::RECONNECT_IVL_MAX => Int(self.reconnect_ivl_max),
            opt::BACKLOG => Int(self.backlog),
            opt::MAXMSGSIZE => I64(self.maxmsgsize),
            opt::MULTICAST_HOPS => Int(self.multicast_hops),
            opt::MULTICAST_MAXTPDU => Int(self.multicast_maxtpdu),
            opt::RCVTIMEO => Int(self.rcvtimeo),
            opt::SNDTIMEO => Int(self.sndtimeo),
            opt::IPV4ONLY => b(!self.ipv6),
            opt::IPV6 => b(self.ipv6),
            opt::IMMEDIATE => b(self.immediate),
            opt::SOCKS_PROXY => Str(self.socks_proxy.clone()),
            opt::SOCKS_USERNAME => Str(self.socks_username.clone()),
            opt::SOCKS_PASSWORD => Str(self.socks_password.clone()),
            opt::TCP_KEEPALIVE => Int(self.tcp_keepalive),
            opt::TCP_KEEPALIVE_CNT => Int(self.tcp_keepalive_cnt),
            opt::TCP_KEEPALIVE_IDLE => Int(self.tcp_keepalive_idle),
            opt::TCP_KEEPALIVE_INTVL => Int(self.tcp_keepalive_intvl),
            opt::MECHANISM => Int(self.mechanism),
            opt::PLAIN_SERVER => b(self.as_server() && self.mechanism == MECHANISM_PLAIN),
            opt::PLAIN_USERNAME => Str(self.plain_username.clone()),
            opt::PLAIN_PASSWORD => Str(self.plain_password.clone()),
            opt::ZAP_DOMAIN => Str(self.zap_domain.clone()),
            opt::CURVE_SERVER => b(self.as_server() && self.mechanism == MECHANISM_CURVE),
            opt::CURVE_PUBLICKEY => Key(self.curve_publickey),
            opt::CURVE_SECRETKEY => Key(self.curve_secretkey),
            opt::CURVE_SERVERKEY => Key(self.curve_serverkey),
            opt::CONFLATE => b(self.conflate),
            opt::GSSAPI_SERVER => b(self.as_server() && self.mechanism == MECHANISM_GSSAPI),
            opt::GSSAPI_PRINCIPAL => Str(self.gssapi_principal.clone()),
            opt::GSSAPI_SERVICE_PRINCIPAL => Str(self.gssapi_service_principal.clone()),
            opt::GSSAPI_PLAINTEXT => b(self.gssapi_plaintext),
            opt::GSSAPI_PRINCIPAL_NAMETYPE => Int(self.gssapi_principal_nametype),
            opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => Int(self.gssapi_service_principal_nametype),
            opt::HANDSHAKE_IVL => Int(self.handshake_ivl),
            opt::INVERT_MATCHING => b(self.invert_matching),
            opt::HEARTBEAT_IVL => Int(self.heartbeat_ivl),
            opt::HEARTBEAT_TTL => Int(self.heartbeat_ttl),
            opt::HEARTBEAT_TIMEOUT => Int(self.heartbeat_timeout),
            opt::VMCI_BUFFER_SIZE if VMCI_BUILT => U64(self.vmci_buffer_size),
            opt::VMCI_BUFFER_MIN_SIZE if VMCI_BUILT => U64(self.vmci_buffer_min_size),
            opt::VMCI_BUFFER_MAX_SIZE if VMCI_BUILT => U64(self.vmci_buffer_max_size),
            opt::VMCI_CONNECT_TIMEOUT if VMCI_BUILT => Int(self.vmci_connect_timeout),
            opt::USE_FD => Int(self.use_fd),
            opt::BINDTODEVICE => Str(self.bindtodevice.clone()),
            opt::ZAP_ENFORCE_DOMAIN => b(self.zap_enforce_domain),
            opt::LOOPBACK_FASTPATH => b(self.loopback_fastpath),
            opt::MULTICAST_LOOP => b(self.multicast_loop),
            opt::ROUTER_NOTIFY => Int(self.router_notify),
            opt::IN_BATCH_SIZE => Int(self.in_batch_size),
            opt::OUT_BATCH_SIZE => Int(self.out_batch_size),
            opt::PRIORITY => Int(self.priority),
            // libzmq 4.3.5 writes the value but still fails with EINVAL
            // (missing `return 0`); BUSY_POLL is not readable.
            _ => return Err(Errno::EINVAL),
        })
    }
}

/// Writes `v` into a `zmq_getsockopt` buffer and returns the new
/// `*optvallen`, with the length rules of libzmq's `do_getsockopt`, which
/// the socket's own options (RCVMORE, EVENTS, FD, LAST_ENDPOINT,
/// THREAD_SAFE) use: the buffer must be at least as long as the value, the
/// value is written at the start and the rest of the buffer zeroed.
/// - `Int` needs ≥ 4 bytes and returns 4; `I64`/`U64` ≥ 8, returns 8;
/// - `Str` needs ≥ len + 1 and writes a NUL; `Bytes` needs ≥ len;
/// - `Key`: a 32-byte buffer gets the raw key, one of ≥ 41 bytes gets Z85
///   and a NUL (returns 41); other sizes are EINVAL.
///
/// Too small a buffer is EINVAL. Options of the generic table want exact
/// sizes for numbers: use [`write_getsockopt`] to pick the right rule.
pub fn write_optval(v: &OptVal, buf: &mut [u8]) -> Result<usize> {
    match v {
        OptVal::Int(x) => fill(buf, &x.to_ne_bytes()),
        OptVal::I64(x) => fill(buf, &x.to_ne_bytes()),
        OptVal::U64(x) => fill(buf, &x.to_ne_bytes()),
        OptVal::Bytes(b) => fill(buf, b),
        OptVal::Str(s) => {
            let n = s.len();
            if buf.len() < n + 1 {
                return Err(Errno::EINVAL);
            }
            buf[..n].copy_from_slice(s.as_bytes());
            buf[n..].fill(0);
            Ok(n + 1)
        }
        OptVal::Key(k) => write_key(k, buf, true),
    }
}

/// Writes `v` like [`write_optval`] but with the exact sizes that libzmq's
/// `options_t::getsockopt` requires: `Int` only into a 4-byte buffer,
/// `I64`/`U64` only into 8 bytes, `Key` only into 32 or 41 bytes. Strings
/// and binary values follow [`write_optval`].
pub fn write_optval_exact(v: &OptVal, buf: &mut [u8]) -> Result<usize> {
    let want = match v {
        OptVal::Int(_) => 4,
        OptVal::I64(_) | OptVal::U64(_) => 8,
        OptVal::Key(k) => return write_key(k, buf, false),
        OptVal::Bytes(_) | OptVal::Str(_) => return write_optval(v, buf),
    };
    if buf.len() != want {
        return Err(Errno::EINVAL);
    }
    write_optval(v, buf)
}

/// What the C `zmq_getsockopt` shim calls: writes the value of `option`
/// with the length rule libzmq applies to that option. The socket's own
/// options (RCVMORE, FD, EVENTS, LAST_ENDPOINT, THREAD_SAFE, TOPICS_COUNT)
/// accept larger buffers ([`write_optval`]); every other option wants exact
/// sizes for numbers and keys ([`write_optval_exact`]).
pub fn write_getsockopt(option: i32, v: &OptVal, buf: &mut [u8]) -> Result<usize> {
    match option {
        opt::RCVMORE
        | opt::FD
        | opt::EVENTS
        | opt::LAST_ENDPOINT
        | opt::THREAD_SAFE
        | opt::TOPICS_COUNT => write_optval(v, buf),
        _ => write_optval_exact(v, buf),
    }
}

fn fill(buf: &mut [u8], value: &[u8]) -> Result<usize> {
    let n = value.len();
    if buf.len() < n {
        return Err(Errno::EINVAL);
    }
    buf[..n].copy_from_slice(value);
    buf[n..].fill(0);
    Ok(n)
}

fn write_key(key: &[u8; 32], buf: &mut [u8], relaxed: bool) -> Result<usize> {
    const Z85_WITH_NUL: usize = CURVE_KEY_Z85_LEN + 1;
    match buf.len() {
        CURVE_KEY_LEN => {
            buf.copy_from_slice(key);
            Ok(CURVE_KEY_LEN)
        }
        n if n == Z85_WITH_NUL || (relaxed && n > Z85_WITH_NUL) => {
            let text = z85::encode(key).ok_or(Errno::EINVAL)?;
            buf[..CURVE_KEY_Z85_LEN].copy_from_slice(text.as_bytes());
            buf[CURVE_KEY_Z85_LEN] = 0;
            Ok(Z85_WITH_NUL)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// A CURVE key from ZMQ_CURVE_*KEY: 32 raw bytes, 40 characters of Z85, or
/// 41 bytes of Z85 and a NUL. Anything else, or bad Z85, is EINVAL.
pub fn parse_curve_key(value: &[u8]) -> Result<[u8; 32]> {
    match value.len() {
        CURVE_KEY_LEN => {
            let mut key = [0; 32];
            key.copy_from_slice(value);
            Ok(key)
        }
        CURVE_KEY_Z85_LEN => z85::decode_key(value).ok_or(Errno::EINVAL),
        41 if value[CURVE_KEY_Z85_LEN] == 0 => {
            z85::decode_key(&value[..CURVE_KEY_Z85_LEN]).ok_or(Errno::EINVAL)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// A PLAIN username or password: `None` (C's `(NULL, 0)`) resets the
/// mechanism to NULL and gives `Ok(None)`; 1 to 255 bytes are the value;
/// anything else is EINVAL.
pub fn parse_plain_credential(value: Option<&[u8]>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if !v.is_empty() && v.len() <= 255 => text(v).map(Some),
        Some(_) => Err(Errno::EINVAL),
    }
}

/// One ZMQ_TCP_ACCEPT_FILTER entry: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    /// An IPv4 address, or IPv6 (an IPv4 filter set while ZMQ_IPV6 is on is
    /// stored IPv4-mapped, as libzmq's resolver returns it).
    pub addr: IpAddr,
    /// Leading bits that must match (0 matches every address of the family).
    pub mask: u8,
}

impl TcpAcceptFilter {
    /// Parses "address[/bits]" as libzmq's `tcp_address_mask_t::resolve`:
    /// numeric addresses only, IPv6 ones (optionally in brackets) only when
    /// `ipv6` is on; no "/bits" means the full length; bits must be "0" or
    /// 1..=32 (IPv4) / 1..=128 (IPv6).
    pub fn parse(text: &str, ipv6: bool) -> Result<TcpAcceptFilter> {
        let (addr_text, mask_text) = match text.rfind('/') {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let addr_text = match addr_text
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
        {
            Some(inner) if addr_text.len() >= 4 => inner,
            _ => addr_text,
        };
        let addr = if let Ok(v4) = addr_text.parse::<Ipv4Addr>() {
            if ipv6 {
                IpAddr::V6(v4.to_ipv6_mapped())
            } else {
                IpAddr::V4(v4)
            }
        } else {
            match addr_text.parse::<Ipv6Addr>() {
                Ok(v6) if ipv6 => IpAddr::V6(v6),
                _ => return Err(Errno::EINVAL),
            }
        };
        let full: i64 = if addr.is_ipv6() { 128 } else { 32 };
        let mask = match mask_text {
            None => full,
            Some("") => return Err(Errno::EINVAL),
            Some("0") => 0,
            Some(m) => {
                let bits = strtol(m);
                if !(1..=full).contains(&bits) {
                    return Err(Errno::EINVAL);
                }
                bits
            }
        };
        Ok(TcpAcceptFilter {
            addr,
            mask: mask as u8,
        })
    }

    /// The peer address is of the same family and shares the first `mask`
    /// bits. (On an IPv6 listener IPv4 peers appear IPv4-mapped.)
    pub fn matches(&self, peer: IpAddr) -> bool {
        match (self.addr, peer) {
            (IpAddr::V4(a), IpAddr::V4(p)) => prefix_eq(&a.octets(), &p.octets(), self.mask),
            (IpAddr::V6(a), IpAddr::V6(p)) => prefix_eq(&a.octets(), &p.octets(), self.mask),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8).min(a.len());
    let rest = bits % 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    if rest == 0 || whole >= a.len() {
        return true;
    }
    let keep = 0xFFu8 << (8 - rest);
    (a[whole] ^ b[whole]) & keep == 0
}

/// C's `strtol(s, NULL, 10)`: leading white space, a sign, digits; stops at
/// the first other character; 0 if there are no digits; saturates.
fn strtol(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\x0B', '\x0C', '\r']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut value: i64 = 0;
    for d in digits.bytes().take_while(u8::is_ascii_digit) {
        value = value.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if negative {
        -value
    } else {
        value
    }
}

/// A ZMQ_METADATA value "X-name:value": the name starts with "X-", is at
/// most 255 bytes, the colon is neither first nor last. libzmq refuses any
/// value of exactly `size_of::<int>()` bytes.
fn parse_metadata(v: &[u8]) -> Result<(String, Vec<u8>)> {
    if v.is_empty() || v.len() == 4 {
        return Err(Errno::EINVAL);
    }
    let colon = v.iter().position(|&c| c == b':').ok_or(Errno::EINVAL)?;
    if colon == 0 || colon == v.len() - 1 {
        return Err(Errno::EINVAL);
    }
    let name = &v[..colon];
    if !name.starts_with(b"X-") || name.len() > 255 {
        return Err(Errno::EINVAL);
    }
    Ok((text(name)?, v[colon + 1..].to_vec()))
}

/// `N` bytes exactly (AFFINITY, MAXMSGSIZE and the like).
fn exact<const N: usize>(v: &[u8]) -> Result<[u8; N]> {
    v.try_into().map_err(|_| Errno::EINVAL)
}

/// A C `int`: exactly `size_of::<i32>()` bytes, native byte order.
fn int(v: &[u8]) -> Result<i32> {
    exact(v).map(i32::from_ne_bytes)
}

fn int_at_least(v: &[u8], min: i32) -> Result<i32> {
    int_in(v, min, i32::MAX)
}

fn int_in(v: &[u8], min: i32, max: i32) -> Result<i32> {
    let x = int(v)?;
    if (min..=max).contains(&x) {
        Ok(x)
    } else {
        Err(Errno::EINVAL)
    }
}

/// libzmq's `do_setsockopt_int_as_bool_strict`: 0 or 1, else EINVAL.
fn bool_strict(v: &[u8]) -> Result<bool> {
    match int(v)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::EINVAL),
    }
}

/// libzmq's `do_setsockopt_int_as_bool_relaxed`: any non-zero is true.
fn bool_relaxed(v: &[u8]) -> Result<bool> {
    Ok(int(v)? != 0)
}

/// Text kept as given (a trailing NUL the caller counted stays, as in
/// libzmq's `std::string`). Bytes that are not UTF-8 are refused (EINVAL):
/// the fields are `String`s.
fn text(v: &[u8]) -> Result<String> {
    String::from_utf8(v.to_vec()).map_err(|_| Errno::EINVAL)
}

/// libzmq's `do_setsockopt_string_allow_empty_strict`: `(NULL, 0)` clears,
/// 1..=max bytes set, anything else (a non-NULL empty value) is EINVAL.
fn string_allow_empty(value: Option<&[u8]>, max: usize) -> Result<String> {
    match value {
        None => Ok(String::new()),
        Some(v) if !v.is_empty() && v.len() <= max => text(v),
        Some(_) => Err(Errno::EINVAL),
    }
}

/// SOCKS_USERNAME / SOCKS_PASSWORD: NULL or empty clears, else 1..=255 bytes.
fn socks_credential(value: Option<&[u8]>) -> Result<String> {
    match value {
        Some(v) if !v.is_empty() => string_allow_empty(Some(v), 255),
        _ => Ok(String::new()),
    }
}

/// The IPC_FILTER_* sets: `(NULL, 0)` clears, one 4-byte id is added.
fn set_filter<T: Ord + Copy>(
    set: &mut Vec<T>,
    value: Option<&[u8]>,
    from: fn([u8; 4]) -> T,
) -> Result<()> {
    match value {
        None => set.clear(),
        Some(v) => {
            let id = from(exact(v)?);
            if let Err(at) = set.binary_search(&id) {
                set.insert(at, id);
            }
        }
    }
    Ok(())
}

fn nonempty(v: &[u8]) -> Option<Vec<u8>> {
    if v.is_empty() {
        None
    } else {
        Some(v.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::zmtp::socket_types::{DEALER, ROUTER};

    fn i(x: i32) -> [u8; 4] {
        x.to_ne_bytes()
    }

    fn dealer() -> Options {
        Options::new(DEALER, true)
    }

    #[test]
    fn defaults() {
        let o = dealer();
        let ints = [
            (opt::SNDHWM, 1000),
            (opt::RCVHWM, 1000),
            (opt::RATE, 100),
            (opt::RECOVERY_IVL, 10000),
            (opt::SNDBUF, -1),
            (opt::RCVBUF, -1),
            (opt::TOS, 0),
            (opt::TYPE, DEALER),
            (opt::LINGER, -1),
            (opt::CONNECT_TIMEOUT, 0),
            (opt::TCP_MAXRT, 0),
            (opt::RECONNECT_STOP, 0),
            (opt::RECONNECT_IVL, 100),
            (opt::RECONNECT_IVL_MAX, 0),
            (opt::BACKLOG, 100),
            (opt::MULTICAST_HOPS, 1),
            (opt::MULTICAST_MAXTPDU, 1500),
            (opt::RCVTIMEO, -1),
            (opt::SNDTIMEO, -1),
            (opt::IPV4ONLY, 1),
            (opt::IPV6, 0),
            (opt::IMMEDIATE, 0),
            (opt::TCP_KEEPALIVE, -1),
            (opt::TCP_KEEPALIVE_CNT, -1),
            (opt::TCP_KEEPALIVE_IDLE, -1),
            (opt::TCP_KEEPALIVE_INTVL, -1),
            (opt::MECHANISM, MECHANISM_NULL),
            (opt::PLAIN_SERVER, 0),
            (opt::CURVE_SERVER, 0),
            (opt::CONFLATE, 0),
            (opt::GSSAPI_SERVER, 0),
            (opt::GSSAPI_PLAINTEXT, 0),
            (opt::GSSAPI_PRINCIPAL_NAMETYPE, 0),
            (opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, 0),
            (opt::HANDSHAKE_IVL, 30000),
            (opt::INVERT_MATCHING, 0),
            (opt::HEARTBEAT_IVL, 0),
            (opt::HEARTBEAT_TTL, 0),
            (opt::HEARTBEAT_TIMEOUT, -1),
            (opt::USE_FD, -1),
            (opt::ZAP_ENFORCE_DOMAIN, 0),
            (opt::LOOPBACK_FASTPATH, 0),
            (opt::MULTICAST_LOOP, 1),
            (opt::ROUTER_NOTIFY, 0),
            (opt::IN_BATCH_SIZE, 8192),
            (opt::OUT_BATCH_SIZE, 8192),
            (opt::PRIORITY, 0),
        ];
        for (option, want) in ints {
            assert_eq!(o.get(option), Ok(OptVal::Int(want)), "option {option}");
        }
        assert_eq!(o.get(opt::AFFINITY), Ok(OptVal::U64(0)));
        assert_eq!(o.get(opt::MAXMSGSIZE), Ok(OptVal::I64(-1)));
        assert_eq!(o.get(opt::ROUTING_ID), Ok(OptVal::Bytes(Vec::new())));
        for option in [
            opt::SOCKS_PROXY,
            opt::SOCKS_USERNAME,
            opt::SOCKS_PASSWORD,
            opt::PLAIN_USERNAME,
            opt::PLAIN_PASSWORD,
            opt::ZAP_DOMAIN,
            opt::GSSAPI_PRINCIPAL,
            opt::GSSAPI_SERVICE_PRINCIPAL,
            opt::BINDTODEVICE,
        ] {
            assert_eq!(
                o.get(option),
                Ok(OptVal::Str(String::new())),
                "option {option}"
            );
        }
        for option in [
            opt::CURVE_PUBLICKEY,
            opt::CURVE_SECRETKEY,
            opt::CURVE_SERVERKEY,
        ] {
            assert_eq!(o.get(option), Ok(OptVal::Key([0; 32])));
        }
        assert_eq!(o.hello_msg, None);
        assert!(o.metadata.is_empty() && o.tcp_accept_filters.is_empty());
        assert!(!o.recv_routing_id);
        assert!(Options::new(ROUTER, true).recv_routing_id);
        assert!(Options::new(11, true).recv_routing_id);
    }

    #[test]
    fn linger_default_follows_blocky() {
        assert_eq!(
            Options::new(DEALER, false).get(opt::LINGER),
            Ok(OptVal::Int(0))
        );
        assert_eq!(
            Options::new(DEALER, true).get(opt::LINGER),
            Ok(OptVal::Int(-1))
        );
    }

    /// (option, accepted values, refused values) for plain int options.
    fn int_table() -> Vec<(i32, Vec<i32>, Vec<i32>)> {
        let any = vec![i32::MIN, -1, 0, 1, 7, i32::MAX];
        vec![
            (opt::SNDHWM, vec![0, 1, 5, i32::MAX], vec![-1, i32::MIN]),
            (opt::RCVHWM, vec![0, 1, 5, i32::MAX], vec![-1, i32::MIN]),
            (opt::RATE, vec![1, 1000], vec![0, -1]),
            (opt::RECOVERY_IVL, vec![0, 5], vec![-1]),
            (opt::SNDBUF, vec![-1, 0, 65536], vec![-2]),
            (opt::RCVBUF, vec![-1, 0, 65536], vec![-2]),
            (opt::TOS, vec![0, 0x28, 255, 1000], vec![-1]),
            (opt::LINGER, vec![-1, 0, 5000], vec![-2, i32::MIN]),
            (opt::CONNECT_TIMEOUT, vec![0, 100], vec![-1]),
            (opt::TCP_MAXRT, vec![0, 100], vec![-1]),
            (opt::RECONNECT_STOP, any.clone(), vec![]),
            (opt::RECONNECT_IVL, vec![-1, 0, 10], vec![-2]),
            (opt::RECONNECT_IVL_MAX, vec![0, 10], vec![-1]),
            (opt::BACKLOG, vec![0, 10], vec![-1]),
            (opt::MULTICAST_HOPS, vec![1, 255], vec![0, -1]),
            (opt::MULTICAST_MAXTPDU, vec![1, 9000], vec![0, -1]),
            (opt::RCVTIMEO, vec![-1, 0, 10], vec![-2]),
            (opt::SNDTIMEO, vec![-1, 0, 10], vec![-2]),
            (opt::TCP_KEEPALIVE, vec![-1, 0, 1], vec![-2, 2]),
            (opt::TCP_KEEPALIVE_CNT, vec![-1, 0, 5], vec![-2]),
            (opt::TCP_KEEPALIVE_IDLE, vec![-1, 0, 5], vec![-2]),
            (opt::TCP_KEEPALIVE_INTVL, vec![-1, 0, 5], vec![-2]),
            (opt::HANDSHAKE_IVL, vec![0, 100], vec![-1]),
            (opt::HEARTBEAT_IVL, vec![0, 100], vec![-1]),
            (opt::HEARTBEAT_TIMEOUT, vec![0, 100], vec![-1]),
            (opt::USE_FD, vec![-1, 0, 42], vec![-2]),
            (opt::IN_BATCH_SIZE, vec![1, 100000], vec![0, -1]),
            (opt::OUT_BATCH_SIZE, vec![1, 100000], vec![0, -1]),
            (opt::PRIORITY, vec![0, 6, 7], vec![-1]),
        ]
    }

    #[test]
    fn int_options_round_trip_and_ranges() {
        for (option, good, bad) in int_table() {
            let mut o = dealer();
            for x in good {
                assert_eq!(o.set(option, &i(x)), Ok(()), "option {option} value {x}");
                assert_eq!(
                    o.get(option),
                    Ok(OptVal::Int(x)),
                    "option {option} value {x}"
                );
            }
            let before = o.get(option);
            for x in bad {
                assert_eq!(
                    o.set(option, &i(x)),
                    Err(Errno::EINVAL),
                    "option {option} value {x}"
                );
                assert_eq!(
                    o.get(option),
                    before,
                    "refused value changed option {option}"
                );
            }
        }
    }

    #[test]
    fn int_options_need_exactly_four_bytes() {
        let mut int_options: Vec<i32> = int_table().into_iter().map(|t| t.0).collect();
        int_options.extend([
            opt::IPV4ONLY,
            opt::IPV6,
            opt::IMMEDIATE,
            opt::CONFLATE,
            opt::INVERT_MATCHING,
            opt::HEARTBEAT_TTL,
            opt::ZAP_ENFORCE_DOMAIN,
            opt::LOOPBACK_FASTPATH,
            opt::MULTICAST_LOOP,
            opt::BUSY_POLL,
        ]);
        for option in int_options {
            let mut o = dealer();
            for len in [0usize, 1, 2, 3, 5, 8] {
                assert_eq!(
                    o.set(option, &vec![0; len]),
                    Err(Errno::EINVAL),
                    "option {option} len {len}"
                );
            }
            assert_eq!(
                o.set_nullable(option, None),
                Err(Errno::EINVAL),
                "option {option} NULL"
            );
        }
    }

    #[test]
    fn sixty_four_bit_options() {
        let mut o = dealer();
        assert_eq!(o.set(opt::AFFINITY, &3u64.to_ne_bytes()), Ok(()));
        assert_eq!(o.get(opt::AFFINITY), Ok(OptVal::U64(3)));
        assert_eq!(o.set(opt::AFFINITY, &u64::MAX.to_ne_bytes()), Ok(()));
        assert_eq!(o.get(opt::AFFINITY), Ok(OptVal::U64(u64::MAX)));
        assert_eq!(o.set(opt::AFFINITY, &i(1)), Err(Errno::EINVAL));
        assert_eq!(o.set(opt::MAXMSGSIZE, &4096i64.to_ne_bytes()), Ok(()));
        assert_eq!(o.get(opt::MAXMSGSIZE), Ok(OptVal::I64(4096)));
        assert_eq!(o.set(opt::MAXMSGSIZE, &(-1i64).to_ne_bytes()), Ok(()));
        assert_eq!(o.get(opt::MAXMSGSIZE), Ok(OptVal::I64(-1)));
        assert_eq!(o.set(opt::MAXMSGSIZE, &i(100)), Err(Errno::EINVAL));
        assert_eq!(o.set(opt::MAXMSGSIZE, &[0; 9]), Err(Errno::EINVAL));
        assert_eq!(o.get(opt::MAXMSGSIZE), Ok(OptVal::I64(-1)));
    }

    #[test]
    fn strict_and_relaxed_booleans() {
        let mut o = dealer();
        for option in [opt::IMMEDIATE, opt::CONFLATE, opt::IPV6, opt::IPV4ONLY] {
            for x in [0, 1] {
                assert_eq!(o.set(option, &i(x)), Ok(()));
                assert_eq!(o.get(option), Ok(OptVal::Int(x)));
            }
            for x in [2, -1, 100] {
                assert_eq!(
                    o.set(option, &i(x)),
                    Err(Errno::EINVAL),
                    "option {option} value {x}"
                );
            }
        }
        for option in [
            opt::INVERT_MATCHING,
            opt::ZAP_ENFORCE_DOMAIN,
            opt::LOOPBACK_FASTPATH,
            opt::MULTICAST_LOOP,
        ] {
            assert_eq!(o.set(option, &i(0)), Ok(()));
            assert_eq!(o.get(option), Ok(OptVal::Int(0)));
            assert_eq!(o.set(option, &i(5)), Ok(()));
            assert_eq!(o.get(option), Ok(OptVal::Int(1)), "option {option}");
            assert_eq!(o.set(option, &i(-1)), Ok(()));
            assert_eq!(o.get(option), Ok(OptVal::Int(1)));
        }
    }

    #[test]
    fn ipv4only_is_the_negation_of_ipv6() {
        let mut o = dealer();
        assert_eq!(o.set(opt::IPV4ONLY, &i(0)), Ok(()));
        assert!(o.ipv6 && !o.ipv4only);
        assert_eq!(o.get(opt::IPV6), Ok(OptVal::Int(1)));
        assert_eq!(o.set(opt::IPV6, &i(0)), Ok(()));
        assert!(!o.ipv6 && o.ipv4only);
        assert_eq!(o.get(opt::IPV4ONLY), Ok(OptVal::Int(1)));
    }

    #[test]
    fn routing_id() {
        let mut o = dealer();
        assert_eq!(o.set(opt::ROUTING_ID, b"A"), Ok(()));
        assert_eq!(o.get(opt::ROUTING_ID), Ok(OptVal::Bytes(b"A".to_vec())));
        // A leading zero byte is accepted by 4.3.5 (I2).
        assert_eq!(o.set(opt::ROUTING_ID, b"\0id"), Ok(()));
        assert_eq!(o.get(opt::ROUTING_ID), Ok(OptVal::Bytes(b"\0id".to_vec())));
        let long = vec![0xAB; 255];
        assert_eq!(o.set(opt::ROUTING_ID, &long), Ok(()));
        assert_eq!(o.get(opt::ROUTING_ID), Ok(OptVal::Bytes(long.clone())));
        assert_eq!(o.set(opt::ROUTING_ID, &[]), Err(Errno::EINVAL));
        assert_eq!(o.set_nullable(opt::ROUTING_ID, None), Err(Errno::EINVAL));
        assert_eq!(o.set(opt::ROUTING_ID, &[1; 256]), Err(Errno::EINVAL));
        assert_eq!(o.routing_id, long);
    }

    #[test]
    fn connect_routing_id() {
        let mut r = Options::new(ROUTER, true);
        assert_eq!(r.set(opt::CONNECT_ROUTING_ID, b"peer"), Ok(()));
        assert_eq!(r.connect_routing_id, b"peer");
        assert_eq!(r.set(opt::CONNECT_ROUTING_ID, &[]), Err(Errno::EINVAL));
        assert_eq!(
            r.set(opt::CONNECT_ROUTING_ID, &[1; 256]),
            Err(Errno::EINVAL)
        );
        assert_eq!(r.set(opt::CONNECT_ROUTING_ID, &[1; 255]), Ok(()));
        // Write-only in libzmq.
        assert_eq!(r.get(opt::CONNECT_ROUTING_ID), Err(Errno::EINVAL));
        let mut stream = Options::new(11, true);
        assert_eq!(stream.set(opt::CONNECT_ROUTING_ID, b"x"), Ok(()));
        // Not a routing socket.
        assert_eq!(
            dealer().set(opt::CONNECT_ROUTING_ID, b"peer"),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn heartbeat_ttl_is_kept_in_deciseconds() {
        let mut o = dealer();
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(150)), Ok(()));
        assert_eq!(o.get(opt::HEARTBEAT_TTL), Ok(OptVal::Int(100)));
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(2000)), Ok(()));
        assert_eq!(o.heartbeat_ttl, 2000);
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(99)), Ok(()));
        assert_eq!(o.get(opt::HEARTBEAT_TTL), Ok(OptVal::Int(0)));
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(6553599)), Ok(()));
        assert_eq!(o.get(opt::HEARTBEAT_TTL), Ok(OptVal::Int(6553500)));
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(6553600)), Err(Errno::EINVAL));
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(i32::MAX)), Err(Errno::EINVAL));
        // libzmq divides before checking: -99 truncates to 0 and passes.
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(-99)), Ok(()));
        assert_eq!(o.get(opt::HEARTBEAT_TTL), Ok(OptVal::Int(0)));
        assert_eq!(o.set(opt::HEARTBEAT_TTL, &i(-100)), Err(Errno::EINVAL));
    }

    #[test]
    fn string_options() {
        let mut o = dealer();
        // BINDTODEVICE: up to IFNAMSIZ (16) bytes; empty clears.
        assert_eq!(o.set(opt::BINDTODEVICE, b"eth0"), Ok(()));
        assert_eq!(o.get(opt::BINDTODEVICE), Ok(OptVal::Str("eth0".into())));
        assert_eq!(o.set(opt::BINDTODEVICE, &[b'a'; 16]), Ok(()));
        assert_eq!(o.set(opt::BINDTODEVICE, &[b'a'; 17]), Err(Errno::EINVAL));
        assert_eq!(
            o.set_nullable(opt::BINDTODEVICE, Some(&[])),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set(opt::BINDTODEVICE, &[]), Ok(()));
        assert_eq!(o.get(opt::BINDTODEVICE), Ok(OptVal::Str(String::new())));
        assert_eq!(o.set(opt::BINDTODEVICE, &[0xFF, 0xFE]), Err(Errno::EINVAL));

        // SOCKS_PROXY: any length; NULL clears.
        let long = "h".repeat(1000);
        assert_eq!(o.set(opt::SOCKS_PROXY, long.as_bytes()), Ok(()));
        assert_eq!(o.get(opt::SOCKS_PROXY), Ok(OptVal::Str(long)));
        assert_eq!(o.set(opt::SOCKS_PROXY, b"127.0.0.1:1080"), Ok(()));
        assert_eq!(
            o.get(opt::SOCKS_PROXY),
            Ok(OptVal::Str("127.0.0.1:1080".into()))
        );
        assert_eq!(o.set_nullable(opt::SOCKS_PROXY, None), Ok(()));
        assert_eq!(o.get(opt::SOCKS_PROXY), Ok(OptVal::Str(String::new())));

        // SOCKS_USERNAME / PASSWORD: NULL or empty clears; at most 255.
        for option in [opt::SOCKS_USERNAME, opt::SOCKS_PASSWORD] {
            assert_eq!(o.set(option, b"user"), Ok(()));
            assert_eq!(o.get(option), Ok(OptVal::Str("user".into())));
            assert_eq!(o.set(option, &[b'u'; 255]), Ok(()));
            assert_eq!(o.set(option, &[b'u'; 256]), Err(Errno::EINVAL));
            assert_eq!(o.set_nullable(option, Some(&[])), Ok(()));
            assert_eq!(o.get(option), Ok(OptVal::Str(String::new())));
        }
    }

    #[test]
    fn metadata() {
        let mut o = dealer();
        assert_eq!(o.set(opt::METADATA, b"X-b:2"), Ok(()));
        assert_eq!(o.set(opt::METADATA, b"X-a:hello:world"), Ok(()));
        // A second value for a name is ignored (std::map::insert).
        assert_eq!(o.set(opt::METADATA, b"X-b:3"), Ok(()));
        assert_eq!(
            o.metadata,
            vec![
                ("X-a".into(), b"hello:world".to_vec()),
                ("X-b".into(), b"2".to_vec())
            ]
        );
        for bad in [
            &b""[..],
            b"X-a:",
            b":value",
            b"X-novalue",
            b"Y-a:b",
            b"x-a:b",
            b"X:ab",
            b"X-:b", // exactly 4 bytes: libzmq reads it as an int and refuses
        ] {
            assert_eq!(o.set(opt::METADATA, bad), Err(Errno::EINVAL), "{bad:?}");
        }
        let mut long = b"X-".to_vec();
        long.extend([b'n'; 253]);
        long.extend(b":v");
        assert_eq!(o.set(opt::METADATA, &long), Ok(()));
        long.insert(2, b'n');
        assert_eq!(o.set(opt::METADATA, &long), Err(Errno::EINVAL));
        assert_eq!(o.get(opt::METADATA), Err(Errno::EINVAL));
    }

    #[test]
    fn tcp_accept_filter() {
        let mut o = dealer();
        assert_eq!(o.set(opt::TCP_ACCEPT_FILTER, b"127.0.0.1"), Ok(()));
        assert_eq!(o.set(opt::TCP_ACCEPT_FILTER, b"10.0.0.0/8\0"), Ok(()));
        assert_eq!(
            o.tcp_accept_filters,
            vec!["127.0.0.1".to_string(), "10.0.0.0/8".to_string()]
        );
        let masks = &o.tcp_accept_filter_masks;
        assert_eq!(
            masks[0],
            TcpAcceptFilter {
                addr: "127.0.0.1".parse().unwrap(),
                mask: 32
            }
        );
        assert!(masks[1].matches("10.200.3.4".parse().unwrap()));
        assert!(!masks[1].matches("11.0.0.1".parse().unwrap()));
        assert!(!masks[1].matches("::1".parse().unwrap()));
        for bad in [
            &b"::1"[..], // IPv6 needs ZMQ_IPV6
            b"localhost",
            b"10.0.0.0/",
            b"10.0.0.0/33",
            b"10.0.0.0/-1",
            b"10.0.0.0/x",
            b"10.0.0.0/00",
            b"\x0010.0.0.1",
            b"1.2.3",
        ] {
            assert_eq!(
                o.set(opt::TCP_ACCEPT_FILTER, bad),
                Err(Errno::EINVAL),
                "{bad:?}"
            );
        }
        assert_eq!(
            o.set(opt::TCP_ACCEPT_FILTER, &[b'1'; 256]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.set_nullable(opt::TCP_ACCEPT_FILTER, Some(&[])),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.tcp_accept_filters.len(), 2);
        assert_eq!(o.set(opt::TCP_ACCEPT_FILTER, &[]), Ok(()));
        assert!(o.tcp_accept_filters.is_empty() && o.tcp_accept_filter_masks.is_empty());

        assert_eq!(o.set(opt::IPV6, &i(1)), Ok(()));
        assert_eq!(o.set(opt::TCP_ACCEPT_FILTER, b"[fe80::]/10"), Ok(()));
        assert_eq!(o.set(opt::TCP_ACCEPT_FILTER, b"192.168.1.0/24"), Ok(()));
        assert_eq!(o.set(opt::TCP_ACCEPT_FILTER, b"::/0"), Ok(()));
        let m = &o.tcp_accept_filter_masks;
        assert!(m[0].matches("fe80::1".parse().unwrap()));
        assert!(!m[0].matches("fec0::1".parse().unwrap()));
        // IPv4 filters on an IPv6 socket are IPv4-mapped.
        assert_eq!(m[1].addr, "::ffff:192.168.1.0".parse::<IpAddr>().unwrap());
        assert!(m[2].matches("2001:db8::1".parse().unwrap()));
        assert_eq!(
            o.set(opt::TCP_ACCEPT_FILTER, b"::1/129"),
            Err(Errno::EINVAL)
        );
        // The filter is never readable.
        assert_eq!(o.get(opt::TCP_ACCEPT_FILTER), Err(Errno::EINVAL));
    }

    #[test]
    fn tcp_accept_filter_matching() {
        let f = TcpAcceptFilter::parse("192.168.1.128/25", false).unwrap();
        assert!(f.matches("192.168.1.200".parse().unwrap()));
        assert!(!f.matches("192.168.1.127".parse().unwrap()));
        let any = TcpAcceptFilter::parse("0.0.0.0/0", false).unwrap();
        assert!(any.matches("8.8.8.8".parse().unwrap()));
        assert!(!any.matches("::1".parse().unwrap()));
        let f = TcpAcceptFilter::parse("10.1.2.3/ 31", false).unwrap();
        assert_eq!(f.mask, 31);
        assert!(f.matches("10.1.2.2".parse().unwrap()));
    }

    #[test]
    fn ipc_filters() {
        let mut o = dealer();
        assert_eq!(o.set(opt::IPC_FILTER_UID, &5u32.to_ne_bytes()), Ok(()));
        assert_eq!(o.set(opt::IPC_FILTER_UID, &1u32.to_ne_bytes()), Ok(()));
        assert_eq!(o.set(opt::IPC_FILTER_UID, &5u32.to_ne_bytes()), Ok(()));
        assert_eq!(o.ipc_uid_accept_filters, vec![1, 5]);
        assert_eq!(o.set(opt::IPC_FILTER_GID, &7u32.to_ne_bytes()), Ok(()));
        assert_eq!(o.set(opt::IPC_FILTER_PID, &i(1234)), Ok(()));
        assert_eq!(o.ipc_gid_accept_filters, vec![7]);
        assert_eq!(o.ipc_pid_accept_filters, vec![1234]);
        assert_eq!(o.set(opt::IPC_FILTER_UID, &[0; 8]), Err(Errno::EINVAL));
        assert_eq!(
            o.set_nullable(opt::IPC_FILTER_UID, Some(&[])),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set(opt::IPC_FILTER_UID, &[]), Ok(()));
        assert!(o.ipc_uid_accept_filters.is_empty());
        assert_eq!(o.get(opt::IPC_FILTER_UID), Err(Errno::EINVAL));
    }

    #[test]
    fn draft_messages_and_plain_draft_values() {
        let mut o = dealer();
        for option in [opt::HELLO_MSG, opt::DISCONNECT_MSG, opt::HICCUP_MSG] {
            assert_eq!(o.set(option, b"hi"), Ok(()));
            assert_eq!(o.set(option, &[0; 1000]), Ok(()));
            assert_eq!(o.get(option), Err(Errno::EINVAL));
        }
        assert_eq!(o.hello_msg.as_deref(), Some(&[0u8; 1000][..]));
        assert_eq!(o.set(opt::HELLO_MSG, &[]), Ok(()));
        assert_eq!(o.hello_msg, None);
        assert_eq!(o.set(opt::BUSY_POLL, &i(1)), Ok(()));
        assert_eq!(o.busy_poll, 1);
        assert_eq!(o.set(opt::BUSY_POLL, &i(-5)), Ok(()));
        // libzmq 4.3.5 cannot read BUSY_POLL (EINVAL after writing it).
        assert_eq!(o.get(opt::BUSY_POLL), Err(Errno::EINVAL));
    }

    #[test]
    fn router_notify_is_for_router_only() {
        let mut r = Options::new(ROUTER, true);
        assert_eq!(r.set(opt::ROUTER_NOTIFY, &i(3)), Ok(()));
        assert_eq!(r.get(opt::ROUTER_NOTIFY), Ok(OptVal::Int(3)));
        assert_eq!(r.set(opt::ROUTER_NOTIFY, &i(4)), Err(Errno::EINVAL));
        assert_eq!(r.set(opt::ROUTER_NOTIFY, &i(-1)), Err(Errno::EINVAL));
        assert_eq!(dealer().set(opt::ROUTER_NOTIFY, &i(1)), Err(Errno::EINVAL));
    }

    #[test]
    fn security_options_are_not_supported_yet() {
        const { assert!(!SECURITY_BUILT && !GSSAPI_BUILT) };
        let mut o = dealer();
        let key = [1u8; 32];
        let cases: [(i32, &[u8]); 14] = [
            (opt::PLAIN_SERVER, &i(1)),
            (opt::PLAIN_USERNAME, b"admin"),
            (opt::PLAIN_PASSWORD, b"secret"),
            (opt::ZAP_DOMAIN, b"global"),
            (opt::CURVE_SERVER, &i(1)),
            (opt::CURVE_PUBLICKEY, &key),
            (opt::CURVE_SECRETKEY, &key),
            (opt::CURVE_SERVERKEY, &key),
            (opt::GSSAPI_SERVER, &i(1)),
            (opt::GSSAPI_PRINCIPAL, b"p"),
            (opt::GSSAPI_SERVICE_PRINCIPAL, b"s"),
            (opt::GSSAPI_PLAINTEXT, &i(1)),
            (opt::GSSAPI_PRINCIPAL_NAMETYPE, &i(1)),
            (opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, &i(1)),
        ];
        for (option, value) in cases {
            assert_eq!(o.set(option, value), Err(Errno::ENOTSUP), "option {option}");
        }
        assert_eq!(o.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_NULL)));
        assert_eq!(o.get(opt::CURVE_PUBLICKEY), Ok(OptVal::Key([0; 32])));
    }

    #[test]
    fn plain_rules_when_enabled() {
        let mut o = dealer();
        assert_eq!(o.set_security(opt::PLAIN_SERVER, Some(&i(1))), Ok(()));
        assert_eq!(o.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_PLAIN)));
        assert_eq!(o.get(opt::PLAIN_SERVER), Ok(OptVal::Int(1)));
        assert_eq!(o.get(opt::CURVE_SERVER), Ok(OptVal::Int(0)));
        assert_eq!(
            o.set_security(opt::PLAIN_SERVER, Some(&i(2))),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set_security(opt::PLAIN_SERVER, Some(&i(0))), Ok(()));
        assert_eq!(o.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_NULL)));

        let mut c = dealer();
        assert_eq!(c.set_security(opt::PLAIN_SERVER, Some(&i(1))), Ok(()));
        assert_eq!(c.set_security(opt::PLAIN_USERNAME, Some(b"admin")), Ok(()));
        assert_eq!(
            c.set_security(opt::PLAIN_PASSWORD, Some(b"password")),
            Ok(())
        );
        assert_eq!(c.get(opt::PLAIN_USERNAME), Ok(OptVal::Str("admin".into())));
        assert_eq!(
            c.get(opt::PLAIN_PASSWORD),
            Ok(OptVal::Str("password".into()))
        );
        assert_eq!(c.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_PLAIN)));
        // A username makes this side the client.
        assert_eq!(c.get(opt::PLAIN_SERVER), Ok(OptVal::Int(0)));
        assert!(!c.as_server());
        assert_eq!(
            c.set_security(opt::PLAIN_USERNAME, Some(&[b'u'; 256])),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            c.set_security(opt::PLAIN_USERNAME, Some(&[])),
            Err(Errno::EINVAL)
        );
        assert_eq!(c.set_security(opt::PLAIN_USERNAME, None), Ok(()));
        assert_eq!(c.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_NULL)));

        assert_eq!(c.set_security(opt::ZAP_DOMAIN, Some(b"global")), Ok(()));
        assert_eq!(c.get(opt::ZAP_DOMAIN), Ok(OptVal::Str("global".into())));
        assert_eq!(
            c.set_security(opt::ZAP_DOMAIN, Some(&[b'd'; 256])),
            Err(Errno::EINVAL)
        );
        assert_eq!(c.set_security(opt::ZAP_DOMAIN, None), Err(Errno::EINVAL));
    }

    #[test]
    fn curve_rules_when_enabled() {
        let public = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
        let raw = z85::decode_key(public.as_bytes()).unwrap();
        let mut o = dealer();
        assert_eq!(o.set_security(opt::CURVE_SERVER, Some(&i(1))), Ok(()));
        assert_eq!(o.get(opt::CURVE_SERVER), Ok(OptVal::Int(1)));
        assert_eq!(o.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_CURVE)));
        assert_eq!(
            o.set_security(opt::CURVE_PUBLICKEY, Some(public.as_bytes())),
            Ok(())
        );
        assert_eq!(o.get(opt::CURVE_PUBLICKEY), Ok(OptVal::Key(raw)));
        let mut with_nul = public.as_bytes().to_vec();
        with_nul.push(0);
        assert_eq!(
            o.set_security(opt::CURVE_SECRETKEY, Some(&with_nul)),
            Ok(())
        );
        assert_eq!(o.curve_secretkey, raw);
        assert!(o.as_server());
        assert_eq!(o.set_security(opt::CURVE_SERVERKEY, Some(&raw)), Ok(()));
        assert_eq!(o.curve_serverkey, raw);
        // A server key makes this side the client.
        assert!(!o.as_server());
        assert_eq!(o.get(opt::CURVE_SERVER), Ok(OptVal::Int(0)));
        assert_eq!(
            o.set_security(opt::CURVE_PUBLICKEY, Some(&[0; 31])),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.set_security(opt::CURVE_PUBLICKEY, None),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set_security(opt::CURVE_SERVER, Some(&i(0))), Ok(()));
        assert_eq!(o.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_NULL)));
    }

    #[test]
    fn gssapi_rules_when_enabled() {
        let mut o = dealer();
        assert_eq!(o.set_gssapi(opt::GSSAPI_SERVER, Some(&i(1))), Ok(()));
        assert_eq!(o.get(opt::GSSAPI_SERVER), Ok(OptVal::Int(1)));
        assert_eq!(o.get(opt::MECHANISM), Ok(OptVal::Int(MECHANISM_GSSAPI)));
        assert_eq!(o.set_gssapi(opt::GSSAPI_PRINCIPAL, Some(b"me")), Ok(()));
        assert_eq!(o.get(opt::GSSAPI_PRINCIPAL), Ok(OptVal::Str("me".into())));
        assert!(o.as_server());
        assert_eq!(
            o.set_gssapi(opt::GSSAPI_SERVICE_PRINCIPAL, Some(b"svc")),
            Ok(())
        );
        assert!(!o.as_server());
        assert_eq!(
            o.set_gssapi(opt::GSSAPI_PRINCIPAL, None),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.set_gssapi(opt::GSSAPI_PRINCIPAL_NAMETYPE, Some(&i(2))),
            Ok(())
        );
        assert_eq!(o.get(opt::GSSAPI_PRINCIPAL_NAMETYPE), Ok(OptVal::Int(2)));
        assert_eq!(
            o.set_gssapi(opt::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, Some(&i(3))),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set_gssapi(opt::GSSAPI_PLAINTEXT, Some(&i(1))), Ok(()));
        assert_eq!(o.get(opt::GSSAPI_PLAINTEXT), Ok(OptVal::Int(1)));
        assert_eq!(
            o.set_gssapi(opt::GSSAPI_PLAINTEXT, Some(&i(2))),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn curve_key_parsing() {
        let text = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
        let raw = z85::decode_key(text.as_bytes()).unwrap();
        assert_eq!(parse_curve_key(text.as_bytes()), Ok(raw));
        let mut nul = text.as_bytes().to_vec();
        nul.push(0);
        assert_eq!(parse_curve_key(&nul), Ok(raw));
        assert_eq!(parse_curve_key(&raw), Ok(raw));
        // 41 bytes without the NUL, bad Z85, wrong lengths.
        let mut no_nul = text.as_bytes().to_vec();
        no_nul.push(b'0');
        assert_eq!(parse_curve_key(&no_nul), Err(Errno::EINVAL));
        assert_eq!(parse_curve_key(&[b' '; 40]), Err(Errno::EINVAL));
        assert_eq!(parse_curve_key(&[b'#'; 40]), Err(Errno::EINVAL)); // overflow
        let mut early_nul = text.as_bytes().to_vec();
        early_nul[35] = 0;
        assert_eq!(parse_curve_key(&early_nul), Err(Errno::EINVAL));
        for len in [0, 1, 31, 33, 39, 42, 64] {
            assert_eq!(
                parse_curve_key(&vec![b'0'; len]),
                Err(Errno::EINVAL),
                "len {len}"
            );
        }
    }

    #[test]
    fn plain_credential_parsing() {
        assert_eq!(parse_plain_credential(None), Ok(None));
        assert_eq!(
            parse_plain_credential(Some(b"admin")),
            Ok(Some("admin".into()))
        );
        assert_eq!(
            parse_plain_credential(Some(&[b'a'; 255])),
            Ok(Some("a".repeat(255)))
        );
        assert_eq!(
            parse_plain_credential(Some(&[b'a'; 256])),
            Err(Errno::EINVAL)
        );
        assert_eq!(parse_plain_credential(Some(&[])), Err(Errno::EINVAL));
    }

    #[test]
    fn unknown_and_foreign_options_are_einval() {
        let mut o = dealer();
        // Unknown numbers, socket-type options, ctx options, transports not built.
        let foreign = [
            -1,
            0,
            1,
            2,
            3,
            10,
            20,
            26,
            29,
            30,
            67,
            82,
            83,
            125,
            1000,
            opt::SUBSCRIBE,
            opt::UNSUBSCRIBE,
            opt::ROUTER_MANDATORY,
            opt::XPUB_VERBOSE,
            opt::ROUTER_RAW,
            opt::PROBE_ROUTER,
            opt::REQ_CORRELATE,
            opt::REQ_RELAXED,
            opt::ROUTER_HANDOVER,
            opt::XPUB_NODROP,
            opt::BLOCKY,
            opt::XPUB_MANUAL,
            opt::XPUB_WELCOME_MSG,
            opt::STREAM_NOTIFY,
            opt::XPUB_VERBOSER,
            opt::XPUB_MANUAL_LAST_VALUE,
            opt::ONLY_FIRST_SUBSCRIBE,
            opt::XSUB_VERBOSE_UNSUBSCRIBE,
            opt::TOPICS_COUNT,
            opt::WSS_KEY_PEM,
            opt::WSS_CERT_PEM,
            opt::WSS_TRUST_PEM,
            opt::WSS_HOSTNAME,
            opt::WSS_TRUST_SYSTEM,
            opt::VMCI_BUFFER_SIZE,
            opt::VMCI_BUFFER_MIN_SIZE,
            opt::VMCI_BUFFER_MAX_SIZE,
            opt::VMCI_CONNECT_TIMEOUT,
        ];
        for option in foreign.into_iter().chain(opt::NORM_MODE..=opt::NORM_PUSH) {
            assert_eq!(o.set(option, &i(1)), Err(Errno::EINVAL), "set {option}");
            assert_eq!(
                o.set(option, &1u64.to_ne_bytes()),
                Err(Errno::EINVAL),
                "set {option}"
            );
            assert_eq!(o.get(option), Err(Errno::EINVAL), "get {option}");
        }
        // The socket answers these itself.
        for option in [
            opt::RCVMORE,
            opt::FD,
            opt::EVENTS,
            opt::LAST_ENDPOINT,
            opt::THREAD_SAFE,
        ] {
            assert_eq!(o.get(option), Err(Errno::EINVAL), "get {option}");
            assert_eq!(o.set(option, &i(1)), Err(Errno::EINVAL), "set {option}");
        }
        // Read-only ones.
        assert_eq!(o.set(opt::TYPE, &i(1)), Err(Errno::EINVAL));
        assert_eq!(o.set(opt::MECHANISM, &i(1)), Err(Errno::EINVAL));
    }

    #[test]
    fn write_optval_length_rules() {
        let mut buf = [0xEEu8; 16];
        assert_eq!(write_optval(&OptVal::Int(-2), &mut buf[..4]), Ok(4));
        assert_eq!(&buf[..4], &(-2i32).to_ne_bytes());
        assert_eq!(
            write_optval(&OptVal::Int(7), &mut buf[..3]),
            Err(Errno::EINVAL)
        );
        buf = [0xEE; 16];
        assert_eq!(write_optval(&OptVal::Int(7), &mut buf[..8]), Ok(4));
        assert_eq!(&buf[..8], &[7, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(buf[8], 0xEE);

        assert_eq!(write_optval(&OptVal::I64(-1), &mut buf[..8]), Ok(8));
        assert_eq!(&buf[..8], &[0xFF; 8]);
        assert_eq!(
            write_optval(&OptVal::U64(1), &mut buf[..4]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            write_optval(&OptVal::I64(1), &mut buf[..7]),
            Err(Errno::EINVAL)
        );

        buf = [0xEE; 16];
        assert_eq!(
            write_optval(&OptVal::Str("abc".into()), &mut buf[..4]),
            Ok(4)
        );
        assert_eq!(&buf[..4], b"abc\0");
        assert_eq!(
            write_optval(&OptVal::Str("abc".into()), &mut buf[..3]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            write_optval(&OptVal::Str(String::new()), &mut buf[..1]),
            Ok(1)
        );
        assert_eq!(
            write_optval(&OptVal::Str(String::new()), &mut []),
            Err(Errno::EINVAL)
        );

        buf = [0xEE; 16];
        assert_eq!(
            write_optval(&OptVal::Bytes(b"id".to_vec()), &mut buf[..5]),
            Ok(2)
        );
        assert_eq!(&buf[..6], b"id\0\0\0\xEE");
        assert_eq!(
            write_optval(&OptVal::Bytes(b"id".to_vec()), &mut buf[..1]),
            Err(Errno::EINVAL)
        );
        assert_eq!(write_optval(&OptVal::Bytes(Vec::new()), &mut []), Ok(0));
    }

    #[test]
    fn write_key_rules() {
        let text = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
        let key = OptVal::Key(z85::decode_key(text.as_bytes()).unwrap());
        let mut raw = [0u8; 32];
        assert_eq!(write_optval(&key, &mut raw), Ok(32));
        assert_eq!(OptVal::Key(raw), key);
        let mut z = [0xEEu8; 41];
        assert_eq!(write_optval(&key, &mut z), Ok(41));
        assert_eq!(&z[..40], text.as_bytes());
        assert_eq!(z[40], 0);
        let mut big = [0xEEu8; 64];
        assert_eq!(write_optval(&key, &mut big), Ok(41));
        assert_eq!(write_optval_exact(&key, &mut big), Err(Errno::EINVAL));
        assert_eq!(write_optval_exact(&key, &mut z), Ok(41));
        for len in [0, 31, 33, 40] {
            assert_eq!(
                write_optval(&key, &mut vec![0; len]),
                Err(Errno::EINVAL),
                "len {len}"
            );
        }
    }

    #[test]
    fn exact_rules_for_table_options() {
        let mut buf = [0u8; 8];
        assert_eq!(write_optval_exact(&OptVal::Int(1), &mut buf[..4]), Ok(4));
        assert_eq!(
            write_optval_exact(&OptVal::Int(1), &mut buf),
            Err(Errno::EINVAL)
        );
        assert_eq!(write_optval_exact(&OptVal::I64(1), &mut buf), Ok(8));
        assert_eq!(
            write_optval_exact(&OptVal::U64(1), &mut [0; 16]),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            write_optval_exact(&OptVal::Str("a".into()), &mut [0; 16]),
            Ok(2)
        );
        // The socket's own options accept bigger buffers, the table's do not.
        assert_eq!(
            write_getsockopt(opt::RCVMORE, &OptVal::Int(0), &mut buf),
            Ok(4)
        );
        assert_eq!(
            write_getsockopt(opt::EVENTS, &OptVal::Int(2), &mut buf),
            Ok(4)
        );
        assert_eq!(
            write_getsockopt(opt::LINGER, &OptVal::Int(0), &mut buf),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            write_getsockopt(opt::LINGER, &OptVal::Int(0), &mut buf[..4]),
            Ok(4)
        );
        assert_eq!(
            write_getsockopt(opt::MAXMSGSIZE, &OptVal::I64(0), &mut buf),
            Ok(8)
        );
        assert_eq!(
            write_getsockopt(opt::ROUTING_ID, &OptVal::Bytes(vec![1]), &mut buf),
            Ok(1)
        );
    }
}
