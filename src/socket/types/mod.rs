//! One module per socket type, and the factory `new_pattern`.
//!
//! The types compose the shared strategies in [`super::strategy`] (load
//! balancing, fair queueing, fan-out, subscription tries).

use super::Pattern;
use crate::error::{Errno, Result};

mod dealer;
mod pair;
mod pub_;
mod pull;
mod push;
mod rep;
mod req;
mod router;
mod sub;
mod xpub;
mod xsub;

#[cfg(test)]
mod testutil;

/// Socket type numbers (`zmq.h`), defined once in the ZMTP module.
pub use crate::zmtp::socket_types as kind;

/// Socket-type-specific option numbers (`zmq.h`).
pub mod opt {
    pub const SUBSCRIBE: i32 = 6;
    pub const UNSUBSCRIBE: i32 = 7;
    pub const ROUTER_MANDATORY: i32 = 33;
    pub const XPUB_VERBOSE: i32 = 40;
    pub const ROUTER_RAW: i32 = 41;
    pub const PROBE_ROUTER: i32 = 51;
    pub const REQ_CORRELATE: i32 = 52;
    pub const REQ_RELAXED: i32 = 53;
    pub const ROUTER_HANDOVER: i32 = 56;
    pub const XPUB_NODROP: i32 = 69;
    pub const XPUB_MANUAL: i32 = 71;
    pub const XPUB_WELCOME_MSG: i32 = 72;
    pub const INVERT_MATCHING: i32 = 74;
    pub const XPUB_VERBOSER: i32 = 78;
    pub const ROUTER_NOTIFY: i32 = 97;
    pub const XPUB_MANUAL_LAST_VALUE: i32 = 98;
    pub const ONLY_FIRST_SUBSCRIBE: i32 = 108;
    pub const XSUB_VERBOSE_UNSUBSCRIBE: i32 = 115;
    pub const TOPICS_COUNT: i32 = 116;
}

/// Creates the pattern for a socket type; EINVAL for an unknown type.
///
/// STREAM (11) and the draft types (12–20: SERVER, CLIENT, RADIO, DISH,
/// GATHER, SCATTER, DGRAM, PEER, CHANNEL) are not implemented yet: ENOTSUP.
pub fn new_pattern(socket_type: i32) -> Result<Box<dyn Pattern>> {
    Ok(match socket_type {
        kind::PAIR => Box::new(pair::Pair::new()),
        kind::PUB => Box::new(pub_::Pub::new()),
        kind::SUB => Box::new(sub::Sub::new()),
        kind::REQ => Box::new(req::Req::new()),
        kind::REP => Box::new(rep::Rep::new()),
        kind::DEALER => Box::new(dealer::Dealer::new()),
        kind::ROUTER => Box::new(router::Router::new()),
        kind::PULL => Box::new(pull::Pull::new()),
        kind::PUSH => Box::new(push::Push::new()),
        kind::XPUB => Box::new(xpub::XPub::new(false)),
        kind::XSUB => Box::new(xsub::XSub::new(false)),
        11..=20 => return Err(Errno::ENOTSUP),
        _ => return Err(Errno::EINVAL),
    })
}

/// An `int` option value: exactly 4 native-endian bytes, else EINVAL.
pub(crate) fn int_opt(value: &[u8]) -> Result<i32> {
    <[u8; 4]>::try_from(value)
        .map(i32::from_ne_bytes)
        .map_err(|_| Errno::EINVAL)
}

/// A boolean `int` option: 4 bytes, not negative (libzmq's `is_int && value >= 0`).
pub(crate) fn bool_opt(value: &[u8]) -> Result<bool> {
    match int_opt(value)? {
        v if v < 0 => Err(Errno::EINVAL),
        v => Ok(v != 0),
    }
}

/// A 32-bit random number for generated routing ids and REQ request ids.
///
/// libzmq never seeds `rand()`, so every process hands out the same ids
/// (BEHAVIOUR B2). We mix the time, the process id, a per-process counter
/// and an address (ASLR) through splitmix64 instead; this is not
/// cryptographic, it only has to differ between processes and sockets.
pub(crate) fn random_u32() -> u32 {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let local = 0u8;
    let addr = &local as *const u8 as u64;
    let mut z = nanos
        ^ (std::process::id() as u64).rotate_left(32)
        ^ addr.rotate_left(17)
        ^ CALLS
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}
