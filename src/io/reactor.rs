//! I/O thread: an epoll loop over file descriptors, a command mailbox and
//! timers. Objects living in an I/O thread (listeners, sessions) implement
//! [`IoObject`] and are addressed by a process-unique token.
//!
//! Contract: an object is only ever touched by its I/O thread. Other threads
//! reach it by posting an [`IoCmd`] to the thread's mailbox; pipe events for
//! a session arrive the same way (see [`IoNotifier`]).

use crate::error::{Errno, Result};
use crate::io::mailbox::Mailbox;
use crate::io::thread_opts::ThreadOpts;
use crate::pipe::{PipeEvent, PipeEvents};
use crate::sys::{poll_timeout_ms, syscall};
use std::collections::{BTreeMap, HashMap};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// epoll readiness bits, re-exported for objects.
pub const READABLE: u32 = libc::EPOLLIN as u32;
pub const WRITABLE: u32 = libc::EPOLLOUT as u32;
/// Error or hang-up on the fd.
pub const ERROR: u32 = (libc::EPOLLERR | libc::EPOLLHUP) as u32;

/// The token of the mailbox's own eventfd in epoll.
const MAILBOX_TOKEN: u64 = 0;

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Set in the token an object gives a second pipe end it owns (a session's
/// ZAP pipe): its events reach the same object, which tells the pipes
/// apart by this bit. Object tokens never have it.
pub const SECOND_PIPE: u64 = 1 << 63;

/// A fresh process-unique object token.
pub fn new_token() -> u64 {
    NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
}

/// Something living in an I/O thread.
pub trait IoObject: Send {
    /// Called once when the object is registered.
    fn start(&mut self, r: &mut Reactor, token: u64);
    /// Its fd is ready (`READABLE`/`WRITABLE`/`ERROR` bits).
    fn ready(&mut self, r: &mut Reactor, token: u64, events: u32);
    /// An event on a pipe end it owns.
    fn pipe(&mut self, r: &mut Reactor, token: u64, ev: PipeEvent);
    /// A timer it set has fired.
    fn timer(&mut self, r: &mut Reactor, token: u64, id: u32);
    /// Its owner asks it to close: at once (`linger` false: unbind,
    /// disconnect) or after flushing what it holds (socket closed).
    fn close(&mut self, r: &mut Reactor, token: u64, linger: bool);
}

/// Commands to an I/O thread.
pub enum IoCmd {
    Register { token: u64, obj: Box<dyn IoObject> },
    Pipe { token: u64, ev: PipeEvent },
    Close { token: u64, linger: bool },
    Stop,
}

/// Pipe events for a session end, delivered through its I/O thread's mailbox.
pub struct IoNotifier {
    pub mailbox: Arc<Mailbox<IoCmd>>,
}

impl PipeEvents for IoNotifier {
    fn pipe_event(&self, token: u64, ev: PipeEvent) {
        self.mailbox.send(IoCmd::Pipe { token, ev });
    }
}

/// The state an object sees while it runs: epoll registration, timers,
/// and the object table.
pub struct Reactor {
    epfd: RawFd,
    mailbox: Arc<Mailbox<IoCmd>>,
    objects: HashMap<u64, Option<Box<dyn IoObject>>>,
    timers: BTreeMap<(Instant, u64), (u64, u32)>,
    timer_seq: u64,
    /// Objects that asked to be removed while running.
    removed: Vec<u64>,
    stop: bool,
}

/// Identifies a timer for cancellation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TimerKey(Instant, u64);

impl Reactor {
    /// The thread's mailbox (to post commands or build pipe notifiers).
    pub fn mailbox(&self) -> &Arc<Mailbox<IoCmd>> {
        &self.mailbox
    }

    fn ctl(&self, op: i32, fd: RawFd, token: u64, events: u32) -> Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: epfd is our epoll instance; ev is a valid epoll_event.
        unsafe { syscall!(epoll_ctl(self.epfd, op, fd, &mut ev)) }?;
        Ok(())
    }

    /// Starts watching `fd` for `events` on behalf of `token`.
    pub fn add_fd(&mut self, fd: RawFd, token: u64, events: u32) -> Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, events)
    }
    /// Changes the events watched on `fd`.
    pub fn modify_fd(&mut self, fd: RawFd, token: u64, events: u32) -> Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, events)
    }
    /// Stops watching `fd` (call before closing it).
    pub fn remove_fd(&mut self, fd: RawFd) {
        let _ = self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0);
    }

    /// Arms a one-shot timer; `timer(token, id)` is called at `at`.
    pub fn add_timer(&mut self, token: u64, id: u32, at: Instant) -> TimerKey {
        self.timer_seq += 1;
        self.timers.insert((at, self.timer_seq), (token, id));
        TimerKey(at, self.timer_seq)
    }
    /// Cancels a timer (no-op if it already fired).
    pub fn cancel_timer(&mut self, key: TimerKey) {
        self.timers.remove(&(key.0, key.1));
    }

    /// Registers a new object in this thread (from inside the thread).
    pub fn register(&mut self, token: u64, mut obj: Box<dyn IoObject>) {
        obj.start(self, token);
        if self.removed.contains(&token) {
            self.removed.retain(|&t| t != token);
            return;
        }
        self.objects.insert(token, Some(obj));
    }

    /// True while an object with this token lives in this thread.
    pub fn contains(&self, token: u64) -> bool {
        self.objects.contains_key(&token)
    }

    /// Removes the calling object once its current callback returns.
    pub fn remove(&mut self, token: u64) {
        self.removed.push(token);
    }

    /// Asks an object of this thread to close (delivered via the mailbox).
    pub fn close_later(&self, token: u64, linger: bool) {
        self.mailbox.send(IoCmd::Close { token, linger });
    }

    fn with_object(&mut self, token: u64, f: impl FnOnce(&mut dyn IoObject, &mut Reactor)) {
        let Some(slot) = self.objects.get_mut(&token) else {
            return;
        };
        let Some(mut obj) = slot.take() else { return };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(obj.as_mut(), self)));
        if r.is_err() {
            eprintln!("libzmq-rs: internal error in an I/O object; its connection is closed");
            self.removed.push(token);
        }
        if let Some(slot) = self.objects.get_mut(&token) {
            *slot = Some(obj);
        }
        self.reap();
    }

    fn reap(&mut self) {
        while let Some(t) = self.removed.pop() {
            self.objects.remove(&t);
        }
    }

    fn handle_cmd(&mut self, cmd: IoCmd) {
        match cmd {
            IoCmd::Register { token, obj } => self.register(token, obj),
            IoCmd::Pipe { token, ev } => {
                self.with_object(token & !SECOND_PIPE, |o, r| o.pipe(r, token, ev))
            }
            IoCmd::Close { token, linger } => {
                self.with_object(token, |o, r| o.close(r, token, linger))
            }
            IoCmd::Stop => self.stop = true,
        }
    }

    fn run(&mut self) {
        let mut events: Vec<libc::epoll_event> = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
        loop {
            // Drain commands; go passive only when none are left.
            while let Some(cmd) = self.mailbox.try_recv() {
                self.handle_cmd(cmd);
            }
            if self.stop {
                return;
            }
            let now = Instant::now();
            self.fire_timers(now);
            let passive = self.mailbox.go_passive();
            let timeout = if !passive {
                0
            } else {
                match self.timers.keys().next() {
                    None => -1,
                    Some(&(at, _)) => poll_timeout_ms(Some(at), Instant::now()),
                }
            };
            // SAFETY: events has room for its length in epoll_event records.
            let n = unsafe {
                syscall!(epoll_wait(
                    self.epfd,
                    events.as_mut_ptr(),
                    events.len() as i32,
                    timeout
                ))
            };
            let Ok(n) = n else {
                continue; // EINTR
            };
            for ev in events.iter().take(n as usize) {
                let token = ev.u64;
                let bits = ev.events;
                if token == MAILBOX_TOKEN {
                    self.mailbox.clear_fd();
                    continue;
                }
                self.with_object(token, |o, r| o.ready(r, token, bits));
            }
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some((&k, &(token, id))) = self.timers.iter().next() {
            if k.0 > now {
                break;
            }
            self.timers.remove(&k);
            self.with_object(token, |o, r| o.timer(r, token, id));
        }
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        self.objects.clear();
        // SAFETY: we own the epoll fd and close it once, here; a failed close
        // leaves nothing to do.
        let _ = unsafe { syscall!(close(self.epfd)) };
    }
}

