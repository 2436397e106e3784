//! The context's thread options (`zmq_ctx_set` ZMQ_THREAD_NAME_PREFIX,
//! ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_PRIORITY, ZMQ_THREAD_AFFINITY_CPU_*)
//! applied by a background thread to itself when it starts, as libzmq's
//! `thread_t::applySchedulingParameters` does:
//!
//! - name `[<prefix>/]ZMQbg/<role>` (e.g. `ZMQbg/IO/0`), cut to the 15
//!   bytes Linux keeps;
//! - the policy (if set) with the priority for SCHED_FIFO/SCHED_RR (0
//!   otherwise); for the other policies a set priority means "nice -20";
//! - the CPU set (if any CPU was added).
//!
//! Where libzmq aborts the process when the system refuses (SCHED_FIFO
//! without the privilege, a priority out of range, CPUs that do not exist),
//! the thread reports the error and exits; the caller fails with it.

use crate::error::{Errno, Result};

/// What a starting thread applies to itself. Defaults change nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadOpts {
    /// ZMQ_THREAD_NAME_PREFIX (libzmq keeps it as the text of the int).
    pub name_prefix: Option<String>,
    /// ZMQ_THREAD_SCHED_POLICY, `None` = inherit.
    pub sched_policy: Option<i32>,
    /// ZMQ_THREAD_PRIORITY, `None` = unchanged.
    pub priority: Option<i32>,
    /// ZMQ_THREAD_AFFINITY_CPU_ADD minus _REMOVE; empty = inherit.
    pub affinity: Vec<i32>,
}

/// Linux keeps 15 bytes of a thread name.
const NAME_MAX: usize = 15;

impl ThreadOpts {
    /// The thread name for `role` (`IO/0`), as libzmq formats it.
    pub fn name(&self, role: &str) -> String {
        let mut n = match &self.name_prefix {
            Some(p) => format!("{p}/ZMQbg/{role}"),
            None => format!("ZMQbg/{role}"),
        };
        n.truncate(NAME_MAX); // ASCII only: digits, '-', '/', letters
        n
    }

    /// Applies the options to the calling thread (named `name`).
    pub fn apply_to_current(&self, name: &str) -> Result<()> {
        set_name(name);
        self.apply_sched()?;
        self.apply_affinity()
    }

    fn apply_sched(&self) -> Result<()> {
        if self.sched_policy.is_none() && self.priority.is_none() {
            return Ok(());
        }
        // SAFETY: pthread_self has no preconditions.
        let me = unsafe { libc::pthread_self() };
        let mut policy: libc::c_int = 0;
        // SAFETY: sched_param is plain data; all-zero is valid.
        let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
        // SAFETY: valid out-pointers to our locals.
        let rc = unsafe { libc::pthread_getschedparam(me, &mut policy, &mut param) };
        if rc != 0 {
            return Err(Errno(rc));
        }
        if let Some(p) = self.sched_policy {
            policy = p;
        }
        let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
        if let Some(prio) = self.priority {
            param.sched_priority = if realtime { prio } else { 0 };
        }
        // SAFETY: `param` is a valid sched_param; bad values give an error.
        let rc = unsafe { libc::pthread_setschedparam(me, policy, &param) };
        if rc != 0 {
            return Err(Errno(rc));
        }
        if !realtime && self.priority.is_some() {
            // libzmq: a priority with a non-real-time policy means the
            // highest nice value for this thread.
            // SAFETY: gettid has no preconditions.
            let tid = unsafe { libc::syscall(libc::SYS_gettid) } as libc::id_t;
            // SAFETY: setpriority on our own thread id.
            if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, -20) } != 0 {
                return Err(Errno::last_os());
            }
        }
        Ok(())
    }

    fn apply_affinity(&self) -> Result<()> {
        if self.affinity.is_empty() {
            return Ok(());
        }
        // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
        for &cpu in &self.affinity {
            let cpu = usize::try_from(cpu).map_err(|_| Errno::EINVAL)?;
            if cpu >= max {
                return Err(Errno::EINVAL);
            }
            // SAFETY: `cpu` is below the set's bit count (checked above).
            unsafe { libc::CPU_SET(cpu, &mut set) };
        }
        // SAFETY: a valid cpu_set_t of the size given, for our own thread.
        let rc = unsafe {
            libc::pthread_setaffinity_np(
                libc::pthread_self(),
                std::mem::size_of::<libc::cpu_set_t>(),
                &set,
            )
        };
        if rc != 0 {
            return Err(Errno(rc));
        }
        Ok(())
    }
}

/// Names the calling thread (at most 15 bytes, no NUL inside).
fn set_name(name: &str) {
    let mut buf = [0u8; NAME_MAX + 1];
    let bytes = name.as_bytes();
    let n = bytes.len().min(NAME_MAX);
    buf[..n].copy_from_slice(&bytes[..n]);
    // SAFETY: `buf` is NUL-terminated and at most 16 bytes, as Linux wants;
    // a failure only leaves the name unchanged.
    let _ = unsafe { libc::pthread_setname_np(libc::pthread_self(), buf.as_ptr().cast()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_libzmq() {
        let mut o = ThreadOpts::default();
        assert_eq!(o.name("IO/0"), "ZMQbg/IO/0");
        o.name_prefix = Some("7".into());
        assert_eq!(o.name("IO/1"), "7/ZMQbg/IO/1");
        o.name_prefix = Some("1234567".into());
        assert_eq!(o.name("IO/0"), "1234567/ZMQbg/I");
    }

    #[test]
    fn refused_settings_are_errors() {
        let bad_cpu = ThreadOpts {
            affinity: vec![100_000],
            ..ThreadOpts::default()
        };
        let bad_policy = ThreadOpts {
            sched_policy: Some(99),
            ..ThreadOpts::default()
        };
        for o in [bad_cpu, bad_policy] {
            let r = std::thread::spawn(move || o.apply_to_current("t")).join();
            assert_eq!(r.unwrap(), Err(Errno::EINVAL));
        }
    }
}
