//! The C types of `zmq.h`. Their C declarations are written by hand in
//! `cbindgen.toml` (to match libzmq's spelling: function *types* for the
//! callbacks, an aligned byte array for `zmq_msg_t`); these Rust definitions
//! have the same layout, checked here and by the header test's C program.
#![allow(non_camel_case_types)]

use std::ffi::{c_int, c_short, c_void};

/// A socket's file descriptor (`int` on POSIX systems).
pub type zmq_fd_t = c_int;

/// A message: 64 opaque bytes, aligned like a pointer. Initialise it with one
/// of the `zmq_msg_init*` functions before any other use.
#[repr(C, align(8))]
pub struct zmq_msg_t {
    pub _x: [u8; 64],
}

/// The function type of `zmq_msg_init_data`'s deallocator:
/// `void zmq_free_fn (void *data, void *hint)`. Only ever used behind a
/// pointer; see [`free_fn`].
#[repr(C)]
pub struct zmq_free_fn {
    _opaque: [u8; 0],
}

/// The function type run by `zmq_threadstart`: `void zmq_thread_fn (void *)`.
#[repr(C)]
pub struct zmq_thread_fn {
    _opaque: [u8; 0],
}

/// The function type of a timer handler: `void zmq_timer_fn (int, void *)`.
#[repr(C)]
pub struct zmq_timer_fn {
    _opaque: [u8; 0],
}

/// One item of `zmq_poll`: a socket (or, when `socket` is NULL, a file
/// descriptor), the events wanted and the events that occurred.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zmq_pollitem_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub events: c_short,
    pub revents: c_short,
}

/// One event reported by `zmq_poller_wait` (draft API).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zmq_poller_event_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub user_data: *mut c_void,
    pub events: c_short,
}

/// The Rust type of a `zmq_free_fn *`.
pub type FreeFnPtr = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);
/// The Rust type of a `zmq_thread_fn *`.
pub type ThreadFnPtr = unsafe extern "C" fn(arg: *mut c_void);
/// The Rust type of a `zmq_timer_fn *`.
pub type TimerFnPtr = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);

/// Converts a C `zmq_free_fn *` to a Rust function pointer (None for NULL).
///
/// # Safety
/// `p` is NULL or a C function of the `zmq_free_fn` type.
pub unsafe fn free_fn(p: *mut zmq_free_fn) -> Option<FreeFnPtr> {
    // SAFETY: a C function pointer and a Rust `extern "C"` fn pointer have
    // the same representation; Option<fn> uses NULL for None; p has the
    // right function type by the caller's contract.
    unsafe { std::mem::transmute::<*mut zmq_free_fn, Option<FreeFnPtr>>(p) }
}

/// Converts a C `zmq_thread_fn *` to a Rust function pointer (None for NULL).
///
/// # Safety
/// `p` is NULL or a C function of the `zmq_thread_fn` type.
pub unsafe fn thread_fn(p: *mut zmq_thread_fn) -> Option<ThreadFnPtr> {
    // SAFETY: as in free_fn.
    unsafe { std::mem::transmute::<*mut zmq_thread_fn, Option<ThreadFnPtr>>(p) }
}

/// Converts a C `zmq_timer_fn *` to a Rust function pointer (None for NULL).
///
/// # Safety
/// `p` is NULL or a C function of the `zmq_timer_fn` type.
pub unsafe fn timer_fn(p: *mut zmq_timer_fn) -> Option<TimerFnPtr> {
    // SAFETY: as in free_fn.
    unsafe { std::mem::transmute::<*mut zmq_timer_fn, Option<TimerFnPtr>>(p) }
}

const _: () = assert!(std::mem::size_of::<zmq_msg_t>() == 64);
const _: () = assert!(std::mem::align_of::<zmq_msg_t>() == 8);
const _: () = assert!(std::mem::align_of::<crate::msg::Msg>() <= std::mem::align_of::<zmq_msg_t>());
const _: () = assert!(std::mem::size_of::<crate::msg::Msg>() <= std::mem::size_of::<zmq_msg_t>());
const _: () = assert!(std::mem::size_of::<zmq_pollitem_t>() == 16);
const _: () = assert!(std::mem::offset_of!(zmq_pollitem_t, fd) == 8);
const _: () = assert!(std::mem::offset_of!(zmq_pollitem_t, events) == 12);
const _: () = assert!(std::mem::offset_of!(zmq_pollitem_t, revents) == 14);
const _: () = assert!(std::mem::size_of::<zmq_poller_event_t>() == 32);
const _: () = assert!(std::mem::offset_of!(zmq_poller_event_t, user_data) == 16);
const _: () = assert!(std::mem::offset_of!(zmq_poller_event_t, events) == 24);
