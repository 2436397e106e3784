//! CURVE (RFC 25/26): the sans-IO crypto core. Keys in [`keys`], boxes,
//! nonces and precomputed keys in [`boxes`].
//!
//! Not wired yet: no `MechanismConfig::Curve`, no socket options, and
//! `zmq_has("curve")` stays 0 until the whole mechanism (handshake, ZAP)
//! exists, so nothing outside this folder uses it and `dead_code` is allowed
//! on the module for now.

// Wiring pending (issue 9): remove once the mechanism uses this core.
#![allow(dead_code)]

pub mod boxes;
pub mod commands;
pub mod keys;
