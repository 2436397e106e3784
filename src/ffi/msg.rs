//! Messages: `zmq_msg_*`.

use super::boundary::{bytes, c_str, guard, msg_close, msg_mut, msg_ref, msg_write};
use super::types::{free_fn, zmq_free_fn, zmq_msg_t};
use crate::constants::ZMQ_GROUP_MAX_LENGTH;
use crate::error::Errno;
use crate::msg::Msg;
use std::ffi::{c_char, c_int, c_void};

/// The `Msg` inside a `zmq_msg_t *`.
fn as_msg(p: *const zmq_msg_t) -> *mut Msg {
    p as *mut Msg
}

/// Initialises an empty message. Returns 0 (or -1 with errno EFAULT for a
/// NULL pointer).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg_: *mut zmq_msg_t) -> c_int {
    guard("zmq_msg_init", -1, || {
        // SAFETY: the caller passes a writable zmq_msg_t.
        unsafe { msg_write(as_msg(msg_), Msg::new())? };
        Ok(0)
    })
}

/// Initialises a message of `size_` bytes (contents undefined; write them
/// through `zmq_msg_data`). Returns 0, or -1 with errno ENOMEM or EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg_: *mut zmq_msg_t, size_: usize) -> c_int {
    guard("zmq_msg_init_size", -1, || {
        let m = Msg::with_size(size_)?;
        // SAFETY: the caller passes a writable zmq_msg_t.
        unsafe { msg_write(as_msg(msg_), m)? };
        Ok(0)
    })
}

/// Initialises a message holding a copy of `size_` bytes at `buf_` (NULL
/// allowed when `size_` is 0). Returns 0, or -1 with errno ENOMEM or EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_buffer(
    msg_: *mut zmq_msg_t,
    buf_: *const c_void,
    size_: usize,
) -> c_int {
    guard("zmq_msg_init_buffer", -1, || {
        // SAFETY: the caller gives size_ readable bytes at buf_.
        let data = unsafe { bytes(buf_ as *const u8, size_, Errno::EFAULT)? };
        // SAFETY: the caller passes a writable zmq_msg_t.
        unsafe { msg_write(as_msg(msg_), Msg::from_slice(data))? };
        Ok(0)
    })
}

/// Initialises a message over the caller's `size_` bytes at `data_` without
/// copying them. When the last reference to the message is gone, `ffn_(data_,
/// hint_)` is called, possibly from another (I/O) thread; with `ffn_` NULL the
/// data must stay valid for ever. Returns 0, or -1 with errno ENOMEM or EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg_: *mut zmq_msg_t,
    data_: *mut c_void,
    size_: usize,
    ffn_: *mut zmq_free_fn,
    hint_: *mut c_void,
) -> c_int {
    guard("zmq_msg_init_data", -1, || {
        if data_.is_null() && size_ > 0 {
            return Err(Errno::EFAULT);
        }
        // SAFETY: the caller passes NULL or a zmq_free_fn, and keeps the data
        // valid until ffn_ runs (or for ever without ffn_), as the API requires.
        let m = unsafe { Msg::from_user(data_ as *mut u8, size_, free_fn(ffn_), hint_) };
        // SAFETY: the caller passes a writable zmq_msg_t.
        unsafe { msg_write(as_msg(msg_), m)? };
        Ok(0)
    })
}

/// Releases a message. Returns 0, or -1 with errno EFAULT (not initialised,
/// or already closed).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg_: *mut zmq_msg_t) -> c_int {
    guard("zmq_msg_close", -1, || {
        // SAFETY: checks the magic word first.
        unsafe { msg_close(as_msg(msg_))? };
        Ok(0)
    })
}

/// Moves the content of `src_` to `dest_` (whose old content is released);
/// `src_` becomes an empty message. Both must be initialised. Returns 0, or -1
/// with errno EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    guard("zmq_msg_move", -1, || {
        // SAFETY: checks the magic word.
        let src = unsafe { msg_mut(as_msg(src_))? };
        if dest_ == src_ {
            return Ok(0);
        }
        // SAFETY: checks the magic word; dest_ and src_ differ.
        let dest = unsafe { msg_mut(as_msg(dest_))? };
        *dest = src.take();
        Ok(0)
    })
}

/// Makes `dest_` (initialised; its old content is released) refer to the same
/// content as `src_`. Large messages share their data (see ZMQ_SHARED).
/// Returns 0, or -1 with errno EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest_: *mut zmq_msg_t, src_: *mut zmq_msg_t) -> c_int {
    guard("zmq_msg_copy", -1, || {
        // SAFETY: checks the magic word.
        let copy = unsafe { msg_ref(as_msg(src_))? }.clone();
        if dest_ == src_ {
            return Ok(0);
        }
        // SAFETY: checks the magic word; dest_ and src_ differ.
        let dest = unsafe { msg_mut(as_msg(dest_))? };
        *dest = copy;
        Ok(0)
    })
}

/// Returns a pointer to the message's data, or NULL with errno EFAULT for an
/// invalid message.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg_: *mut zmq_msg_t) -> *mut c_void {
    guard("zmq_msg_data", std::ptr::null_mut(), || {
        // SAFETY: checks the magic word.
        let m = unsafe { msg_mut(as_msg(msg_))? };
        Ok(m.data_ptr() as *mut c_void)
    })
}

