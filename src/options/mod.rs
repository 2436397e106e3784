//! Socket options: one struct with libzmq's defaults (here), the table that
//! validates `zmq_setsockopt` values ([`set`](mod@set)), the table that
//! produces `zmq_getsockopt` values and writes them for C ([`get`](mod@get)),
//! and the parsed ZMQ_TCP_ACCEPT_FILTER ([`accept_filter`]). Option numbers
//! are the `ZMQ_*` constants of [`crate::constants`].
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
//! - the GSSAPI options give EINVAL on write and read, as in a libzmq built
//!   without GSSAPI (the PyPI wheel's; `zmq_has("gssapi")` is 0).
//!
//! C passes `(NULL, 0)` to reset some string options; [`Options::set`] treats
//! an empty value as that NULL. [`Options::set_nullable`] keeps the
//! difference for callers that have it.

mod accept_filter;
mod get;
mod set;
#[cfg(test)]
mod tests;

pub use accept_filter::TcpAcceptFilter;
pub use get::{write_getsockopt, write_optval, write_optval_exact};
pub use set::{parse_curve_key, parse_plain_credential};

use crate::constants::{ZMQ_DEALER, ZMQ_ROUTER, ZMQ_STREAM, ZMQ_SUB, ZMQ_XSUB};
use crate::secret::Secret;
use crate::transport::SockOpts;

/// GSSAPI is implemented (never planned so far). While false its options
/// are unknown (EINVAL on set and get), as in libzmq built without it.
pub const GSSAPI_BUILT: bool = false;
/// The VMCI transport exists. libzmq built without it gives EINVAL for the
/// VMCI options, as we do while this is false.
pub const VMCI_BUILT: bool = false;

/// Length of a CURVE key in binary form.
pub const CURVE_KEY_LEN: usize = 32;
/// Length of a CURVE key in Z85 form, without the NUL.
pub const CURVE_KEY_Z85_LEN: usize = 40;

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
    pub plain_password: Secret<String>,
    pub curve_server: bool,
    pub curve_publickey: [u8; 32],
    pub curve_secretkey: Secret<[u8; 32]>,
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
    /// Set once `zmq_disconnect` succeeded on this socket; shared by every
    /// copy of these options (its connecters read it for
    /// ZMQ_RECONNECT_STOP_AFTER_DISCONNECT, libzmq's `is_disconnected`).
    pub disconnected: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Connections speak no ZMTP: raw bytes both ways (STREAM, and ROUTER
    /// after ZMQ_ROUTER_RAW; libzmq's `raw_socket`).
    pub raw_socket: bool,
    /// A raw connection's connect and disconnect are told to the socket as
    /// an empty message (ZMQ_STREAM_NOTIFY, default on; libzmq's `raw_notify`).
    pub raw_notify: bool,
}

impl Options {
    /// The options the transport layer applies to a tcp/ipc socket.
    pub fn sock_opts(&self) -> SockOpts {
        SockOpts {
            sndbuf: self.sndbuf,
            rcvbuf: self.rcvbuf,
            tos: self.tos,
            keepalive: self.tcp_keepalive,
            keepalive_cnt: self.tcp_keepalive_cnt,
            keepalive_idle: self.tcp_keepalive_idle,
            keepalive_intvl: self.tcp_keepalive_intvl,
            maxrt: self.tcp_maxrt,
            backlog: self.backlog,
            ipv6: self.ipv6,
            bindtodevice: (!self.bindtodevice.is_empty()).then(|| self.bindtodevice.clone()),
            priority: self.priority,
            busy_poll: self.busy_poll,
        }
    }

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
            linger: if !blocky || socket_type == ZMQ_SUB || socket_type == ZMQ_XSUB {
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
            plain_password: Secret::default(),
            curve_server: false,
            curve_publickey: [0; 32],
            curve_secretkey: Secret::default(),
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
            hello_msg: None,
            disconnect_msg: None,
            hiccup_msg: None,
            busy_poll: 0,
            tcp_accept_filters: Vec::new(),
            vmci_buffer_size: 0,
            vmci_buffer_min_size: 0,
            vmci_buffer_max_size: 0,
            vmci_connect_timeout: -1,
            recv_routing_id: socket_type == ZMQ_ROUTER || socket_type == ZMQ_STREAM,
            tcp_accept_filter_masks: Vec::new(),
            ipc_uid_accept_filters: Vec::new(),
            ipc_gid_accept_filters: Vec::new(),
            ipc_pid_accept_filters: Vec::new(),
            invert_matching: false,
            router_notify: 0,
            disconnected: Default::default(),
            raw_socket: socket_type == ZMQ_STREAM,
            raw_notify: true,
        }
    }

    /// ZMQ_HELLO_MSG is sent by this socket type (libzmq's
    /// `can_send_hello_msg`: ROUTER, DEALER and the draft SERVER, CLIENT,
    /// PEER); other types accept the option and send nothing, as libzmq.
    pub fn can_send_hello_msg(&self) -> bool {
        matches!(self.socket_type, ZMQ_ROUTER | ZMQ_DEALER)
    }

    /// ZMQ_DISCONNECT_MSG is received by this socket type
    /// (`can_recv_disconnect_msg`: ROUTER, and the draft SERVER and PEER).
    pub fn can_recv_disconnect_msg(&self) -> bool {
        self.socket_type == ZMQ_ROUTER
    }

    /// ZMQ_HICCUP_MSG is received by this socket type
    /// (`can_recv_hiccup_msg`: DEALER, and the draft CLIENT and PEER).
    pub fn can_recv_hiccup_msg(&self) -> bool {
        self.socket_type == ZMQ_DEALER
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
}
