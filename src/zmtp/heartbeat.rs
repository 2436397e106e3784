//! Timers (Z8, Z9, Z10): the handshake timeout, PINGs every heartbeat
//! interval, the heartbeat timeout after a PING, the TTL a peer's PING asks
//! for, and the PONG that answers a PING.

use std::time::{Duration, Instant};

use super::error::Error;
use super::{Phase, Zmtp};

/// No PONG is queued behind more unsent output than this: a peer that sends
/// PINGs and never reads cannot grow our output without bound (libzmq keeps
/// at most one pending PONG). The peer is not reading anyway, and any frame
/// it eventually receives resets its heartbeat timers (Z8).
const PONG_BACKLOG: usize = 64 * 1024;
/// The bytes of a PING after its name that matter: a 2-byte TTL and up to
/// 16 bytes of context (echoed in the PONG); the rest is ignored.
pub(super) const PING_MAX: usize = 2 + 16;

impl Zmtp {
    /// The earliest of: handshake timeout, next PING, heartbeat timeout, TTL.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.dead.is_some() {
            return None;
        }
        let hs = if self.phase == Phase::Ready {
            None
        } else {
            self.handshake_deadline
        };
        [hs, self.next_ping, self.hb_timeout_at, self.ttl_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Sends due PINGs and detects timeouts. An `Err` kills the connection.
    pub fn on_timer(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = &self.dead {
            return Err(e.clone());
        }
        let r = self.timers(now);
        if let Err(e) = &r {
            self.dead = Some(e.clone());
        }
        r
    }

    fn timers(&mut self, now: Instant) -> Result<(), Error> {
        if self.phase != Phase::Ready && self.handshake_deadline.is_some_and(|d| d <= now) {
            return Err(Error::HandshakeTimeout);
        }
        if self.ttl_at.is_some_and(|d| d <= now) || self.hb_timeout_at.is_some_and(|d| d <= now) {
            return Err(Error::HeartbeatTimeout);
        }
        if let (Some(at), Some(ivl)) = (self.next_ping, self.heartbeat_ivl) {
            if at <= now {
                // `\x04PING` + TTL in deciseconds, never a context (Z8).
                self.put_command(&[b"\x04PING", &self.ping_ttl.to_be_bytes()]);
                self.next_ping = Some(now + ivl);
                if self.hb_timeout_at.is_none() && !self.flow_stopped {
                    self.hb_timeout_at = self.heartbeat_timeout.map(|t| now + t);
                }
            }
        }
        Ok(())
    }

    /// A PING from the peer (after a 3.x handshake), `data` following its
    /// name: starts the TTL timer it asks for and queues the PONG with its
    /// context.
    pub(super) fn on_ping(&mut self, data: &[u8], now: Instant) {
        // B3: never read past the frame. A PING without a TTL is
        // answered as if the TTL were 0.
        let ttl = match data {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        };
        let ctx = data.get(2..).unwrap_or(&[]);
        let ctx = &ctx[..ctx.len().min(16)];
        if ttl > 0 && self.ttl_at.is_none() && !self.flow_stopped {
            self.ttl_at = Some(now + Duration::from_millis(u64::from(ttl) * 100));
        }
        // Only copied bytes count: a large body waiting to be written
        // from its message costs no buffer space here.
        if self.out.len() - self.opos >= PONG_BACKLOG {
            return;
        }
        self.put_command(&[b"\x04PONG", ctx]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn ready(ivl: i32, timeout: i32, ttl: i32, now: Instant) -> Zmtp {
        let cfg = Config {
            heartbeat_ivl_ms: ivl,
            heartbeat_timeout_ms: timeout,
            heartbeat_ttl_ms: ttl,
            ..Config::default()
        };
        Zmtp::ready_for_test(cfg, (3, 1), now)
    }

    #[test]
    fn ping_then_timeout() {
        let t = Instant::now();
        let mut z = ready(100, 250, 1500, t);
        assert_eq!(z.next_deadline(), Some(t + ms(100)));
        z.on_timer(t + ms(99)).unwrap();
        assert!(z.output().is_empty());
        z.on_timer(t + ms(100)).unwrap();
        // TTL 1500 ms = 15 deciseconds.
        assert_eq!(z.output(), b"\x04\x07\x04PING\x00\x0f");
        assert_eq!(z.next_deadline(), Some(t + ms(200)));
        z.on_timer(t + ms(200)).unwrap();
        assert_eq!(z.next_deadline(), Some(t + ms(300)).min(Some(t + ms(350))));
        assert_eq!(z.on_timer(t + ms(350)), Err(Error::HeartbeatTimeout));
        // Dead: no deadline, the same error again.
        assert_eq!(z.next_deadline(), None);
        assert_eq!(z.on_timer(t + ms(351)), Err(Error::HeartbeatTimeout));
    }

    #[test]
    fn handshake_timeout_only_before_ready() {
        let t = Instant::now();
        let cfg = Config {
            handshake_ivl_ms: 50,
            ..Config::default()
        };
        let mut z = Zmtp::new(cfg, t);
        assert_eq!(z.next_deadline(), Some(t + ms(50)));
        z.on_timer(t + ms(49)).unwrap();
        assert_eq!(z.on_timer(t + ms(50)), Err(Error::HandshakeTimeout));
        let z = ready(0, -1, 0, t);
        assert_eq!(z.next_deadline(), None);
    }

    #[test]
    fn ping_gets_pong_and_ttl() {
        let t = Instant::now();
        let mut z = ready(0, -1, 0, t);
        z.on_ping(b"\x00\x02ctx", t);
        assert_eq!(z.output(), b"\x04\x08\x04PONGctx");
        assert_eq!(z.next_deadline(), Some(t + ms(200)));
        assert_eq!(z.on_timer(t + ms(200)), Err(Error::HeartbeatTimeout));
        // No TTL: no timer; the context is cut at 16 bytes.
        let mut z = ready(0, -1, 0, t);
        z.on_ping(&[0; 2 + 16], t);
        assert_eq!(z.output().len(), 2 + 5 + 16);
        assert_eq!(z.next_deadline(), None);
        // A short PING is answered as if its TTL were 0.
        let mut z = ready(0, -1, 0, t);
        z.on_ping(b"\x01", t);
        assert_eq!(z.output(), b"\x04\x05\x04PONG");
    }

    #[test]
    fn flow_stopped_starts_no_timers() {
        let t = Instant::now();
        let mut z = ready(100, -1, 0, t);
        z.set_flow_stopped(true);
        z.on_ping(b"\x00\x05", t);
        z.on_timer(t + ms(100)).unwrap();
        assert_eq!((z.ttl_at, z.hb_timeout_at), (None, None));
    }
}
