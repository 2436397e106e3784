//! The context: I/O threads, the socket registry (for shutdown and
//! termination), the inproc endpoint registry, and context options.
//!
//! It sits below the sockets and the engine: it knows a socket only by the
//! part other threads may hold ([`SocketShared`], its mailbox), and owns the
//! types of its registries.

use crate::error::{Errno, Result};
use crate::io::command::SocketShared;
use crate::io::reactor::IoThread;
use crate::io::thread_opts::ThreadOpts;
use crate::pipe::Pipe;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Context option numbers (zmq_ctx_set) by their short names; the values
/// are the `ZMQ_*` constants of [`crate::constants`].
pub mod opt {
    pub use crate::constants::{
        ZMQ_BLOCKY as BLOCKY, ZMQ_IO_THREADS as IO_THREADS, ZMQ_IPV6 as IPV6,
        ZMQ_MAX_MSGSZ as MAX_MSGSZ, ZMQ_MAX_SOCKETS as MAX_SOCKETS, ZMQ_MSG_T_SIZE as MSG_T_SIZE,
        ZMQ_SOCKET_LIMIT as SOCKET_LIMIT, ZMQ_THREAD_AFFINITY_CPU_ADD as THREAD_AFFINITY_CPU_ADD,
        ZMQ_THREAD_AFFINITY_CPU_REMOVE as THREAD_AFFINITY_CPU_REMOVE,
        ZMQ_THREAD_NAME_PREFIX as THREAD_NAME_PREFIX, ZMQ_THREAD_PRIORITY as THREAD_PRIORITY,
        ZMQ_THREAD_SCHED_POLICY as THREAD_SCHED_POLICY, ZMQ_ZERO_COPY_RECV as ZERO_COPY_RECV,
    };
}

#[derive(Debug, Clone)]
pub struct CtxOptions {
    pub io_threads: i32,
    pub max_sockets: i32,
    pub ipv6: bool,
    pub blocky: bool,
    pub max_msgsz: i32,
    pub thread_priority: i32,
    pub thread_sched_policy: i32,
    /// ZMQ_THREAD_NAME_PREFIX: None until set (zmq_ctx_get gives 0 then).
    pub thread_name_prefix: Option<i32>,
    /// A set: each CPU once.
    pub affinity_cpus: Vec<i32>,
    pub zero_copy_recv: bool,
}

impl CtxOptions {
    /// What the I/O threads apply to themselves when they start (options
    /// set later do not reach running threads, as in libzmq).
    fn thread_opts(&self) -> ThreadOpts {
        let dflt = |v: i32, d: i32| (v != d).then_some(v);
        ThreadOpts {
            name_prefix: self.thread_name_prefix.map(|p| p.to_string()),
            sched_policy: dflt(
                self.thread_sched_policy,
                crate::constants::ZMQ_THREAD_SCHED_POLICY_DFLT,
            ),
            priority: dflt(
                self.thread_priority,
                crate::constants::ZMQ_THREAD_PRIORITY_DFLT,
            ),
            affinity: self.affinity_cpus.clone(),
        }
    }
}

impl Default for CtxOptions {
    fn default() -> Self {
        CtxOptions {
            io_threads: crate::constants::ZMQ_IO_THREADS_DFLT,
            max_sockets: crate::constants::ZMQ_MAX_SOCKETS_DFLT,
            ipv6: false,
            blocky: true,
            max_msgsz: i32::MAX,
            thread_priority: crate::constants::ZMQ_THREAD_PRIORITY_DFLT,
            thread_sched_policy: crate::constants::ZMQ_THREAD_SCHED_POLICY_DFLT,
            thread_name_prefix: None,
            affinity_cpus: Vec::new(),
            zero_copy_recv: true,
        }
    }
}

/// An inproc endpoint bound by a socket: its mailbox and the options a
/// connecting socket needs to size the pipe and greet it.
pub(crate) struct InprocBound {
    pub socket: Arc<SocketShared>,
    pub socket_type: i32,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub routing_id: Vec<u8>,
}

/// An inproc connect waiting for its bind: the binder's pipe end and the
/// connecter's HWMs.
pub(crate) struct InprocPending {
    pub pipe: Pipe,
    /// The connecter's ZMQ_CONFLATE (it decides for the pipe, as libzmq).
    pub conflate: bool,
    pub sndhwm: i32,
    pub rcvhwm: i32,
}

