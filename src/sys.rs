//! The one way core code calls the C library: [`syscall!`] turns the C
//! convention "-1 (or NULL) and `errno`" into `Result<_, Errno>`, and
//! [`poll`] waits on descriptors until a deadline.
//!
//! This is the bottom layer with [`crate::error`]: it imports nothing else
//! from the crate, so every other layer (io, transport, engine, socket, ffi)
//! may use it.

use std::os::raw::c_int;
use std::time::Instant;

use crate::error::Result;

/// Calls `libc::$fn(args…)` and turns a `-1` return into
/// `Err(Errno::last_os())`; `syscall!(ptr $fn(args…))` does the same for a
/// call that reports failure with a NULL pointer (`mkdtemp`, …).
///
/// The expansion contains no `unsafe` of its own: wrap the call in an
/// `unsafe { }` block with a `// SAFETY:` comment saying why the arguments
/// are valid, e.g.
///
/// ```ignore
/// // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
/// let n = unsafe { syscall!(read(fd, buf.as_mut_ptr().cast(), buf.len())) }?;
/// ```
///
/// Calls with no errno result (`getaddrinfo`'s EAI codes, `freeaddrinfo`,
/// `getpid`) are made directly.
macro_rules! syscall {
    (ptr $fn:ident ( $($arg:expr),* $(,)? )) => {{
        let res = libc::$fn($($arg),*);
        if res.is_null() {
            Err($crate::error::Errno::last_os())
        } else {
            Ok(res)
        }
    }};
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        let res = libc::$fn($($arg),*);
        if res == -1 {
            Err($crate::error::Errno::last_os())
        } else {
            Ok(res)
        }
    }};
}
pub(crate) use syscall;

/// The poll(2) timeout that waits until `deadline`, seen at `now`: -1 for
/// none (wait for ever), 0 once it has passed, else the time left in ms,
/// rounded up so a wait never ends just before the deadline (which would
/// make the caller spin), at most `c_int::MAX`.
#[inline]
pub fn poll_timeout_ms(deadline: Option<Instant>, now: Instant) -> c_int {
    match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(now);
            left.as_micros().div_ceil(1000).min(c_int::MAX as u128) as c_int
        }
    }
}

/// [`poll_timeout_ms`] at the current time, or None once `deadline` has
/// passed (the caller stops waiting). The clock is read only when there is
/// a deadline.
#[inline]
pub fn poll_timeout(deadline: Option<Instant>) -> Option<c_int> {
    match deadline {
        None => Some(-1),
        Some(d) => {
            let now = Instant::now();
            (now < d).then(|| poll_timeout_ms(deadline, now))
        }
    }
}

/// One poll(2) on `fds` that returns at `deadline` at the latest (None: may
/// wait for ever; the clock is read only when there is a deadline). Returns
/// how many entries have `revents` set; 0 when the deadline came first.
/// `EINTR` is an error, not retried: a blocking zmq call returns it (libzmq
/// too).
pub fn poll(fds: &mut [libc::pollfd], deadline: Option<Instant>) -> Result<usize> {
    let ms = match deadline {
        None => -1,
        Some(_) => poll_timeout_ms(deadline, Instant::now()),
    };
    poll_ms(fds, ms)
}

/// One poll(2) on `fds` with a timeout already in ms (-1: for ever), e.g.
/// from [`poll_timeout_ms`] by a caller that has just read the clock.
#[inline]
pub fn poll_ms(fds: &mut [libc::pollfd], ms: c_int) -> Result<usize> {
    // SAFETY: `fds` is a live, writable array of `fds.len()` pollfds for the
    // whole call.
    let n = unsafe { syscall!(poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms)) }?;
    Ok(n as usize)
}

/// Forks seen by this process image: 0 in the original process, +1 in
/// each child (counted by a `pthread_atfork` handler, registered by
/// [`watch_forks`]). An object that remembers the generation it was made in
/// knows it was inherited by a forked child, without a `getpid` call.
static FORK_GEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

extern "C" fn forked_child() {
    FORK_GEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Starts counting forks (once per process; later calls do nothing) and
/// returns the current generation.
pub fn watch_forks() -> u64 {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a handler that only bumps an atomic
        // (async-signal-safe); a failure (ENOMEM) only leaves forks uncounted.
        let _ = unsafe { libc::pthread_atfork(None, None, Some(forked_child)) };
    });
    fork_generation()
}

/// The current fork generation (see [`watch_forks`]).
#[inline]
pub fn fork_generation() -> u64 {
    FORK_GEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// RAM + swap in bytes, read once (`sysinfo`): no single allocation can be
/// larger under Linux's default overcommit rule, so a peer announcing more
/// announces something that cannot be a message. `u64::MAX` if unknown.
pub fn memory_size() -> u64 {
    static SIZE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        // SAFETY: `sysinfo` is plain data; all-zero is a valid value.
        let mut si: libc::sysinfo = unsafe { std::mem::zeroed() };
        // SAFETY: `si` is a valid, writable `struct sysinfo`.
        if unsafe { libc::sysinfo(&mut si) } != 0 {
            return u64::MAX;
        }
        (si.totalram as u64)
            .saturating_add(si.totalswap as u64)
            .saturating_mul(u64::from(si.mem_unit).max(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Errno;
    use std::time::Duration;

    #[test]
    fn timeout_rounds_up_and_clamps() {
        let now = Instant::now();
        assert_eq!(poll_timeout_ms(None, now), -1);
        assert_eq!(poll_timeout_ms(Some(now), now), 0);
        assert_eq!(poll_timeout_ms(Some(now - Duration::from_secs(1)), now), 0);
        assert_eq!(
            poll_timeout_ms(Some(now + Duration::from_micros(1)), now),
            1
        );
        assert_eq!(
            poll_timeout_ms(Some(now + Duration::from_millis(5)), now),
            5
        );
        assert_eq!(
            poll_timeout_ms(Some(now + Duration::from_micros(5001)), now),
            6
        );
        let far = now + Duration::from_secs(u64::from(u32::MAX));
        assert_eq!(poll_timeout_ms(Some(far), now), c_int::MAX);
    }

    #[test]
    fn syscall_maps_minus_one_and_null_to_errno() {
        // SAFETY: closing -1 touches no descriptor; it only fails.
        let r = unsafe { syscall!(close(-1)) };
        assert_eq!(r, Err(Errno::EBADF));
        let mut bad = *b"/tmp/no-x\0";
        // SAFETY: the template is NUL-terminated and writable; without a
        // trailing XXXXXX mkdtemp fails with EINVAL and writes nothing.
        let r = unsafe { syscall!(ptr mkdtemp(bad.as_mut_ptr().cast())) };
        assert_eq!(r.map(|_| ()), Err(Errno::EINVAL));
    }

    #[test]
    fn poll_waits_until_the_deadline() {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        unsafe { syscall!(pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC)) }.expect("pipe2");
        let mut p = [libc::pollfd {
            fd: fds[0],
            events: libc::POLLIN,
            revents: 0,
        }];
        let t = Instant::now();
        assert_eq!(poll(&mut p, Some(t + Duration::from_millis(5))), Ok(0));
        assert!(t.elapsed() >= Duration::from_millis(5));
        // SAFETY: writes one byte from a live buffer to the pipe we own.
        unsafe { syscall!(write(fds[1], b"x".as_ptr().cast(), 1)) }.expect("write");
        assert_eq!(poll(&mut p, None), Ok(1));
        for fd in fds {
            // SAFETY: both descriptors are ours and closed once.
            unsafe { syscall!(close(fd)) }.expect("close");
        }
    }
}
