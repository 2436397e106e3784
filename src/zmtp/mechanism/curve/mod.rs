//! CURVE (RFC 25/26). The sans-IO crypto core: keys and their Z85 forms in
//! [`keys`]; boxes, nonces and precomputed keys in [`boxes`]; the commands
//! (HELLO, WELCOME, INITIATE, READY, MESSAGE) as pure functions in
//! [`commands`]; the symmetric boxes themselves are libsodium's
//! (`sodium.rs`). On top of it the handshake state machines, [`client`] and
//! [`server`] (with ZAP), and the MESSAGE [`cipher`] they hand the
//! connection once ready; [`fuzzing`] drives them for the fuzz targets.
//! Known answers come from PyNaCl (`kat_vectors.py`) and from real libzmq
//! 4.3.5 traffic (`capture_libzmq*.py`), checked in as constants in
//! `captured.rs`.

pub mod boxes;
mod captured;
pub mod cipher;
pub mod client;
pub mod commands;
pub mod fuzzing;
pub mod keys;
pub mod server;
mod sodium;

#[cfg(test)]
mod handshake_tests;
