//! `zmq_socket_monitor`, `zmq_socket_monitor_versioned` and
//! `zmq_socket_monitor_pipes_stats`: the monitor socket (a PAIR, PUB or
//! PUSH socket of the same context, LINGER 0, bound to the user's inproc
//! endpoint) and the sink that writes events on it ([`MonitorSocket`]),
//! installed in the socket's [`Monitor`](crate::io::monitor::Monitor) where
//! listeners, connecters and sessions raise them.
//!
//! Frames (BEHAVIOUR E1): version 1 sends a 6-byte frame (u16 event, u32
//! value, host byte order) and the endpoint; version 2 sends the u64 event,
//! the u64 value count, each u64 value, the local and the remote endpoint.
//!
//! Events are sent with DONTWAIT from whichever thread raises them, under
//! the monitor's lock: an event that finds no reader connected, or the
//! monitor pipe at its HWM, is dropped — except MONITOR_STOPPED, the last
//! one, for which the HWM is lifted. libzmq blocks the raising thread
//! instead (even an I/O thread), which BEHAVIOUR B4 lists as a bug.

use super::{Socket, DONTWAIT, SNDMORE};
use crate::constants::{ZMQ_LINGER, ZMQ_PAIR, ZMQ_PUB, ZMQ_PUSH, ZMQ_SNDHWM};
use crate::error::{Errno, Result};
use crate::io::monitor::{events, EndpointPair, Event, MonitorSink, ALL_V1};
use crate::msg::Msg;
use crate::transport::{self, Endpoint};

/// The monitor socket and the event format it was asked for.
struct MonitorSocket {
    socket: Box<Socket>,
    /// 1 or 2.
    version: i32,
}

impl MonitorSocket {
    fn frame(&mut self, data: &[u8], more: bool) -> Result<()> {
        let flags = DONTWAIT | if more { SNDMORE } else { 0 };
        self.socket.send(&mut Msg::from_slice(data), flags)
    }

    fn send(&mut self, ev: &Event<'_>) -> Result<()> {
        let value = ev.values.first().copied().unwrap_or(0);
        if self.version == 1 {
            let mut head = [0u8; 6];
            head[..2].copy_from_slice(&(ev.event as u16).to_ne_bytes());
            head[2..].copy_from_slice(&(value as u32).to_ne_bytes());
            self.frame(&head, true)?;
            return self.frame(ev.endpoints.identifier().as_bytes(), false);
        }
        self.frame(&ev.event.to_ne_bytes(), true)?;
        self.frame(&(ev.values.len() as u64).to_ne_bytes(), true)?;
        for v in ev.values {
            self.frame(&v.to_ne_bytes(), true)?;
        }
        self.frame(ev.endpoints.local.as_bytes(), true)?;
        self.frame(ev.endpoints.remote.as_bytes(), false)
    }
}

impl MonitorSink for MonitorSocket {
    fn deliver(&mut self, ev: &Event<'_>) {
        if ev.event == events::MONITOR_STOPPED {
            // The last event: never dropped for the HWM (nothing follows it,
            // and a reader waits for it). libzmq blocks instead.
            let _ = self.socket.setsockopt(ZMQ_SNDHWM, &0i32.to_ne_bytes());
        }
        // No reader, HWM, or the context is terminating: dropped (see the
        // module docs). A message is all or nothing: the HWM counts whole
        // messages, so only the first frame can fail.
        let _ = self.send(ev);
    }
}

impl Socket {
    /// `zmq_socket_monitor_versioned` (`zmq_socket_monitor` is version 1
    /// with a PAIR socket). `addr` None stops monitoring (MONITOR_STOPPED
    /// is sent if asked for); a new monitor replaces the old one, which is
    /// stopped the same way. ETERM, EINVAL (version, a version-1 mask above
    /// 16 bits, socket type, endpoint syntax), EPROTONOSUPPORT (not inproc),
    /// or the bind's error (EADDRINUSE).
    pub fn monitor(
        &mut self,
        addr: Option<&str>,
        mask: u64,
        version: i32,
        socket_type: i32,
    ) -> Result<()> {
        self.check_alive()?;
        if !(1..=2).contains(&version) || (version == 1 && mask & !ALL_V1 != 0) {
            return Err(Errno::EINVAL);
        }
        let Some(addr) = addr else {
            drop(self.shared.monitor.stop(true));
            return Ok(());
        };
        if !matches!(transport::parse(addr)?, Endpoint::Inproc(_)) {
            return Err(Errno::EPROTONOSUPPORT);
        }
        // As libzmq: the old monitor goes before the type is checked.
        drop(self.shared.monitor.stop(true));
        if !matches!(socket_type, ZMQ_PAIR | ZMQ_PUB | ZMQ_PUSH) {
            return Err(Errno::EINVAL);
        }
        let mut socket = Socket::open(&self.ctx, socket_type)?;
        socket.setsockopt(ZMQ_LINGER, &0i32.to_ne_bytes())?;
        socket.bind(addr)?;
        let sink = MonitorSocket { socket, version };
        drop(self.shared.monitor.start(mask, Box::new(sink)));
        Ok(())
    }

    /// `zmq_socket_monitor_pipes_stats`: one PIPES_STATS event per pipe,
    /// values [messages queued outbound, inbound], with the pipe's
    /// endpoints. EINVAL if PIPES_STATS is not monitored, EAGAIN without
    /// pipes.
    ///
    /// libzmq asks each pipe's peer by command and raises the events when
    /// the answers come back; we count both directions here and raise them
    /// at once. The inbound count is of frames published and not yet read.
    pub fn monitor_pipes_stats(&mut self) -> Result<()> {
        if !self.shared.monitor.wants(events::PIPES_STATS) {
            return Err(Errno::EINVAL);
        }
        // Pipes attached meanwhile count (libzmq reports no ETERM here).
        let _ = self.process_commands();
        if self.core.pipes.is_empty() {
            return Err(Errno::EAGAIN);
        }
        let mut live = Vec::new();
        for id in self.core.pipes.ids() {
            let Some(p) = self.core.pipes.get(id) else {
                continue;
            };
            live.push(p.id());
            let values = [p.out_pending(), p.in_pending()];
            let none = EndpointPair::default();
            let pair = self.pipe_endpoints.get(&p.id()).unwrap_or(&none);
            self.shared
                .monitor
                .deliver(events::PIPES_STATS, &values, pair);
        }
        self.pipe_endpoints.retain(|uid, _| live.contains(uid));
        Ok(())
    }

    /// Remembers a pipe's endpoints for PIPES_STATS (only while that event
    /// is monitored: nothing is kept otherwise).
    pub(super) fn note_pipe_endpoints(
        &mut self,
        pipe_uid: u64,
        pair: impl FnOnce() -> EndpointPair,
    ) {
        if self.shared.monitor.wants(events::PIPES_STATS) {
            self.pipe_endpoints.insert(pipe_uid, pair());
        }
    }

    /// The context is terminating (or the socket closing): MONITOR_STOPPED
    /// and the monitor socket closed (BEHAVIOUR T4).
    pub(super) fn stop_monitor(&mut self) {
        drop(self.shared.monitor.stop(true));
    }
}