/// Returns the message's size in bytes (0 with errno EFAULT for an invalid
/// message).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg_: *const zmq_msg_t) -> usize {
    guard("zmq_msg_size", 0, || {
        // SAFETY: checks the magic word.
        Ok(unsafe { msg_ref(as_msg(msg_))? }.len())
    })
}

/// Returns 1 if more frames of the same message follow this received frame,
/// else 0 (also 0, with errno EFAULT, for an invalid message).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg_: *const zmq_msg_t) -> c_int {
    guard("zmq_msg_more", 0, || {
        // SAFETY: checks the magic word.
        Ok(unsafe { msg_ref(as_msg(msg_))? }.more() as c_int)
    })
}

/// Returns an integer property of a message: ZMQ_MORE, ZMQ_SRCFD (the file
/// descriptor it was read from, -1 if unknown), ZMQ_SHARED (1 if its data is
/// shared with another message). Returns -1 with errno EINVAL for an unknown
/// property, EFAULT for an invalid message.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg_: *const zmq_msg_t, property_: c_int) -> c_int {
    guard("zmq_msg_get", -1, || {
        // SAFETY: checks the magic word.
        let m = unsafe { msg_ref(as_msg(msg_))? };
        m.property(property_)
    })
}

/// Sets an integer property of a message. No property can be set: always
/// returns -1 with errno EINVAL.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(
    msg_: *mut zmq_msg_t,
    property_: c_int,
    optval_: c_int,
) -> c_int {
    let _ = (property_, optval_);
    guard("zmq_msg_set", -1, || {
        // SAFETY: msg_ref validates the pointer and the magic word first.
        unsafe { msg_ref(msg_ as *const Msg)? };
        // No property can be set at present (as libzmq).
        Err(Errno::EINVAL)
    })
}

/// Looks a property up in the metadata of a received message ("Socket-Type",
/// "Routing-Id", "User-Id", "Peer-Address", or any "X-..." name the peer
/// sent). The string is owned by the message: valid until it is closed.
/// Returns NULL with errno EINVAL when the property is not there.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(
    msg_: *const zmq_msg_t,
    property_: *const c_char,
) -> *const c_char {
    guard("zmq_msg_gets", std::ptr::null(), || {
        // SAFETY: checks the magic word.
        let m = unsafe { msg_ref(as_msg(msg_))? };
        // SAFETY: the caller passes a NUL-terminated string.
        let name = unsafe { c_str(property_)? };
        m.gets(name).map(|v| v.as_ptr()).ok_or(Errno::EINVAL)
    })
}

/// Sets the routing id of a message (for SERVER and PEER sockets). Returns 0,
/// or -1 with errno EINVAL (id 0) or EFAULT (invalid message).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg: *mut zmq_msg_t, routing_id: u32) -> c_int {
    guard("zmq_msg_set_routing_id", -1, || {
        // SAFETY: checks the magic word.
        let m = unsafe { msg_mut(as_msg(msg))? };
        if routing_id == 0 {
            return Err(Errno::EINVAL);
        }
        m.set_routing_id(routing_id);
        Ok(0)
    })
}

/// Returns the routing id of a message received from a SERVER socket, or 0
/// if it has none (also 0, with errno EFAULT, for an invalid message).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32 {
    guard("zmq_msg_routing_id", 0, || {
        // SAFETY: checks the magic word.
        Ok(unsafe { msg_ref(as_msg(msg))? }.routing_id())
    })
}

/// Sets the group of a message for RADIO sockets. Groups are not supported
/// yet: returns -1 with errno ENOTSUP (EINVAL for a group longer than
/// ZMQ_GROUP_MAX_LENGTH, EFAULT for an invalid message).
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_group(msg: *mut zmq_msg_t, group: *const c_char) -> c_int {
    guard("zmq_msg_set_group", -1, || {
        // SAFETY: checks the magic word.
        unsafe { msg_ref(as_msg(msg))? };
        // SAFETY: the caller passes a NUL-terminated string.
        let g = unsafe { c_str(group)? };
        if g.len() > ZMQ_GROUP_MAX_LENGTH as usize {
            return Err(Errno::EINVAL);
        }
        Err(Errno::ENOTSUP)
    })
}

