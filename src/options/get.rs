//! `zmq_getsockopt` for the options every socket type shares, and the
//! length rules for writing a value into the caller's buffer.

use super::{OptVal, Options, CURVE_KEY_LEN, CURVE_KEY_Z85_LEN, GSSAPI_BUILT, VMCI_BUILT};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::z85;

impl Options {
    /// Reads `zmq_getsockopt(option)`. EINVAL for an unknown or write-only
    /// option. RCVMORE, FD, EVENTS, LAST_ENDPOINT and THREAD_SAFE are the
    /// socket's own and give EINVAL here.
    pub fn get(&self, option: i32) -> Result<OptVal> {
        use OptVal::{Int, Key, Str, I64, U64};
        let b = |on: bool| Int(i32::from(on));
        Ok(match option {
            ZMQ_SNDHWM => Int(self.sndhwm),
            ZMQ_RCVHWM => Int(self.rcvhwm),
            ZMQ_AFFINITY => U64(self.affinity),
            ZMQ_ROUTING_ID => OptVal::Bytes(self.routing_id.clone()),
            ZMQ_RATE => Int(self.rate),
            ZMQ_RECOVERY_IVL => Int(self.recovery_ivl),
            ZMQ_SNDBUF => Int(self.sndbuf),
            ZMQ_RCVBUF => Int(self.rcvbuf),
            ZMQ_TOS => Int(self.tos),
            ZMQ_TYPE => Int(self.socket_type),
            ZMQ_LINGER => Int(self.linger),
            ZMQ_CONNECT_TIMEOUT => Int(self.connect_timeout),
            ZMQ_TCP_MAXRT => Int(self.tcp_maxrt),
            ZMQ_RECONNECT_STOP => Int(self.reconnect_stop),
            ZMQ_RECONNECT_IVL => Int(self.reconnect_ivl),
            ZMQ_RECONNECT_IVL_MAX => Int(self.reconnect_ivl_max),
            ZMQ_BACKLOG => Int(self.backlog),
            ZMQ_MAXMSGSIZE => I64(self.maxmsgsize),
            ZMQ_MULTICAST_HOPS => Int(self.multicast_hops),
            ZMQ_MULTICAST_MAXTPDU => Int(self.multicast_maxtpdu),
            ZMQ_RCVTIMEO => Int(self.rcvtimeo),
            ZMQ_SNDTIMEO => Int(self.sndtimeo),
            ZMQ_IPV4ONLY => b(!self.ipv6),
            ZMQ_IPV6 => b(self.ipv6),
            ZMQ_IMMEDIATE => b(self.immediate),
            ZMQ_SOCKS_PROXY => Str(self.socks_proxy.clone()),
            ZMQ_SOCKS_USERNAME => Str(self.socks_username.clone()),
            ZMQ_SOCKS_PASSWORD => Str(self.socks_password.clone()),
            ZMQ_TCP_KEEPALIVE => Int(self.tcp_keepalive),
            ZMQ_TCP_KEEPALIVE_CNT => Int(self.tcp_keepalive_cnt),
            ZMQ_TCP_KEEPALIVE_IDLE => Int(self.tcp_keepalive_idle),
            ZMQ_TCP_KEEPALIVE_INTVL => Int(self.tcp_keepalive_intvl),
            ZMQ_MECHANISM => Int(self.mechanism),
            ZMQ_PLAIN_SERVER => b(self.as_server() && self.mechanism == ZMQ_PLAIN),
            ZMQ_PLAIN_USERNAME => Str(self.plain_username.clone()),
            ZMQ_PLAIN_PASSWORD => Str(self.plain_password.to_string()),
            ZMQ_ZAP_DOMAIN => Str(self.zap_domain.clone()),
            ZMQ_CURVE_SERVER => b(self.as_server() && self.mechanism == ZMQ_CURVE),
            ZMQ_CURVE_PUBLICKEY => Key(self.curve_publickey),
            ZMQ_CURVE_SECRETKEY => Key(*self.curve_secretkey),
            ZMQ_CURVE_SERVERKEY => Key(self.curve_serverkey),
            ZMQ_CONFLATE => b(self.conflate),
            ZMQ_GSSAPI_SERVER if GSSAPI_BUILT => {
                b(self.as_server() && self.mechanism == ZMQ_GSSAPI)
            }
            ZMQ_GSSAPI_PRINCIPAL if GSSAPI_BUILT => Str(self.gssapi_principal.clone()),
            ZMQ_GSSAPI_SERVICE_PRINCIPAL if GSSAPI_BUILT => {
                Str(self.gssapi_service_principal.clone())
            }
            ZMQ_GSSAPI_PLAINTEXT if GSSAPI_BUILT => b(self.gssapi_plaintext),
            ZMQ_GSSAPI_PRINCIPAL_NAMETYPE if GSSAPI_BUILT => Int(self.gssapi_principal_nametype),
            ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE if GSSAPI_BUILT => {
                Int(self.gssapi_service_principal_nametype)
            }
            ZMQ_HANDSHAKE_IVL => Int(self.handshake_ivl),
            ZMQ_INVERT_MATCHING => b(self.invert_matching),
            ZMQ_HEARTBEAT_IVL => Int(self.heartbeat_ivl),
            ZMQ_HEARTBEAT_TTL => Int(self.heartbeat_ttl),
            ZMQ_HEARTBEAT_TIMEOUT => Int(self.heartbeat_timeout),
            ZMQ_VMCI_BUFFER_SIZE if VMCI_BUILT => U64(self.vmci_buffer_size),
            ZMQ_VMCI_BUFFER_MIN_SIZE if VMCI_BUILT => U64(self.vmci_buffer_min_size),
            ZMQ_VMCI_BUFFER_MAX_SIZE if VMCI_BUILT => U64(self.vmci_buffer_max_size),
            ZMQ_VMCI_CONNECT_TIMEOUT if VMCI_BUILT => Int(self.vmci_connect_timeout),
            ZMQ_USE_FD => Int(self.use_fd),
            ZMQ_BINDTODEVICE => Str(self.bindtodevice.clone()),
            ZMQ_ZAP_ENFORCE_DOMAIN => b(self.zap_enforce_domain),
            ZMQ_LOOPBACK_FASTPATH => b(self.loopback_fastpath),
            ZMQ_MULTICAST_LOOP => b(self.multicast_loop),
            ZMQ_ROUTER_NOTIFY => Int(self.router_notify),
            ZMQ_PRIORITY => Int(self.priority),
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
        ZMQ_RCVMORE | ZMQ_FD | ZMQ_EVENTS | ZMQ_LAST_ENDPOINT | ZMQ_THREAD_SAFE
        | ZMQ_TOPICS_COUNT => write_optval(v, buf),
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
