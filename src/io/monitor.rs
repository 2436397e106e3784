//! Socket monitoring below the engine: the events a socket's listeners,
//! connecters and sessions raise (`ZMQ_EVENT_*`), and the [`Monitor`] they
//! raise them on — a mask and a sink that the socket layer installs
//! (`zmq_socket_monitor`, `socket/monitor.rs`).
//!
//! Monitoring off costs one relaxed atomic load per *connection event*
//! (never per message): [`Monitor::raise`] checks the mask and returns.
//! With monitoring on, the event is handed to the sink under the monitor's
//! lock, from whichever thread raised it (an I/O thread, or the socket's
//! own thread for LISTENING/BIND_FAILED/MONITOR_STOPPED/PIPES_STATS), as
//! libzmq does under its `_monitor_sync`.

use crate::constants as c;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The `ZMQ_EVENT_*` bits as the `u64` events of the versioned monitor.
pub mod events {
    use crate::constants as c;
    pub const CONNECTED: u64 = c::ZMQ_EVENT_CONNECTED as u64;
    pub const CONNECT_DELAYED: u64 = c::ZMQ_EVENT_CONNECT_DELAYED as u64;
    pub const CONNECT_RETRIED: u64 = c::ZMQ_EVENT_CONNECT_RETRIED as u64;
    pub const LISTENING: u64 = c::ZMQ_EVENT_LISTENING as u64;
    pub const BIND_FAILED: u64 = c::ZMQ_EVENT_BIND_FAILED as u64;
    pub const ACCEPTED: u64 = c::ZMQ_EVENT_ACCEPTED as u64;
    pub const ACCEPT_FAILED: u64 = c::ZMQ_EVENT_ACCEPT_FAILED as u64;
    pub const CLOSED: u64 = c::ZMQ_EVENT_CLOSED as u64;
    pub const CLOSE_FAILED: u64 = c::ZMQ_EVENT_CLOSE_FAILED as u64;
    pub const DISCONNECTED: u64 = c::ZMQ_EVENT_DISCONNECTED as u64;
    pub const MONITOR_STOPPED: u64 = c::ZMQ_EVENT_MONITOR_STOPPED as u64;
    pub const HANDSHAKE_FAILED_NO_DETAIL: u64 = c::ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL as u64;
    pub const HANDSHAKE_SUCCEEDED: u64 = c::ZMQ_EVENT_HANDSHAKE_SUCCEEDED as u64;
    pub const HANDSHAKE_FAILED_PROTOCOL: u64 = c::ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL as u64;
    /// Raised by the security layer (ZAP, issue 9) through
    /// [`super::Monitor::raise`] with the ZAP status code as the value.
    pub const HANDSHAKE_FAILED_AUTH: u64 = c::ZMQ_EVENT_HANDSHAKE_FAILED_AUTH as u64;
    /// Draft: one per pipe, values = [outbound queued, inbound queued].
    pub const PIPES_STATS: u64 = c::ZMQ_EVENT_PIPES_STATS as u64;
}

/// `ZMQ_EVENT_ALL` of the version-1 monitor (events fit 16 bits).
pub const ALL_V1: u64 = c::ZMQ_EVENT_ALL as u64;

/// The two ends of what an event is about (libzmq's `endpoint_uri_pair_t`).
/// Version 1 sends only [`identifier`](Self::identifier); version 2 sends
/// both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointPair {
    pub local: String,
    pub remote: String,
    /// The connection was made by a `zmq_connect` (identifier = remote).
    pub connect: bool,
}

impl EndpointPair {
    /// A bind-side object (listener, accepted connection): `local` is the
    /// bound endpoint.
    pub fn bind(local: impl Into<String>, remote: impl Into<String>) -> EndpointPair {
        EndpointPair {
            local: local.into(),
            remote: remote.into(),
            connect: false,
        }
    }

    /// A connect-side object: `remote` is the endpoint as connected.
    pub fn connect(local: impl Into<String>, remote: impl Into<String>) -> EndpointPair {
        EndpointPair {
            local: local.into(),
            remote: remote.into(),
            connect: true,
        }
    }

    /// The endpoint a version-1 event carries.
    pub fn identifier(&self) -> &str {
        if self.connect {
            &self.remote
        } else {
            &self.local
        }
    }
}

/// One event as the sink receives it.
#[derive(Debug)]
pub struct Event<'a> {
    /// One `ZMQ_EVENT_*` bit.
    pub event: u64,
    pub values: &'a [u64],
    pub endpoints: &'a EndpointPair,
}

/// Where events go: the socket layer's monitor socket.
pub trait MonitorSink: Send {
    /// Publishes one event; must not block (an event that cannot be sent
    /// now is dropped).
    fn deliver(&mut self, ev: &Event<'_>);
}

struct Installed {
    mask: u64,
    sink: Box<dyn MonitorSink>,
}

/// A socket's monitor: off until [`start`](Self::start), then events in
/// the mask go to the sink. Dropping it (the socket and every listener and
/// session of it are gone) stops it with MONITOR_STOPPED, which is why that
/// event follows the CLOSED of the socket's listeners (BEHAVIOUR T4).
pub struct Monitor {
    /// The mask of the installed sink, 0 when off. Written only under
    /// `installed`'s lock; read without it (Relaxed) as the fast "off"
    /// check, then confirmed under the lock.
    mask: AtomicU64,
    installed: Mutex<Option<Installed>>,
}

impl Default for Monitor {
    fn default() -> Monitor {
        Monitor::new()
    }
}

impl Monitor {
    pub fn new() -> Monitor {
        Monitor {
            mask: AtomicU64::new(0),
            installed: Mutex::new(None),
        }
    }