/// A running I/O thread.
pub struct IoThread {
    mailbox: Arc<Mailbox<IoCmd>>,
    handle: parking_lot::Mutex<Option<JoinHandle<()>>>,
}

impl IoThread {
    /// Starts I/O thread number `index` with default thread options.
    pub fn start(index: usize) -> Result<IoThread> {
        IoThread::start_with(index, &ThreadOpts::default())
    }

    /// Starts I/O thread number `index`, named and scheduled by `opts`
    /// (`ZMQbg/IO/<index>`): the thread applies them to itself before it
    /// runs, and the error if the system refuses them is returned here.
    pub fn start_with(index: usize, opts: &ThreadOpts) -> Result<IoThread> {
        let mailbox: Arc<Mailbox<IoCmd>> = Arc::new(Mailbox::new()?);
        // SAFETY: epoll_create1 has no memory-safety preconditions.
        let epfd = unsafe { syscall!(epoll_create1(libc::EPOLL_CLOEXEC)) }?;
        let mut reactor = Reactor {
            epfd,
            mailbox: mailbox.clone(),
            objects: HashMap::new(),
            timers: BTreeMap::new(),
            timer_seq: 0,
            removed: Vec::new(),
            stop: false,
        };
        reactor.add_fd(mailbox.fd(), MAILBOX_TOKEN, READABLE)?;
        let name = opts.name(&format!("IO/{index}"));
        let (opts, (tx, rx)) = (opts.clone(), std::sync::mpsc::sync_channel(1));
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let applied = opts.apply_to_current(&name);
                let ok = applied.is_ok();
                let _ = tx.send(applied);
                if ok {
                    reactor.run();
                }
            })
            .map_err(|_| Errno::EMTHREAD)?;
        if let Err(e) = rx.recv().unwrap_or(Err(Errno::EMTHREAD)) {
            let _ = handle.join();
            return Err(e);
        }
        Ok(IoThread {
            mailbox,
            handle: parking_lot::Mutex::new(Some(handle)),
        })
    }

    /// The thread's mailbox.
    pub fn mailbox(&self) -> &Arc<Mailbox<IoCmd>> {
        &self.mailbox
    }

    /// Posts a command.
    pub fn send(&self, cmd: IoCmd) {
        self.mailbox.send(cmd);
    }

    /// Stops the thread and waits for it.
    pub fn stop(&self) {
        self.mailbox.send(IoCmd::Stop);
        if let Some(h) = self.handle.lock().take() {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Milliseconds option value to a Duration (negative: None).
pub fn ms(v: i32) -> Option<Duration> {
    (v >= 0).then(|| Duration::from_millis(v as u64))
}
