//! Socket options: one struct with libzmq's defaults, and one table that
//! validates `zmq_setsockopt` values and produces `zmq_getsockopt` values.
//!
//! Options specific to one socket type (SUBSCRIBE, ROUTER_MANDATORY, ...) are
//! offered to the socket's pattern first (`socket::Pattern::setsockopt`); what
//! it does not claim lands here. Values are copied into listeners, connecters
//! and sessions at bind/connect time (BEHAVIOUR P6), except the HWMs.

use crate::error::{Errno, Result};

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
    pub connect_routing_id: Vec<u8>,
    pub bindtodevice: String,
    pub socks_proxy: String,
    pub socks_username: String,
    pub socks_password: String,
    pub zap_domain: String,
    pub zap_enforce_domain: bool,
    /// ZMQ_NULL, ZMQ_PLAIN or ZMQ_CURVE (read-only ZMQ_MECHANISM).
    pub mechanism: i32,
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
    pub ipv4only: bool,
    /// ZMQ_METADATA: user properties ("X-name", value) sent in READY.
    pub metadata: Vec<(String, Vec<u8>)>,
    pub loopback_fastpath: bool,
    pub multicast_loop: bool,
    pub in_batch_size: i32,
    pub out_batch_size: i32,
    pub hello_msg: Option<Vec<u8>>,
    pub disconnect_msg: Option<Vec<u8>>,
    pub hiccup_msg: Option<Vec<u8>>,
    pub busy_poll: i32,
    pub tcp_accept_filters: Vec<String>,
    pub vmci_buffer_size: u64,
    pub vmci_buffer_min_size: u64,
    pub vmci_buffer_max_size: u64,
    pub vmci_connect_timeout: i32,
    /// True for socket types that receive routing ids from peers (ROUTER, STREAM).
    pub recv_routing_id: bool,
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
            linger: if blocky { -1 } else { 0 },
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
            recv_routing_id: socket_type == 6 || socket_type == 11,
        }
    }

    /// Applies `zmq_setsockopt(option, value)`. EINVAL for an unknown option
    /// or a bad value or length (`zmq_setsockopt.adoc`).
    pub fn set(&mut self, option: i32, value: &[u8]) -> Result<()> {
        let _ = (option, value);
        Err(Errno::EINVAL)
    }

    /// Reads `zmq_getsockopt(option)`. EINVAL for an unknown option.
    pub fn get(&self, option: i32) -> Result<OptVal> {
        let _ = option;
        Err(Errno::EINVAL)
    }
}

/// Writes an option value into a `zmq_getsockopt` buffer following libzmq's
/// length rules; returns the length to report back.
pub fn write_optval(v: &OptVal, buf: &mut [u8]) -> Result<usize> {
    let _ = (v, buf);
    Err(Errno::EINVAL)
}