    /// Is `event` monitored? (One relaxed load: the whole cost when off.)
    #[inline]
    pub fn wants(&self, event: u64) -> bool {
        self.mask.load(Ordering::Relaxed) & event != 0
    }

    /// Raises `event` with one value; `endpoints` is only computed when
    /// the event is monitored.
    #[inline]
    pub fn raise(&self, event: u64, value: u64, endpoints: impl FnOnce() -> EndpointPair) {
        if self.wants(event) {
            self.deliver(event, &[value], &endpoints());
        }
    }

    /// Raises `event` with any number of values (PIPES_STATS has two).
    #[cold]
    pub fn deliver(&self, event: u64, values: &[u64], endpoints: &EndpointPair) {
        let mut g = self.installed.lock();
        if let Some(i) = g.as_mut().filter(|i| i.mask & event != 0) {
            i.sink.deliver(&Event {
                event,
                values,
                endpoints,
            });
        }
    }

    /// Installs `sink` for the events in `mask`, replacing (and returning,
    /// for the caller to drop outside this call) any previous one, which
    /// first gets MONITOR_STOPPED if it asked for it.
    pub fn start(&self, mask: u64, sink: Box<dyn MonitorSink>) -> Option<Box<dyn MonitorSink>> {
        let mut g = self.installed.lock();
        let old = Self::take(&mut g, true);
        *g = Some(Installed { mask, sink });
        self.mask.store(mask, Ordering::Relaxed);
        old
    }

    /// Stops monitoring: the sink gets MONITOR_STOPPED (value 0, no
    /// endpoint) if `send_stopped` and it asked for it, and is returned
    /// for the caller to drop.
    pub fn stop(&self, send_stopped: bool) -> Option<Box<dyn MonitorSink>> {
        let mut g = self.installed.lock();
        self.mask.store(0, Ordering::Relaxed);
        Self::take(&mut g, send_stopped)
    }

    /// Is a sink installed?
    pub fn is_on(&self) -> bool {
        self.installed.lock().is_some()
    }

    /// Events of the installed sink (0 if none).
    pub fn mask(&self) -> u64 {
        self.mask.load(Ordering::Relaxed)
    }

    fn take(slot: &mut Option<Installed>, send_stopped: bool) -> Option<Box<dyn MonitorSink>> {
        let mut i = slot.take()?;
        if send_stopped && i.mask & events::MONITOR_STOPPED != 0 {
            i.sink.deliver(&Event {
                event: events::MONITOR_STOPPED,
                values: &[0],
                endpoints: &EndpointPair::default(),
            });
        }
        Some(i.sink)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        drop(self.stop(true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    type Entries = Arc<Mutex<Vec<(u64, Vec<u64>, String)>>>;

    #[derive(Default)]
    struct Log(Entries);

    impl MonitorSink for Log {
        fn deliver(&mut self, ev: &Event<'_>) {
            self.0.lock().push((
                ev.event,
                ev.values.to_vec(),
                ev.endpoints.identifier().to_string(),
            ));
        }
    }

    #[test]
    fn off_by_default_and_filtered_by_mask() {
        let m = Monitor::new();
        let mut computed = false;
        m.raise(events::CONNECTED, 1, || {
            computed = true;
            EndpointPair::default()
        });
        assert!(!computed, "endpoints are not computed when off");
        let log = Arc::new(Mutex::new(Vec::new()));
        assert!(m
            .start(
                events::CONNECTED | events::MONITOR_STOPPED,
                Box::new(Log(log.clone()))
            )
            .is_none());
        m.raise(events::LISTENING, 7, || unreachable!("not in the mask"));
        m.raise(events::CONNECTED, 9, || {
            EndpointPair::connect("tcp://127.0.0.1:1", "tcp://x:2")
        });
        drop(m);
        let got = log.lock().clone();
        assert_eq!(
            got,
            [
                (events::CONNECTED, vec![9], "tcp://x:2".to_string()),
                (events::MONITOR_STOPPED, vec![0], String::new()),
            ]
        );
    }

    #[test]
    fn a_new_sink_replaces_the_old_one_which_is_told() {
        let m = Monitor::new();
        let (a, b) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(Mutex::new(Vec::new())),
        );
        m.start(u64::MAX, Box::new(Log(a.clone())));
        assert!(m.start(events::CLOSED, Box::new(Log(b.clone()))).is_some());
        m.raise(events::CLOSED, 3, || {
            EndpointPair::bind("tcp://0.0.0.0:1", "")
        });
        assert_eq!(a.lock().len(), 1);
        assert_eq!(a.lock()[0].0, events::MONITOR_STOPPED);
        assert_eq!(
            b.lock()[0],
            (events::CLOSED, vec![3], "tcp://0.0.0.0:1".into())
        );
        // Not asked for: no MONITOR_STOPPED.
        assert!(m.stop(true).is_some());
        assert_eq!(b.lock().len(), 1);
        assert!(!m.is_on());
        assert_eq!(m.mask(), 0);
    }
}
