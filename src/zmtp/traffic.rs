//! What a decoded frame means: during the handshake it goes to
//! [`handshake`](super::handshake); after it, data frames become messages
//! (sharing the receive buffer when large) and commands are handled
//! (`process_command_message`: PING, SUBSCRIBE, CANCEL).

use std::time::Instant;

use super::decoder::{Body, Frame};
use super::error::Error;
use super::heartbeat::PING_MAX;
use super::{Event, Phase, Zmtp};
use crate::msg::{flags, MetaSource, Msg, MAX_VSM};

impl Zmtp {
    /// Handles one decoded frame according to the phase.
    #[inline]
    pub(super) fn on_frame(&mut self, f: Frame, now: Instant) -> Result<Option<Event>, Error> {
        match self.phase {
            Phase::Greeting => Ok(None),
            Phase::Handshake => self.on_handshake_frame(f, now),
            Phase::Identity => Ok(Some(self.on_identity_frame(f, now))),
            Phase::Ready => {
                if self.version.0 >= 3 {
                    // Any frame is a sign of life (Z8).
                    self.hb_timeout_at = None;
                    self.ttl_at = None;
                    if self.cipher.is_some() {
                        return self.on_sealed(f, now);
                    }
                    if f.command {
                        return Ok(self.on_command(f, now));
                    }
                } else if f.command {
                    // 2.0 peer: commands are dropped (session_base_t::push_msg).
                    return Ok(None);
                }
                let mut msg = match f.body {
                    Body::In(s, e) if e - s <= MAX_VSM => Msg::from_slice(self.inbuf.slice(s, e)),
                    Body::In(s, e) => {
                        let (content, ptr, len) = self.inbuf.share(s, e);
                        Msg::from_content(content, ptr, len)
                    }
                    Body::Owned(v) => Msg::from_vec(v),
                };
                msg.set_more(f.more);
                msg.set_metadata(self.msg_meta.as_mut().map(MetaSource::share));
                Ok(Some(Event::Msg(msg)))
            }
        }
    }

    /// A command after a 3.x handshake (`process_command_message`): PING is
    /// answered, SUBSCRIBE/CANCEL are handed up, everything else (including
    /// malformed commands) is ignored.
    #[inline(never)]
    fn on_command(&mut self, f: Frame, now: Instant) -> Option<Event> {
        let body: &[u8] = match &f.body {
            Body::In(s, e) => self.inbuf.slice(*s, *e),
            Body::Owned(v) => v,
        };
        let cmd = parse_command(body, f.more);
        self.apply_command(cmd, now)
    }

    /// After a CURVE handshake every frame is a MESSAGE: opened, it is a
    /// data frame or a command, as its flags byte says.
    /// Kept out of line: the plain data path stays small enough for the
    /// frame decoder to be inlined into it.
    #[inline(never)]
    fn on_sealed(&mut self, f: Frame, now: Instant) -> Result<Option<Event>, Error> {
        let Some(c) = self.cipher.as_mut() else {
            return Ok(None);
        };
        let (fl, mut msg) = match f.body {
            Body::In(s, e) => c.open(self.inbuf.slice(s, e))?,
            Body::Owned(v) => c.open_owned(v)?,
        };
        let more = fl & 1 != 0;
        if fl & 2 != 0 {
            let cmd = parse_command(msg.data(), more);
            return Ok(self.apply_command(cmd, now));
        }
        msg.set_more(more);
        msg.set_metadata(self.msg_meta.as_mut().map(MetaSource::share));
        Ok(Some(Event::Msg(msg)))
    }

    fn apply_command(&mut self, cmd: Command, now: Instant) -> Option<Event> {
        match cmd {
            Command::Ping(ping, n) => {
                self.on_ping(&ping[..n], now);
                None
            }
            Command::Subscription(mut msg) => {
                msg.set_metadata(self.msg_meta.as_mut().map(MetaSource::share));
                Some(Event::Msg(msg))
            }
            Command::Ignored => None,
        }
    }
}

/// What a command after the handshake asks for.
enum Command {
    /// PING's TTL and context (at most 2 + 16 bytes are ever used), copied
    /// off the receive buffer so the PONG can be queued.
    Ping([u8; PING_MAX], usize),
    /// SUBSCRIBE/CANCEL as the `\x01topic` / `\x00topic` message the
    /// socket reads.
    Subscription(Msg),
    Ignored,
}

fn parse_command(body: &[u8], more: bool) -> Command {
    let Some((&name_len, rest)) = body.split_first() else {
        return Command::Ignored;
    };
    let name_len = usize::from(name_len);
    if rest.len() < name_len {
        return Command::Ignored;
    }
    let (name, data) = rest.split_at(name_len);
    match name {
        b"PING" => {
            let mut ping = [0u8; PING_MAX];
            let n = data.len().min(PING_MAX);
            ping[..n].copy_from_slice(&data[..n]);
            Command::Ping(ping, n)
        }
        b"SUBSCRIBE" | b"CANCEL" => {
            let mut v = Vec::with_capacity(1 + data.len());
            v.push(u8::from(name == b"SUBSCRIBE"));
            v.extend_from_slice(data);
            let mut msg = Msg::from_vec(v);
            msg.set_flags(flags::SUBSCRIPTION);
            msg.set_more(more);
            Command::Subscription(msg)
        }
        _ => Command::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    fn events(version: (u8, u8), wire: &[u8]) -> Vec<Msg> {
        let now = Instant::now();
        let mut z = Zmtp::ready_for_test(Config::default(), version, now);
        z.input(wire);
        let mut v = Vec::new();
        while let Some(ev) = z.next_event(now).unwrap() {
            match ev {
                Event::Msg(m) => v.push(m),
                Event::Ready(_) => panic!("ready twice"),
            }
        }
        v
    }

    #[test]
    fn data_and_subscription_commands() {
        let big = [b'x'; 100];
        let mut wire = b"\x01\x01a".to_vec();
        wire.extend_from_slice(&[0x00, 100]);
        wire.extend_from_slice(&big);
        wire.extend_from_slice(b"\x04\x0b\x09SUBSCRIBEt\x04\x08\x06CANCELt");
        // Unknown and malformed commands are ignored.
        wire.extend_from_slice(b"\x04\x04\x03FOO\x04\x02\x09S");
        let m = events((3, 1), &wire);
        assert_eq!(m.len(), 4);
        assert!(m[0].more() && m[0].data() == b"a");
        assert!(m[1].data() == big && !m[1].more());
        assert_eq!(m[2].data(), b"\x01t");
        assert_eq!(m[3].data(), b"\x00t");
        assert!(m[2].flags() & flags::SUBSCRIPTION != 0);
    }

    #[test]
    fn commands_from_2_0_peers_are_dropped() {
        let m = events((2, 0), b"\x04\x0b\x09SUBSCRIBEt\x00\x01a");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].data(), b"a");
    }
}
