//! How an I/O thread starts: its name and scheduling, from the context's
//! ZMQ_THREAD_NAME_PREFIX, ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_PRIORITY and
//! ZMQ_THREAD_AFFINITY_CPU_ADD/REMOVE (libzmq's `thread_t`). They apply to
//! threads started after they are set, i.e. before the context's first
//! socket, as in libzmq.

use std::mem;

/// The context's thread options, as given to `zmq_ctx_set`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSetup {
    /// ZMQ_THREAD_NAME_PREFIX; < 0: none.
    pub name_prefix: i32,
    /// ZMQ_THREAD_SCHED_POLICY (SCHED_OTHER, SCHED_FIFO, ...); -1: keep.
    pub sched_policy: i32,
    /// ZMQ_THREAD_PRIORITY; -1: keep.
    pub priority: i32,
    /// ZMQ_THREAD_AFFINITY_CPU_ADD/REMOVE; empty: any CPU.
    pub cpus: Vec<i32>,
}

impl Default for ThreadSetup {
    fn default() -> Self {
        ThreadSetup {
            name_prefix: -1,
            sched_policy: -1,
            priority: -1,
            cpus: Vec::new(),
        }
    }
}

impl ThreadSetup {
    /// libzmq's thread name: `ZMQbg/<name>`, or `<prefix>/ZMQbg/<name>`
    /// (the OS keeps the first 15 bytes).
    pub fn thread_name(&self, name: &str) -> String {
        if self.name_prefix >= 0 {
            format!("{}/ZMQbg/{name}", self.name_prefix)
        } else {
            format!("ZMQbg/{name}")
        }
    }

    /// Applies the scheduling policy, priority and CPU set to the calling
    /// thread, as libzmq's `applySchedulingParameters`: with a policy other
    /// than SCHED_FIFO/SCHED_RR the static priority stays 0 and a priority
    /// given means `nice(-20)`. What the OS refuses (no privilege, a CPU
    /// that does not exist) is left as it was: the thread runs anyway
    /// (libzmq asserts instead).
    pub fn apply_to_current_thread(&self) {
        if self.sched_policy != -1 || self.priority != -1 {
            self.apply_scheduling();
        }
        if !self.cpus.is_empty() {
            self.apply_affinity();
        }
    }

    fn apply_scheduling(&self) {
        let mut policy = 0;
        // SAFETY: sched_param is plain data; all-zero is valid.
        let mut param: libc::sched_param = unsafe { mem::zeroed() };
        // SAFETY: pthread_self is always valid; the out-pointers are live.
        let rc =
            unsafe { libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param) };
        if rc != 0 {
            return;
        }
        if self.sched_policy != -1 {
            policy = self.sched_policy;
        }
        let use_nice = policy != libc::SCHED_FIFO && policy != libc::SCHED_RR;
        if self.priority != -1 {
            param.sched_priority = if use_nice { 0 } else { self.priority };
        }
        // SAFETY: as above; `param` is a live sched_param.
        let _ = unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) };
        if use_nice && self.priority != -1 {
            // As libzmq: any priority under such a policy asks for the
            // highest one, nice -20 (needs CAP_SYS_NICE).
            // SAFETY: no pointer arguments; on Linux it affects this thread.
            let _ = unsafe { libc::nice(-20) };
        }
    }

    fn apply_affinity(&self) {
        // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
        let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
        for &cpu in &self.cpus {
            if (0..libc::CPU_SETSIZE).contains(&cpu) {
                // SAFETY: `cpu` is below CPU_SETSIZE, inside `set`.
                unsafe { libc::CPU_SET(cpu as usize, &mut set) };
            }
        }
        // SAFETY: `set` is a live cpu_set_t of the size given; 0 = this thread.
        let _ = unsafe { libc::sched_setaffinity(0, mem::size_of::<libc::cpu_set_t>(), &set) };
    }
}

/// Names the calling thread (`pthread_setname_np`; the OS keeps 15
/// bytes, so the name is cut there, at a character boundary).
pub fn set_current_thread_name(name: &str) {
    let mut end = name.len().min(15);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let Ok(c) = std::ffi::CString::new(&name[..end]) else {
        return;
    };
    // SAFETY: `c` is a NUL-terminated string of at most 16 bytes.
    let _ = unsafe { libc::pthread_setname_np(libc::pthread_self(), c.as_ptr()) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_libzmq() {
        let mut s = ThreadSetup::default();
        assert_eq!(s.thread_name("IO/0"), "ZMQbg/IO/0");
        s.name_prefix = 7;
        assert_eq!(s.thread_name("IO/1"), "7/ZMQbg/IO/1");
    }

    #[test]
    fn affinity_applies_to_the_calling_thread() {
        let s = ThreadSetup {
            cpus: vec![0],
            ..ThreadSetup::default()
        };
        std::thread::spawn(move || {
            s.apply_to_current_thread();
            // SAFETY: cpu_set_t is plain data; the out-pointer is live.
            let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
            let size = mem::size_of::<libc::cpu_set_t>();
            // SAFETY: as above.
            assert_eq!(unsafe { libc::sched_getaffinity(0, size, &mut set) }, 0);
            // SAFETY: reads the live set only.
            let (count, zero) = unsafe { (libc::CPU_COUNT(&set), libc::CPU_ISSET(0, &set)) };
            assert_eq!(count, 1);
            assert!(zero);
        })
        .join()
        .unwrap();
    }
}
