//! The connecting side of a `zmq_connect`: where to connect, how to start a
//! non-blocking connect, and how long to wait before the next attempt
//! (RECONNECT_IVL, RECONNECT_IVL_MAX backoff, CONNECT_TIMEOUT), and when
//! to stop trying (ZMQ_RECONNECT_STOP).
//!
//! With ZMQ_SOCKS_PROXY a tcp connect goes to the proxy and then runs the
//! SOCKS5 handshake ([`crate::transport::socks`]) on the non-blocking fd,
//! one step per readiness event ([`Connecter::advance`]); the attempt is
//! established only once the proxy has connected to the target. The
//! handshake's failure is a failed connect (the session reconnects).
//!
//! It holds no fd and no timer: the session starts attempts with
//! [`Connecter::start`], arms the reactor's timers with the durations it is
//! given, and reports the outcome ([`Connecter::established`]).

use crate::constants::{
    ZMQ_RECONNECT_STOP_AFTER_DISCONNECT, ZMQ_RECONNECT_STOP_CONN_REFUSED,
    ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED,
};
use crate::error::{Errno, Result};
use crate::io::reactor::{READABLE, WRITABLE};
use crate::options::Options;
use crate::transport::socks::Socks5;
use crate::transport::{ipc, sys, tcp, SockOpts};
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Where a connecting session goes.
#[derive(Clone)]
pub enum Addr {
    Tcp(tcp::ConnectAddr),
    Ipc(String),
}

/// An attempt under way.
pub(super) struct Attempt {
    pub fd: OwnedFd,
    /// The connect did not complete at once: wait for the fd to be writable.
    pub in_progress: bool,
    /// The peer's address for `zmq_msg_gets("Peer-Address")` (tcp; for ipc
    /// it is known once established).
    pub peer_address: String,
}

pub(super) struct Connecter {
    addr: Addr,
    so: SockOpts,
    ipv6: bool,
    /// RECONNECT_IVL (ms); ≤ 0: no reconnection (R3).
    ivl: i32,
    /// RECONNECT_IVL_MAX (ms); ≤ 0: no backoff, a random wait instead.
    ivl_max: i32,
    /// CONNECT_TIMEOUT (ms); ≤ 0: the OS decides.
    connect_timeout: i32,
    /// The next wait while backing off.
    backoff: Duration,
    /// ZMQ_SOCKS_PROXY (`host:port`) and credentials; tcp only.
    socks: Option<Box<SocksProxy>>,
    /// The SOCKS handshake of the attempt under way, once the proxy's TCP
    /// connection is up.
    handshake: Option<Box<Socks5>>,
    /// The attempt's TCP connection to the proxy is up.
    proxy_up: bool,
    /// ZMQ_RECONNECT_STOP bits (draft): stop on ECONNREFUSED, on a failed
    /// handshake.
    reconnect_stop: i32,
    /// A RECONNECT_STOP condition happened: no further attempt.
    stopped: bool,
    /// The socket saw a `zmq_disconnect` (RECONNECT_STOP_AFTER_DISCONNECT).
    socket_disconnected: Arc<AtomicBool>,
}

struct SocksProxy {
    proxy: String,
    username: String,
    password: String,
}

impl Connecter {
    pub fn new(addr: Addr, opts: &Options) -> Connecter {
        Connecter {
            addr,
            so: opts.sock_opts(),
            ipv6: opts.ipv6,
            ivl: opts.reconnect_ivl,
            ivl_max: opts.reconnect_ivl_max,
            connect_timeout: opts.connect_timeout,
            backoff: ms(opts.reconnect_ivl),
            socks: (!opts.socks_proxy.is_empty()).then(|| {
                Box::new(SocksProxy {
                    proxy: opts.socks_proxy.clone(),
                    username: opts.socks_username.clone(),
                    password: opts.socks_password.clone(),
                })
            }),
            handshake: None,
            proxy_up: false,
            reconnect_stop: opts.reconnect_stop,
            stopped: false,
            socket_disconnected: opts.disconnected.clone(),
        }
    }

    pub fn is_tcp(&self) -> bool {
        matches!(self.addr, Addr::Tcp(_))
    }

    /// Starts a non-blocking connect (to the SOCKS proxy, if one is set:
    /// reported in progress, so that [`advance`](Self::advance) runs the
    /// handshake). On failure: the number of the socket that was opened and
    /// closed again, if any (for the CLOSED event).
    pub fn start(&mut self) -> std::result::Result<Attempt, Option<RawFd>> {
        let r = self.start_attempt();
        if let Err((e, _)) = &r {
            self.failed(*e);
        }
        r.map_err(|(_, fd)| fd)
    }