pub struct CtxInner {
    pub(crate) opts: Mutex<CtxOptions>,
    io: OnceLock<Vec<IoThread>>,
    next_io: AtomicUsize,
    /// Live sockets' shared parts, by registry id.
    sockets: Mutex<HashMap<u64, Arc<SocketShared>>>,
    next_socket: AtomicUsize,
    /// Things that keep `zmq_ctx_term` waiting: open sockets and lingering
    /// sessions.
    busy: Mutex<usize>,
    idle: Condvar,
    pub(crate) inproc: Mutex<HashMap<String, InprocBound>>,
    /// inproc connects made before the bind, by endpoint name.
    pub(crate) inproc_pending: Mutex<HashMap<String, Vec<InprocPending>>>,
    terminating: AtomicBool,
    /// The process that made the context: a forked child has its memory but
    /// none of its threads (see `Context::term`).
    pid: u32,
}

/// Keeps `zmq_ctx_term` waiting while it lives (see `CtxInner::hold_guard`).
pub(crate) struct CtxHold(Arc<CtxInner>);

impl CtxHold {
    /// The context held.
    pub(crate) fn ctx(&self) -> &Arc<CtxInner> {
        &self.0
    }
}

impl Drop for CtxHold {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A context handle (the C `void *context`).
pub struct Context {
    inner: Arc<CtxInner>,
}

impl Default for CtxInner {
    fn default() -> Self {
        CtxInner {
            opts: Mutex::new(CtxOptions::default()),
            io: OnceLock::new(),
            next_io: AtomicUsize::new(0),
            sockets: Mutex::new(HashMap::new()),
            next_socket: AtomicUsize::new(1),
            busy: Mutex::new(0),
            idle: Condvar::new(),
            inproc: Mutex::new(HashMap::new()),
            inproc_pending: Mutex::new(HashMap::new()),
            terminating: AtomicBool::new(false),
            pid: std::process::id(),
        }
    }
}

impl CtxInner {
    /// An I/O thread for a new listener or connection, starting the
    /// threads on first use. ZMQ_AFFINITY (`affinity`, a bit per thread;
    /// 0 = any) limits the choice, as in libzmq's `choose_io_thread`; we go
    /// round robin among the allowed ones (libzmq picks the least loaded).
    /// None allowed: EMTHREAD.
    pub(crate) fn io_thread(&self, affinity: u64) -> Result<&IoThread> {
        let threads = self.io_threads()?;
        let allowed = |i: usize| affinity == 0 || (i < 64 && affinity & (1u64 << i) != 0);
        let n = (0..threads.len()).filter(|&i| allowed(i)).count();
        if n == 0 {
            return Err(Errno::EMTHREAD);
        }
        let k = self.next_io.fetch_add(1, Ordering::Relaxed) % n;
        let i = (0..threads.len())
            .filter(|&i| allowed(i))
            .nth(k)
            .ok_or(Errno::EMTHREAD)?;
        Ok(&threads[i])
    }

    fn io_threads(&self) -> Result<&Vec<IoThread>> {
        if let Some(t) = self.io.get() {
            return Ok(t);
        }
        let (n, topts) = {
            let o = self.opts.lock();
            (o.io_threads.max(0) as usize, o.thread_opts())
        };
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            // On an error the threads started so far stop (dropped).
            v.push(IoThread::start_with(i, &topts)?);
        }
        let _ = self.io.set(v);
        self.io.get().ok_or(Errno::EMTHREAD)
    }

    /// Marks one more thing `zmq_ctx_term` must wait for.
    pub(crate) fn hold(&self) {
        *self.busy.lock() += 1;
    }

    /// `hold` tied to a value: released when the guard is dropped, so an
    /// object that dies any way at all (even by a caught panic) lets
    /// `zmq_ctx_term` finish.
    pub(crate) fn hold_guard(self: &Arc<Self>) -> CtxHold {
        self.hold();
        CtxHold(self.clone())
    }

    /// Releases what `hold` took.
    pub(crate) fn release(&self) {
        let mut b = self.busy.lock();
        *b = b.saturating_sub(1);
        if *b == 0 {
            self.idle.notify_all();
        }
    }

    pub(crate) fn is_terminating(&self) -> bool {
        self.terminating.load(Ordering::Acquire)
    }

    pub(crate) fn unregister_socket(&self, id: u64) {
        if self.sockets.lock().remove(&id).is_some() {
            self.release();
        }
    }

    /// The options a new socket starts from: (BLOCKY, IPV6).
    pub(crate) fn socket_defaults(&self) -> (bool, bool) {
        let o = self.opts.lock();
        (o.blocky, o.ipv6)
    }

