//! CURVE (RFC 25/26): the sans-IO crypto core. Keys and their Z85 forms in
//! [`keys`]; boxes, nonces and precomputed keys in [`boxes`]; the commands
//! (HELLO, WELCOME, INITIATE, READY, MESSAGE) as pure functions in
//! [`commands`]. Known answers come from PyNaCl (`kat_vectors.py`) and from
//! real libzmq 4.3.5 traffic (`capture_libzmq*.py`), checked in as constants.
//!
//! Not wired yet: no `MechanismConfig::Curve`, no socket options, and
//! `zmq_has("curve")` stays 0 until the whole mechanism (handshake state
//! machine, ZAP) exists, so nothing outside this folder uses it.

// Wiring pending (issue 9): remove once the mechanism uses this core.
#![allow(dead_code)]

pub mod boxes;
pub mod client;
pub mod commands;
pub mod keys;
pub mod server;
