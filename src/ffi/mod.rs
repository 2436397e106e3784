//! The C ABI: every `zmq_*` function of libzmq 4.3.5, exported with its exact
//! C signature, and the types and constants of `include/zmq.h` (generated
//! from this module by cbindgen; see `cbindgen.toml` and `tests/header.rs`).
//!
//! # Boundary rules
//!
//! Every exported function is a thin shim, and nothing else in the crate is
//! `extern "C"`:
//!
//! 1. **Validate pointers** with the helpers of [`boundary`]: a context or
//!    socket handle starts with a tag word (NULL or a wrong tag gives EFAULT
//!    for contexts, ENOTSOCK for sockets, as libzmq); a `zmq_msg_t` holds a
//!    [`crate::msg::Msg`] whose magic word is read through a raw pointer
//!    *before* the bytes are treated as a `Msg` (uninitialised or closed
//!    messages give EFAULT).
//! 2. **Convert** C arguments (strings, buffers, flags) to Rust values.
//! 3. **Call one safe method** of the core (`Context`, `Socket`, `Msg`, ...).
//! 4. **Map the `Result<T, Errno>`** to the C return value (-1 or NULL on
//!    error). `errno` is written in exactly one function,
//!    [`boundary::set_errno`], which writes the C library's thread-local
//!    `errno` (so `zmq_errno()` and C's `errno` agree).
//! 5. **Catch panics**: every body runs inside [`boundary::guard`], which
//!    catches a panic, reports it once on stderr and returns -1/NULL with
//!    `ENOTRECOVERABLE`. A bug never aborts the host program.
//!
//! Every `unsafe` block carries a `// SAFETY:` comment. Doc comments on
//! exported items are written for C users: they are copied into the header.
//!
//! # Handles
//!
//! `zmq_ctx_new` returns a [`handle::CtxHandle`] and `zmq_socket` a
//! [`handle::SocketHandle`]. After `zmq_close` the socket handle's shell stays
//! allocated with a dead tag, so later calls give ENOTSOCK instead of touching
//! freed memory; the shells are freed when their context is terminated.
//! Context handles are also looked up in a list of live contexts before they
//! are read, so a terminated context (freed by `zmq_ctx_term`) gives EFAULT
//! without its memory being touched.

pub mod boundary;
pub mod ctx;
pub mod draft;
pub mod handle;
pub mod msg;
pub mod poll;
pub mod proxy;
pub mod socket;
pub mod timers;
pub mod types;
pub mod util;

pub use crate::constants::*;
pub use types::*;
