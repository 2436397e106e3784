//! `zmq_timers_*`: a set of timers the application runs itself (it asks for
//! the next timeout, sleeps or polls, then calls execute).

use super::boundary::{guard, read_tag};
use super::types::{timer_fn, zmq_timer_fn, TimerFnPtr};
use crate::error::{Errno, Result};
use crate::timers::{execute, Timers};
use parking_lot::Mutex;
use std::ffi::{c_int, c_long, c_void};
use std::sync::atomic::{AtomicU32, Ordering};

const TIMERS_TAG_LIVE: u32 = 0xcafe_35ec;
const TIMERS_TAG_DEAD: u32 = 0xdead_beef;

/// What a C timer runs: `handler(id, arg)`.
type Handler = (TimerFnPtr, *mut c_void);

/// What `void *timers` points to.
#[repr(C)]
pub struct TimersHandle {
    tag: AtomicU32,
    set: Mutex<Timers<Handler>>,
}

/// The live timer set behind `p`, or EFAULT.
///
/// # Safety
/// `p` is NULL or points to readable memory; with the live tag, a TimersHandle.
unsafe fn timers_ref<'a>(p: *mut c_void) -> Result<&'a TimersHandle> {
    // SAFETY: forwarded contract.
    match unsafe { read_tag(p) } {
        // SAFETY: the live tag is only written into a TimersHandle.
        Some(TIMERS_TAG_LIVE) => Ok(unsafe { &*(p as *const TimersHandle) }),
        _ => Err(Errno::EFAULT),
    }
}

/// Creates an empty set of timers.
#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    guard("zmq_timers_new", std::ptr::null_mut(), || {
        let h = TimersHandle {
            tag: AtomicU32::new(TIMERS_TAG_LIVE),
            set: Mutex::new(Timers::default()),
        };
        Ok(Box::into_raw(Box::new(h)) as *mut c_void)
    })
}

/// Destroys a set of timers and sets `*timers_p` to NULL. Returns 0, or -1
/// with errno EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    guard("zmq_timers_destroy", -1, || {
        if timers_p.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: non-NULL; the caller passes the address of its pointer.
        let p = unsafe { *timers_p };
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(p)? };
        h.tag.store(TIMERS_TAG_DEAD, Ordering::Release);
        // SAFETY: created by zmq_timers_new with Box::into_raw.
        drop(unsafe { Box::from_raw(p as *mut TimersHandle) });
        // SAFETY: as above.
        unsafe { *timers_p = std::ptr::null_mut() };
        Ok(0)
    })
}

/// Adds a timer calling `handler(id, arg)` every `interval` ms (from
/// `zmq_timers_execute`). Returns the timer's id, or -1 with errno EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: usize,
    handler: *mut zmq_timer_fn,
    arg: *mut c_void,
) -> c_int {
    guard("zmq_timers_add", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(timers)? };
        // SAFETY: the caller passes NULL or a zmq_timer_fn.
        let handler = unsafe { timer_fn(handler) }.ok_or(Errno::EFAULT)?;
        Ok(h.set.lock().add(interval as u64, (handler, arg)))
    })
}

/// Cancels a timer. Returns 0, or -1 with errno EFAULT or EINVAL (no such
/// timer).
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    guard("zmq_timers_cancel", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(timers)? };
        h.set.lock().cancel(timer_id).map(|()| 0)
    })
}

/// Changes a timer's interval; it next fires `interval` ms from now. Returns
/// 0, or -1 with errno EFAULT or EINVAL (no such timer).
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    guard("zmq_timers_set_interval", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(timers)? };
        h.set
            .lock()
            .set_interval(timer_id, interval as u64)
            .map(|()| 0)
    })
}

/// Restarts a timer: it next fires one interval from now. Returns 0, or -1
/// with errno EFAULT or EINVAL (no such timer).
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    guard("zmq_timers_reset", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(timers)? };
        h.set.lock().reset(timer_id).map(|()| 0)
    })
}

/// Returns the milliseconds until the next timer is due (0 if one is
/// overdue), or -1 if there are no timers (or with errno EFAULT).
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    guard("zmq_timers_timeout", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(timers)? };
        Ok(h.set.lock().timeout() as c_long)
    })
}