    /// Enters a new socket in the registry (so that shutdown reaches it and
    /// `zmq_ctx_term` waits for its close); returns its registry id. ETERM
    /// once the context is terminating, EMFILE past ZMQ_MAX_SOCKETS. The
    /// I/O threads are started here, so that later calls cannot fail for
    /// want of them.
    pub(crate) fn register_socket(&self, shared: &Arc<SocketShared>) -> Result<u64> {
        if self.is_terminating() {
            return Err(Errno::ETERM);
        }
        let max = self.opts.lock().max_sockets;
        self.io_threads()?;
        let mut sockets = self.sockets.lock();
        if sockets.len() >= max.max(0) as usize {
            return Err(Errno::EMFILE);
        }
        let id = self.next_socket.fetch_add(1, Ordering::Relaxed) as u64;
        sockets.insert(id, shared.clone());
        drop(sockets);
        self.hold();
        Ok(id)
    }

    fn stop_sockets(&self) {
        self.terminating.store(true, Ordering::Release);
        for s in self.sockets.lock().values() {
            s.stop();
        }
    }
}

impl Context {
    /// `zmq_ctx_new`.
    pub fn new() -> Context {
        Context {
            inner: Arc::new(CtxInner::default()),
        }
    }

    /// What sockets of this context hold.
    pub fn inner(&self) -> &Arc<CtxInner> {
        &self.inner
    }

    /// `zmq_ctx_shutdown`: every socket's blocking calls return ETERM.
    pub fn shutdown(&self) -> Result<()> {
        self.inner.stop_sockets();
        Ok(())
    }

    /// `zmq_ctx_term`: shutdown, then wait until every socket is closed and
    /// every lingering session has finished; then stop the I/O threads.
    ///
    /// In a child forked from the process that made the context, the I/O
    /// threads and sockets it would wait for are the parent's: it returns
    /// -1 with EINTR at once and touches nothing the parent shares (libzmq
    /// 4.3 detects the pid change and answers the same).
    pub fn term(&self) -> Result<()> {
        if std::process::id() != self.inner.pid {
            return Err(Errno::EINTR);
        }
        self.inner.stop_sockets();
        {
            let mut b = self.inner.busy.lock();
            while *b > 0 {
                self.inner.idle.wait(&mut b);
            }
        }
        if let Some(threads) = self.inner.io.get() {
            for t in threads {
                t.stop();
            }
        }
        Ok(())
    }

    /// `zmq_ctx_set`.
    pub fn set(&self, option: i32, value: i32) -> Result<()> {
        let mut o = self.inner.opts.lock();
        match option {
            opt::IO_THREADS if value >= 0 => o.io_threads = value,
            opt::MAX_SOCKETS if value >= 1 => o.max_sockets = value,
            // libzmq's ranges: the system checks the values when the
            // threads start (see io/thread_opts.rs).
            opt::THREAD_PRIORITY if value >= 0 => o.thread_priority = value,
            opt::THREAD_SCHED_POLICY if value >= 0 => o.thread_sched_policy = value,
            opt::THREAD_AFFINITY_CPU_ADD if value >= 0 => {
                if !o.affinity_cpus.contains(&value) {
                    o.affinity_cpus.push(value);
                }
            }
            opt::THREAD_AFFINITY_CPU_REMOVE if value >= 0 => {
                let Some(i) = o.affinity_cpus.iter().position(|&c| c == value) else {
                    return Err(Errno::EINVAL);
                };
                o.affinity_cpus.remove(i);
            }
            opt::THREAD_NAME_PREFIX => o.thread_name_prefix = Some(value),
            opt::MAX_MSGSZ if value >= 0 => o.max_msgsz = value,
            opt::ZERO_COPY_RECV => o.zero_copy_recv = value != 0,
            opt::IPV6 => o.ipv6 = value != 0,
            opt::BLOCKY => o.blocky = value != 0,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// `zmq_ctx_get`.
    pub fn get(&self, option: i32) -> Result<i32> {
        let o = self.inner.opts.lock();
        Ok(match option {
            opt::IO_THREADS => o.io_threads,
            opt::MAX_SOCKETS => o.max_sockets,
            opt::SOCKET_LIMIT => 65535,
            opt::THREAD_SCHED_POLICY => o.thread_sched_policy,
            opt::MAX_MSGSZ => o.max_msgsz,
            opt::MSG_T_SIZE => 64,
            opt::THREAD_NAME_PREFIX => o.thread_name_prefix.unwrap_or(0),
            opt::ZERO_COPY_RECV => o.zero_copy_recv as i32,
            opt::IPV6 => o.ipv6 as i32,
            opt::BLOCKY => o.blocky as i32,
            _ => return Err(Errno::EINVAL),
        })
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}
