//! libzmq-rs: ZeroMQ re-implemented in Rust, exported with libzmq 4.3's C ABI.
//!
//! The architecture mirrors libzmq (see `docs/ARCHITECTURE.md`):
//! socket (application thread) → pipe (lock-free queue + HWM) → session/engine
//! (I/O thread, epoll) → ZMTP codec (sans-IO) → file descriptor.

#![allow(clippy::missing_safety_doc)]

pub mod constants;
pub mod ctx;
pub mod engine;
pub mod error;
pub mod ffi;
pub mod io;
pub mod msg;
pub mod options;
pub mod pipe;
pub mod poll;
pub mod proxy;
pub mod random;
pub mod secret;
pub mod socket;
pub mod sys;
pub mod timers;
pub mod transport;
pub mod z85;
pub mod zmtp;