    fn start_attempt(&mut self) -> std::result::Result<Attempt, (Errno, Option<RawFd>)> {
        let no_fd = |e: Errno| (e, None);
        self.handshake = None;
        self.proxy_up = false;
        let (fd, in_progress, peer_address) = match (&self.addr, &self.socks) {
            (Addr::Tcp(a), Some(p)) => {
                // Checked on each attempt, as libzmq resolves it each time.
                let proxy = tcp::parse_connect(&p.proxy).map_err(no_fd)?;
                let (_, dst) = tcp::resolve_connect(&proxy, self.ipv6).map_err(no_fd)?;
                let hs = Socks5::new(&a.host, a.port, &p.username, &p.password).map_err(no_fd)?;
                let (fd, _) = tcp::connect_fd(None, dst, &self.so)?;
                self.handshake = Some(Box::new(hs));
                (fd, true, tcp::peer_address(&dst))
            }
            (Addr::Tcp(a), None) => {
                let (src, dst) = tcp::resolve_connect(a, self.ipv6).map_err(no_fd)?;
                let (fd, p) = tcp::connect_fd(src, dst, &self.so)?;
                (fd, p, tcp::peer_address(&dst))
            }
            (Addr::Ipc(path), _) => {
                let (fd, p) = ipc::connect_fd(path)?;
                (fd, p, String::new())
            }
        };
        Ok(Attempt {
            fd,
            in_progress,
            peer_address,
        })
    }

    /// How long a connect in progress may take, if limited.
    pub fn connect_timeout(&self) -> Option<Duration> {
        (self.connect_timeout > 0).then(|| ms(self.connect_timeout))
    }

    /// The connecting fd is ready: `Ok(None)` when the connection is
    /// established (for a SOCKS proxy: the handshake is done), `Ok(Some(
    /// interest))` to wait for READABLE or WRITABLE and call again, `Err`
    /// when the attempt failed.
    pub fn advance(&mut self, fd: &OwnedFd) -> Result<Option<u32>> {
        let step = self.advance_attempt(fd);
        if let Err(e) = &step {
            self.failed(*e);
        }
        step
    }

    fn advance_attempt(&mut self, fd: &OwnedFd) -> Result<Option<u32>> {
        let Some(hs) = self.handshake.as_mut() else {
            return tcp::finish_connect(fd.as_fd()).map(|()| None);
        };
        // The TCP connect to the proxy completes before any byte is sent.
        if !self.proxy_up {
            if let Err(e) = tcp::finish_connect(fd.as_fd()) {
                self.handshake = None;
                return Err(e);
            }
            self.proxy_up = true;
        }
        let step = drive(hs, fd);
        if !matches!(step, Ok(Some(_))) {
            self.handshake = None;
        }
        step
    }

    /// The connection broke (or was refused) before the ZMTP handshake
    /// completed: with ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED there is no
    /// further attempt (libzmq treats it as a protocol error).
    pub fn handshake_failed(&mut self) {
        if self.reconnect_stop & ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED != 0 {
            self.stopped = true;
        }
    }

    /// An attempt failed with `e`: ZMQ_RECONNECT_STOP_CONN_REFUSED stops
    /// reconnecting after ECONNREFUSED;
    /// ZMQ_RECONNECT_STOP_AFTER_DISCONNECT stops an ipc connecter refused
    /// after the socket saw a `zmq_disconnect` (libzmq's ipc_connecter).
    fn failed(&mut self, e: Errno) {
        if e != Errno::ECONNREFUSED {
            return;
        }
        let stop = self.reconnect_stop;
        let after_disconnect = stop & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0
            && matches!(self.addr, Addr::Ipc(_))
            && self.socket_disconnected.load(Ordering::Relaxed);
        if stop & ZMQ_RECONNECT_STOP_CONN_REFUSED != 0 || after_disconnect {
            self.stopped = true;
        }
    }

    /// The connection is up: tune it, reset the backoff. Returns the peer
    /// address if only now known (ipc: the peer's pid/uid), else None.
    pub fn established(&mut self, fd: &OwnedFd) -> Option<String> {
        self.backoff = ms(self.ivl);
        if self.is_tcp() {
            let _ = tcp::tune(fd.as_fd(), &self.so);
            None
        } else {
            Some(ipc::peer_address(fd.as_fd()))
        }
    }

    /// How long to wait before the next attempt; None: do not reconnect
    /// (RECONNECT_IVL ≤ 0, or a RECONNECT_STOP condition happened). With RECONNECT_IVL_MAX > 0 the wait doubles
    /// from RECONNECT_IVL up to that maximum; otherwise it is drawn from
    /// [ivl, 2·ivl).
    pub fn next_wait(&mut self) -> Option<Duration> {
        if self.ivl <= 0 || self.stopped {
            return None;
        }
        let base = ms(self.ivl);
        if self.ivl_max <= 0 {
            return Some(
                base + Duration::from_millis(crate::random::u32() as u64 % self.ivl as u64),
            );
        }
        let max = ms(self.ivl_max);
        let cur = self.backoff;
        self.backoff = (cur * 2).min(max);
        Some(cur.min(max))
    }
}