/// Runs the handler of every timer that is due. Returns 0, or -1 with errno
/// EFAULT.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    guard("zmq_timers_execute", -1, || {
        // SAFETY: checks the tag.
        let h = unsafe { timers_ref(timers)? };
        // SAFETY: the application registered each handler and argument
        // with zmq_timers_add.
        execute(&h.set, |id, (handler, arg)| unsafe { handler(id, arg) });
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::boundary::errno;
    use std::time::Duration;

    unsafe extern "C" fn bump(_id: c_int, arg: *mut c_void) {
        // SAFETY: the tests pass a pointer to an AtomicU32.
        unsafe { &*(arg as *const AtomicU32) }.fetch_add(1, Ordering::SeqCst);
    }

    fn h() -> *mut zmq_timer_fn {
        bump as unsafe extern "C" fn(c_int, *mut c_void) as *mut zmq_timer_fn
    }

    #[test]
    fn lifecycle() {
        let hits = AtomicU32::new(0);
        let arg = &hits as *const AtomicU32 as *mut c_void;
        let mut t = zmq_timers_new();
        // SAFETY: t is a live timer set; arg outlives it.
        unsafe {
            assert_eq!(zmq_timers_timeout(t), -1);
            // 300 ms: not due before the first execute even when slowed
            // down (valgrind).
            let a = zmq_timers_add(t, 300, h(), arg);
            let b = zmq_timers_add(t, 100_000, h(), arg);
            assert!(a > 0 && b > a);
            assert_eq!(zmq_timers_add(t, 10, std::ptr::null_mut(), arg), -1);
            assert_eq!(errno(), libc::EFAULT);
            let to = zmq_timers_timeout(t);
            assert!((0..=300).contains(&to), "{to}");
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!(hits.load(Ordering::SeqCst), 0);
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while zmq_timers_timeout(t) != 0 {
                assert!(std::time::Instant::now() < deadline, "timer never due");
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!(hits.load(Ordering::SeqCst), 1);
            assert!(zmq_timers_timeout(t) > 0);
            assert_eq!(zmq_timers_set_interval(t, b, 0), 0);
            assert_eq!(zmq_timers_reset(t, a), 0);
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!(hits.load(Ordering::SeqCst), 2);
            assert_eq!(zmq_timers_cancel(t, b), 0);
            assert_eq!(zmq_timers_cancel(t, b), -1);
            assert_eq!(errno(), libc::EINVAL);
            assert_eq!(zmq_timers_reset(t, 999), -1);
            assert_eq!(zmq_timers_set_interval(t, 999, 1), -1);
            assert_eq!(zmq_timers_cancel(t, a), 0);
            assert_eq!(zmq_timers_timeout(t), -1);
            assert_eq!(zmq_timers_destroy(&mut t), 0);
            assert!(t.is_null());
            assert_eq!(zmq_timers_destroy(&mut t), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_timers_execute(std::ptr::null_mut()), -1);
        }
    }

    struct Ctx {
        timers: *mut c_void,
        other: c_int,
        hits: AtomicU32,
    }

    unsafe extern "C" fn cancel_other(_id: c_int, arg: *mut c_void) {
        // SAFETY: the test passes a pointer to a Ctx.
        let c = unsafe { &*(arg as *const Ctx) };
        c.hits.fetch_add(1, Ordering::SeqCst);
        // SAFETY: c.timers is live; re-entering from a handler is allowed.
        unsafe { zmq_timers_cancel(c.timers, c.other) };
    }

    #[test]
    fn handler_may_cancel_a_due_timer() {
        let t = zmq_timers_new();
        let mut c = Ctx {
            timers: t,
            other: 0,
            hits: AtomicU32::new(0),
        };
        let arg = &mut c as *mut Ctx as *mut c_void;
        let f = cancel_other as unsafe extern "C" fn(c_int, *mut c_void) as *mut zmq_timer_fn;
        // SAFETY: t is live; c outlives it.
        unsafe {
            zmq_timers_add(t, 0, f, arg);
            let second = zmq_timers_add(t, 0, f, arg);
            (*(arg as *mut Ctx)).other = second;
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!((*(arg as *const Ctx)).hits.load(Ordering::SeqCst), 1);
            let mut t = t;
            assert_eq!(zmq_timers_destroy(&mut t), 0);
        }
    }
}
