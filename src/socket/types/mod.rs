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
mod stream;
mod sub;
mod xpub;
mod xsub;

#[cfg(test)]
mod testutil;

/// Socket type numbers (`zmq.h`), defined once in the ZMTP module.
pub use crate::zmtp::socket_types as kind;

/// Socket-type-specific option numbers by their short names; the values
/// are the `ZMQ_*` constants of [`crate::constants`].
pub mod opt {
    pub use crate::constants::{
        ZMQ_INVERT_MATCHING as INVERT_MATCHING, ZMQ_ONLY_FIRST_SUBSCRIBE as ONLY_FIRST_SUBSCRIBE,
        ZMQ_PROBE_ROUTER as PROBE_ROUTER, ZMQ_REQ_CORRELATE as REQ_CORRELATE,
        ZMQ_REQ_RELAXED as REQ_RELAXED, ZMQ_ROUTER_HANDOVER as ROUTER_HANDOVER,
        ZMQ_ROUTER_MANDATORY as ROUTER_MANDATORY, ZMQ_ROUTER_NOTIFY as ROUTER_NOTIFY,
        ZMQ_ROUTER_RAW as ROUTER_RAW, ZMQ_STREAM_NOTIFY as STREAM_NOTIFY,
        ZMQ_SUBSCRIBE as SUBSCRIBE, ZMQ_TOPICS_COUNT as TOPICS_COUNT,
        ZMQ_UNSUBSCRIBE as UNSUBSCRIBE, ZMQ_XPUB_MANUAL as XPUB_MANUAL,
        ZMQ_XPUB_MANUAL_LAST_VALUE as XPUB_MANUAL_LAST_VALUE, ZMQ_XPUB_NODROP as XPUB_NODROP,
        ZMQ_XPUB_VERBOSE as XPUB_VERBOSE, ZMQ_XPUB_VERBOSER as XPUB_VERBOSER,
        ZMQ_XPUB_WELCOME_MSG as XPUB_WELCOME_MSG,
        ZMQ_XSUB_VERBOSE_UNSUBSCRIBE as XSUB_VERBOSE_UNSUBSCRIBE,
    };
}

/// Creates the pattern for a socket type; EINVAL for an unknown type.
///
/// The draft types (12–20: SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER,
/// DGRAM, PEER, CHANNEL) are not implemented yet: ENOTSUP.
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
        kind::STREAM => Box::new(stream::Stream::new()),
        kind::SERVER..=kind::CHANNEL => return Err(Errno::ENOTSUP),
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