/// Runs the SOCKS handshake as far as the fd allows without blocking.
fn drive(hs: &mut Socks5, fd: &OwnedFd) -> Result<Option<u32>> {
    let mut buf = [0u8; 262];
    loop {
        if !hs.output().is_empty() {
            match sys::write(fd.as_fd(), hs.output()) {
                Ok(n) => hs.advance_output(n),
                Err(Errno::EAGAIN) => return Ok(Some(WRITABLE)),
                Err(e) => return Err(e),
            }
            continue;
        }
        if hs.is_done() {
            return Ok(None);
        }
        let want = hs.want().min(buf.len());
        match sys::read(fd.as_fd(), &mut buf[..want]) {
            Ok(0) => return Err(Errno::ECONNRESET),
            Ok(n) => hs.input(&buf[..n])?,
            Err(Errno::EAGAIN) => return Ok(Some(READABLE)),
            Err(e) => return Err(e),
        }
    }
}

fn ms(v: i32) -> Duration {
    Duration::from_millis(v.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connecter(ivl: i32, ivl_max: i32) -> Connecter {
        let mut o = Options::new(crate::zmtp::socket_types::DEALER, true);
        o.reconnect_ivl = ivl;
        o.reconnect_ivl_max = ivl_max;
        Connecter::new(Addr::Ipc("/nonexistent/x".into()), &o)
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum_and_resets() {
        let mut c = connecter(100, 450);
        let waits: Vec<u64> = (0..5)
            .map(|_| c.next_wait().unwrap().as_millis() as u64)
            .collect();
        assert_eq!(waits, [100, 200, 400, 450, 450]);
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        c.established(&OwnedFd::from(a));
        assert_eq!(c.next_wait(), Some(ms(100)));
    }

    #[test]
    fn without_a_maximum_the_wait_is_jittered() {
        let mut c = connecter(100, 0);
        for _ in 0..50 {
            let w = c.next_wait().unwrap();
            assert!(w >= ms(100) && w < ms(200), "{w:?}");
        }
    }

    #[test]
    fn no_reconnect_without_an_interval() {
        assert_eq!(connecter(0, 0).next_wait(), None);
        assert_eq!(connecter(-1, 500).next_wait(), None);
    }

    #[test]
    fn reconnect_stop_conditions_end_the_retries() {
        let mut o = Options::new(crate::zmtp::socket_types::DEALER, true);
        o.reconnect_stop = ZMQ_RECONNECT_STOP_CONN_REFUSED;
        let dir = std::env::temp_dir().join(format!("zmq-rs-stop-{}", std::process::id()));
        let path = dir.with_extension("sock");
        let _l = std::os::unix::net::UnixListener::bind(&path).unwrap();
        drop(_l); // the file stays: connecting is refused
        let refused = Addr::Ipc(path.to_string_lossy().into());
        let mut c = Connecter::new(refused.clone(), &o);
        assert!(c.start().is_err());
        assert_eq!(c.next_wait(), None);
        // AFTER_DISCONNECT: a refused ipc connect stops only once the
        // socket has seen a zmq_disconnect.
        o.reconnect_stop = ZMQ_RECONNECT_STOP_AFTER_DISCONNECT;
        let mut c = Connecter::new(refused.clone(), &o);
        assert!(c.start().is_err());
        assert!(c.next_wait().is_some());
        o.disconnected.store(true, Ordering::Relaxed);
        assert!(c.start().is_err());
        assert_eq!(c.next_wait(), None);
        o.reconnect_stop = ZMQ_RECONNECT_STOP_CONN_REFUSED;
        let _ = std::fs::remove_file(&path);
        // Another error (no such file) does not stop it.
        let mut c = Connecter::new(Addr::Ipc("/nonexistent/x".into()), &o);
        assert!(c.start().is_err());
        assert!(c.next_wait().is_some());
        c.handshake_failed();
        assert!(c.next_wait().is_some());
        o.reconnect_stop = ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED;
        let mut c = Connecter::new(Addr::Ipc("/nonexistent/x".into()), &o);
        c.handshake_failed();
        assert_eq!(c.next_wait(), None);
    }

    #[test]
    fn a_refused_ipc_connect_is_an_error() {
        assert!(connecter(100, 0).start().is_err());
        assert_eq!(connecter(100, 0).connect_timeout(), None);
    }
}