/// Returns the group of a message received from a DISH socket: always ""
/// (groups are not supported yet). NULL with errno EFAULT for an invalid
/// message.
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char {
    guard("zmq_msg_group", std::ptr::null(), || {
        // SAFETY: checks the magic word.
        unsafe { msg_ref(as_msg(msg))? };
        Ok(c"".as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{ZMQ_MORE, ZMQ_SHARED, ZMQ_SRCFD};
    use crate::ffi::boundary::errno;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn raw() -> zmq_msg_t {
        zmq_msg_t { _x: [0x5a; 64] }
    }

    #[test]
    fn garbage_and_closed_messages_are_efault() {
        let mut m = raw();
        // SAFETY: m is a local zmq_msg_t.
        unsafe {
            assert_eq!(zmq_msg_close(&mut m), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_msg_size(&m), 0);
            assert!(zmq_msg_data(&mut m).is_null());
            assert_eq!(zmq_msg_get(&m, ZMQ_MORE), -1);
            assert_eq!(zmq_msg_init_size(&mut m, 100), 0);
            assert_eq!(zmq_msg_size(&m), 100);
            assert_eq!(zmq_msg_close(&mut m), 0);
            assert_eq!(zmq_msg_close(&mut m), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_msg_init(std::ptr::null_mut()), -1);
            assert_eq!(errno(), libc::EFAULT);
        }
    }

    #[test]
    fn copy_move_shared() {
        let (mut a, mut b, mut c) = (raw(), raw(), raw());
        // SAFETY: local messages.
        unsafe {
            let big = [3u8; 100];
            assert_eq!(
                zmq_msg_init_buffer(&mut a, big.as_ptr() as *const c_void, 100),
                0
            );
            assert_eq!(zmq_msg_init(&mut b), 0);
            assert_eq!(zmq_msg_copy(&mut b, &mut a), 0);
            assert_eq!(zmq_msg_get(&a, ZMQ_SHARED), 1);
            assert_eq!(zmq_msg_data(&mut a), zmq_msg_data(&mut b));
            // dest must be initialised.
            assert_eq!(zmq_msg_move(&mut c, &mut b), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_msg_size(&b), 100);
            assert_eq!(zmq_msg_init(&mut c), 0);
            assert_eq!(zmq_msg_move(&mut c, &mut b), 0);
            assert_eq!(zmq_msg_size(&b), 0);
            assert_eq!(zmq_msg_size(&c), 100);
            for m in [&mut a, &mut b, &mut c] {
                assert_eq!(zmq_msg_close(m), 0);
            }
            let small = [1u8; 33];
            assert_eq!(
                zmq_msg_init_buffer(&mut a, small.as_ptr() as *const c_void, 33),
                0
            );
            assert_eq!(zmq_msg_init(&mut b), 0);
            assert_eq!(zmq_msg_copy(&mut b, &mut a), 0);
            assert_eq!(zmq_msg_get(&b, ZMQ_SHARED), 0);
            assert_ne!(zmq_msg_data(&mut a), zmq_msg_data(&mut b));
            assert_eq!(zmq_msg_close(&mut a), 0);
            assert_eq!(zmq_msg_close(&mut b), 0);
        }
    }

    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count_free(_d: *mut c_void, hint: *mut c_void) {
        assert_eq!(hint as usize, 42);
        FREED.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn init_data_and_properties() {
        let mut m = raw();
        let mut data = [9u8; 5];
        let ffn: unsafe extern "C" fn(*mut c_void, *mut c_void) = count_free;
        // SAFETY: data outlives the message; ffn has the zmq_free_fn type.
        unsafe {
            let rc = zmq_msg_init_data(
                &mut m,
                data.as_mut_ptr() as *mut c_void,
                5,
                ffn as *mut zmq_free_fn,
                42 as *mut c_void,
            );
            assert_eq!(rc, 0);
            assert_eq!(zmq_msg_data(&mut m), data.as_mut_ptr() as *mut c_void);
            assert_eq!(zmq_msg_more(&m), 0);
            assert_eq!(zmq_msg_get(&m, ZMQ_SRCFD), -1);
            assert_eq!(zmq_msg_get(&m, 77), -1);
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(zmq_msg_set(&mut m, ZMQ_MORE, 1), -1);
            assert_eq!(errno(), libc::EINVAL);
            assert!(zmq_msg_gets(&m, c"Socket-Type".as_ptr()).is_null());
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(zmq_msg_set_routing_id(&mut m, 0), -1);
            assert_eq!(zmq_msg_set_routing_id(&mut m, 7), 0);
            assert_eq!(zmq_msg_routing_id(&mut m), 7);
            assert_eq!(zmq_msg_close(&mut m), 0);
            assert_eq!(FREED.load(Ordering::SeqCst), 1);
            assert_eq!(
                zmq_msg_init_data(
                    &mut m,
                    std::ptr::null_mut(),
                    5,
                    std::ptr::null_mut(),
                    std::ptr::null_mut()
                ),
                -1
            );
            assert_eq!(errno(), libc::EFAULT);
        }
    }

    #[test]
    fn gets_aliases() {
        let mut md = crate::msg::Metadata::new();
        md.set("Identity", b"abc");
        md.set("X-Foo", b"bar");
        let mut m = Msg::new();
        m.set_metadata(Some(crate::msg::MetaRef::new(md)));
        let get = |n: &str| m.gets(n).map(|v| v.to_str().unwrap().to_string());
        // libzmq: "Identity" is found; "Routing-Id" is not (only the
        // deprecated name falls back to the new one).
        assert_eq!(get("Identity").as_deref(), Some("abc"));
        assert_eq!(get("Routing-Id"), None);
        assert_eq!(get("identity"), None);
        assert_eq!(get("X-Foo").as_deref(), Some("bar"));
        assert_eq!(get("Peer-Address"), None);
    }
}
