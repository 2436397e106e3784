//! `zmq_setsockopt` for the options every socket type shares: the table of
//! options with libzmq's range and length checks, and the value parsers.

use super::{Options, GSSAPI_BUILT, VMCI_BUILT};
use super::{TcpAcceptFilter, CURVE_KEY_LEN, CURVE_KEY_Z85_LEN};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::secret::Secret;
use crate::z85;

impl Options {
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
            ZMQ_SNDHWM => self.sndhwm = int_at_least(v, 0)?,
            ZMQ_RCVHWM => self.rcvhwm = int_at_least(v, 0)?,
            ZMQ_AFFINITY => self.affinity = u64::from_ne_bytes(exact(v)?),
            ZMQ_ROUTING_ID => {
                // Any binary string of 1 to 255 bytes; a leading 0 is allowed (I2).
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.routing_id = v.to_vec();
            }
            ZMQ_RATE => self.rate = int_at_least(v, 1)?,
            ZMQ_RECOVERY_IVL => self.recovery_ivl = int_at_least(v, 0)?,
            ZMQ_SNDBUF => self.sndbuf = int_at_least(v, -1)?,
            ZMQ_RCVBUF => self.rcvbuf = int_at_least(v, -1)?,
            ZMQ_TOS => self.tos = int_at_least(v, 0)?,
            ZMQ_LINGER => self.linger = int_at_least(v, -1)?,
            ZMQ_CONNECT_TIMEOUT => self.connect_timeout = int_at_least(v, 0)?,
            ZMQ_TCP_MAXRT => self.tcp_maxrt = int_at_least(v, 0)?,
            ZMQ_RECONNECT_STOP => self.reconnect_stop = int(v)?,
            ZMQ_RECONNECT_IVL => self.reconnect_ivl = int_at_least(v, -1)?,
            ZMQ_RECONNECT_IVL_MAX => self.reconnect_ivl_max = int_at_least(v, 0)?,
            ZMQ_BACKLOG => self.backlog = int_at_least(v, 0)?,
            ZMQ_MAXMSGSIZE => self.maxmsgsize = i64::from_ne_bytes(exact(v)?),
            ZMQ_MULTICAST_HOPS => self.multicast_hops = int_at_least(v, 1)?,
            ZMQ_MULTICAST_MAXTPDU => self.multicast_maxtpdu = int_at_least(v, 1)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = int_at_least(v, -1)?,
            ZMQ_SNDTIMEO => self.sndtimeo = int_at_least(v, -1)?,
            ZMQ_IPV4ONLY => {
                let only = bool_strict(v)?;
                self.ipv6 = !only;
                self.ipv4only = only;
            }
            ZMQ_IPV6 => {
                let on = bool_strict(v)?;
                self.ipv6 = on;
                self.ipv4only = !on;
            }
            ZMQ_SOCKS_PROXY => self.socks_proxy = string_allow_empty(value, usize::MAX)?,
            ZMQ_SOCKS_USERNAME => self.socks_username = socks_credential(value)?,
            ZMQ_SOCKS_PASSWORD => self.socks_password = socks_credential(value)?,
            ZMQ_TCP_KEEPALIVE => self.tcp_keepalive = int_in(v, -1, 1)?,
            ZMQ_TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = int_at_least(v, -1)?,
            ZMQ_TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = int_at_least(v, -1)?,
            ZMQ_TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = int_at_least(v, -1)?,
            ZMQ_IMMEDIATE => self.immediate = bool_strict(v)?,
            ZMQ_TCP_ACCEPT_FILTER => {
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
            ZMQ_IPC_FILTER_UID => {
                set_filter(&mut self.ipc_uid_accept_filters, value, u32::from_ne_bytes)?
            }
            ZMQ_IPC_FILTER_GID => {
                set_filter(&mut self.ipc_gid_accept_filters, value, u32::from_ne_bytes)?
            }
            ZMQ_IPC_FILTER_PID => {
                set_filter(&mut self.ipc_pid_accept_filters, value, i32::from_ne_bytes)?
            }
            ZMQ_PLAIN_SERVER | ZMQ_PLAIN_USERNAME | ZMQ_PLAIN_PASSWORD | ZMQ_ZAP_DOMAIN
            | ZMQ_CURVE_SERVER | ZMQ_CURVE_PUBLICKEY | ZMQ_CURVE_SECRETKEY
            | ZMQ_CURVE_SERVERKEY => self.set_security(option, value)?,
            ZMQ_GSSAPI_SERVER
            | ZMQ_GSSAPI_PRINCIPAL
            | ZMQ_GSSAPI_SERVICE_PRINCIPAL
            | ZMQ_GSSAPI_PLAINTEXT
            | ZMQ_GSSAPI_PRINCIPAL_NAMETYPE
            | ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => {
                // libzmq built without GSSAPI does not know these options.
                if !GSSAPI_BUILT {
                    return Err(Errno::EINVAL);
                }
                self.set_gssapi(option, value)?;
            }
            ZMQ_CONFLATE => self.conflate = bool_strict(v)?,
            ZMQ_HANDSHAKE_IVL => self.handshake_ivl = int_at_least(v, 0)?,
            ZMQ_INVERT_MATCHING => self.invert_matching = bool_relaxed(v)?,
            ZMQ_HEARTBEAT_IVL => self.heartbeat_ivl = int_at_least(v, 0)?,
            ZMQ_HEARTBEAT_TTL => {
                // Kept in deciseconds on the wire (16 bits): truncate, as
                // libzmq does before its range check (-99..=6553599 pass).
                let deciseconds = int(v)? / 100;
                if !(0..=i32::from(u16::MAX)).contains(&deciseconds) {
                    return Err(Errno::EINVAL);
                }
                self.heartbeat_ttl = deciseconds * 100;
            }
            ZMQ_HEARTBEAT_TIMEOUT => self.heartbeat_timeout = int_at_least(v, 0)?,
            ZMQ_VMCI_BUFFER_SIZE | ZMQ_VMCI_BUFFER_MIN_SIZE | ZMQ_VMCI_BUFFER_MAX_SIZE
                if VMCI_BUILT =>
            {
                let size = u64::from_ne_bytes(exact(v)?);
                match option {
                    ZMQ_VMCI_BUFFER_SIZE => self.vmci_buffer_size = size,
                    ZMQ_VMCI_BUFFER_MIN_SIZE => self.vmci_buffer_min_size = size,
                    _ => self.vmci_buffer_max_size = size,
                }
            }
            ZMQ_VMCI_CONNECT_TIMEOUT if VMCI_BUILT => self.vmci_connect_timeout = int(v)?,
            ZMQ_USE_FD => self.use_fd = int_at_least(v, -1)?,
            // IFNAMSIZ on Linux.
            ZMQ_BINDTODEVICE => self.bindtodevice = string_allow_empty(value, 16)?,
            ZMQ_ZAP_ENFORCE_DOMAIN => self.zap_enforce_domain = bool_relaxed(v)?,
            ZMQ_LOOPBACK_FASTPATH => self.loopback_fastpath = bool_relaxed(v)?,
            ZMQ_METADATA => {
                let (name, val) = parse_metadata(v)?;
                if let Err(at) = self
                    .metadata
                    .binary_search_by(|(n, _)| n.as_str().cmp(&name))
                {
                    self.metadata.insert(at, (name, val));
                }
            }
            ZMQ_MULTICAST_LOOP => self.multicast_loop = bool_relaxed(v)?,
            ZMQ_HELLO_MSG => self.hello_msg = nonempty(v),
            ZMQ_DISCONNECT_MSG => self.disconnect_msg = nonempty(v),
            ZMQ_HICCUP_MSG => self.hiccup_msg = nonempty(v),
            ZMQ_PRIORITY => self.priority = int_at_least(v, 0)?,
            ZMQ_BUSY_POLL => self.busy_poll = int(v)?,
            // ROUTER and STREAM (routing_socket_base_t); their pattern may
            // claim it first. Non-empty (I4), at most 255 bytes.
            // (By type: a ROUTER_RAW socket receives no ids yet takes it.)
            ZMQ_CONNECT_ROUTING_ID if matches!(self.socket_type, ZMQ_ROUTER | ZMQ_STREAM) => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.connect_routing_id = v.to_vec();
            }
            // ROUTER only (router_t); its pattern may claim it first.
            ZMQ_ROUTER_NOTIFY if self.socket_type == ZMQ_ROUTER => {
                self.router_notify = int_in(v, 0, 3)?
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// PLAIN, CURVE and ZAP_DOMAIN, as libzmq applies them.
    pub(super) fn set_security(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        let v = value.unwrap_or(&[]);
        match option {
            ZMQ_PLAIN_SERVER => {
                let on = bool_strict(v)?;
                self.set_as_server(on);
                self.mechanism = if on { ZMQ_PLAIN } else { ZMQ_NULL };
            }
            ZMQ_PLAIN_USERNAME | ZMQ_PLAIN_PASSWORD => match parse_plain_credential(value)? {
                None => self.mechanism = ZMQ_NULL,
                Some(text) => {
                    if option == ZMQ_PLAIN_USERNAME {
                        self.plain_username = text;
                    } else {
                        self.plain_password = Secret::new(text);
                    }
                    self.set_as_server(false);
                    self.mechanism = ZMQ_PLAIN;
                }
            },
            ZMQ_ZAP_DOMAIN => {
                // libzmq's "allow empty relaxed" string: NULL with size 0
                // clears it; otherwise 1..=255 bytes.
                if value.is_none() {
                    self.zap_domain.clear();
                    return Ok(());
                }
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.zap_domain = text(v)?;
            }
            ZMQ_CURVE_SERVER => {
                let on = bool_strict(v)?;
                self.set_as_server(on);
                self.mechanism = if on { ZMQ_CURVE } else { ZMQ_NULL };
            }
            ZMQ_CURVE_PUBLICKEY => {
                self.curve_publickey = parse_curve_key(v)?;
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SECRETKEY => {
                self.curve_secretkey = Secret::new(parse_curve_key(v)?);
                self.mechanism = ZMQ_CURVE;
            }
            ZMQ_CURVE_SERVERKEY => {
                self.curve_serverkey = parse_curve_key(v)?;
                self.set_as_server(false);
                self.mechanism = ZMQ_CURVE;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// GSSAPI options, as libzmq applies them (behind [`GSSAPI_BUILT`]).
    pub(super) fn set_gssapi(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        let v = value.unwrap_or(&[]);
        match option {
            ZMQ_GSSAPI_SERVER => {
                self.set_as_server(bool_strict(v)?);
                self.mechanism = ZMQ_GSSAPI;
            }
            ZMQ_GSSAPI_PRINCIPAL | ZMQ_GSSAPI_SERVICE_PRINCIPAL => {
                if v.is_empty() || v.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                let name = text(v)?;
                if option == ZMQ_GSSAPI_PRINCIPAL {
                    self.gssapi_principal = name;
                } else {
                    self.gssapi_service_principal = name;
                    self.set_as_server(false);
                }
                self.mechanism = ZMQ_GSSAPI;
            }
            ZMQ_GSSAPI_PLAINTEXT => self.gssapi_plaintext = bool_strict(v)?,
            ZMQ_GSSAPI_PRINCIPAL_NAMETYPE => self.gssapi_principal_nametype = int_in(v, 0, 2)?,
            ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => {
                self.gssapi_service_principal_nametype = int_in(v, 0, 2)?
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
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
