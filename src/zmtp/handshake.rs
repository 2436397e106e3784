//! From the greeting to Ready: the security handshake's commands (3.x,
//! driven by the [`Mechanism`](super::Mechanism)) or the identity frame of a
//! 1.0/2.0 peer, then what the peer told us ([`PeerInfo`]) and the frames the
//! socket queued meanwhile.

use std::sync::Arc;
use std::time::Instant;

use super::codec::put_header_v2;
use super::decoder::{Body, Frame};
use super::error::{Error, PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND};
use super::mechanism::{socket_type_from_name, MechanismStatus};
use super::{Event, PeerInfo, Phase, Zmtp};
use crate::msg::{MetaSource, Metadata, Msg};

impl Zmtp {
    /// Queues every mechanism command due now.
    pub(super) fn flush_handshake(&mut self) {
        while let Some(cmd) = self.mech.next_handshake_command() {
            put_header_v2(&mut self.out, false, true, cmd.len());
            self.out.extend_from_slice(&cmd);
        }
    }

    /// A frame during the 3.x handshake: must be a command, for the mechanism.
    pub(super) fn on_handshake_frame(
        &mut self,
        f: Frame,
        now: Instant,
    ) -> Result<Option<Event>, Error> {
        if !f.command {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        let body: &[u8] = match &f.body {
            Body::In(s, e) => self.inbuf.slice(*s, *e),
            Body::Owned(v) => v,
        };
        let r = self.mech.process_handshake_command(body);
        // Whatever the mechanism queued (e.g. ERROR) goes out, even on
        // failure (the engine writes it before closing).
        self.flush_handshake();
        r?;
        self.check_handshake(now)
    }

    /// After a command or a ZAP reply: Ready, a failure, or more to come.
    pub(super) fn check_handshake(&mut self, now: Instant) -> Result<Option<Event>, Error> {
        match self.mech.status() {
            MechanismStatus::Ready => Ok(Some(self.become_ready_v3(now))),
            MechanismStatus::Error => Err(self.mech.failure()),
            MechanismStatus::Handshaking => Ok(None),
        }
    }

    /// The identity frame of a 1.0/2.0 peer, which ends its handshake.
    pub(super) fn on_identity_frame(&mut self, f: Frame, now: Instant) -> Event {
        let id = match f.body {
            Body::In(s, e) => self.inbuf.slice(s, e).to_vec(),
            Body::Owned(v) => v,
        };
        let info = PeerInfo {
            version: self.version,
            socket_type: self.peer_socket_type,
            routing_id: id,
            metadata: Arc::new(Metadata::new()),
        };
        self.finish_ready(info, now)
    }

    fn become_ready_v3(&mut self, now: Instant) -> Event {
        let mut meta = Metadata::new();
        let mut socket_type = None;
        let mut routing_id = Vec::new();
        for (k, v) in self.mech.peer_properties() {
            meta.set(k, v);
            match k.as_str() {
                "Socket-Type" => socket_type = socket_type_from_name(v),
                "Identity" => routing_id.clone_from(v),
                _ => {}
            }
        }
        // ZAP's User-Id and metadata win over the peer's (libzmq inserts
        // them first into a map that keeps the first value).
        for (k, v) in self.mech.zap_properties() {
            meta.set(k, v);
        }
        self.cipher = self.mech.take_cipher();
        self.msg_meta = Some(MetaSource::new(meta.clone()));
        let meta = Arc::new(meta);
        let info = PeerInfo {
            version: self.version,
            socket_type,
            routing_id,
            metadata: meta,
        };
        self.finish_ready(info, now)
    }

    fn finish_ready(&mut self, info: PeerInfo, now: Instant) -> Event {
        self.phase = Phase::Ready;
        self.handshake_deadline = None;
        if self.version.0 >= 3 {
            self.next_ping = self.heartbeat_ivl.map(|ivl| now + ivl);
        }
        self.peer = Some(info.clone());
        for m in std::mem::take(&mut self.early) {
            self.encode_frame(&m);
        }
        if self.subscription_required {
            // libzmq pushes a plain one-byte `\x01` frame so that PUB/XPUB
            // publish to old subscribers (S10).
            self.pending = Some(Event::Msg(Msg::from_slice(&[1])));
        }
        Event::Ready(info)
    }
}

#[cfg(test)]
mod tests {
    use super::super::greeting::signature;
    use super::super::Config;
    use super::*;
    use crate::zmtp::socket_types::{DEALER, PUB, ROUTER};

    #[test]
    fn identity_frame_ends_a_2_0_handshake_and_flushes_early_frames() {
        let now = Instant::now();
        let cfg = Config {
            socket_type: DEALER,
            ..Config::default()
        };
        let mut z = Zmtp::new(cfg, now);
        z.encode(&Msg::from_slice(b"early"));
        let mut g = signature(0).to_vec();
        g.extend_from_slice(&[1, ROUTER as u8, 0x00, 0x02, b'p', b'e']);
        z.input(&g);
        let Some(Event::Ready(info)) = z.next_event(now).unwrap() else {
            panic!("not ready");
        };
        assert_eq!((info.version, info.socket_type), ((2, 0), Some(ROUTER)));
        assert_eq!(info.routing_id, b"pe");
        assert!(z.output().ends_with(b"\x00\x05early"));
        assert!(z.next_event(now).unwrap().is_none());
    }

    #[test]
    fn unversioned_1_0_subscriber_gets_subscribe_all() {
        let now = Instant::now();
        let cfg = Config {
            socket_type: PUB,
            ..Config::default()
        };
        let mut z = Zmtp::new(cfg, now);
        z.input(b"\x01\x00");
        assert!(matches!(z.next_event(now), Ok(Some(Event::Ready(_)))));
        let Ok(Some(Event::Msg(m))) = z.next_event(now) else {
            panic!("no subscribe-all");
        };
        assert_eq!(m.data(), b"\x01");
    }

    #[test]
    fn non_command_during_handshake_is_unexpected() {
        let now = Instant::now();
        let mut z = Zmtp::new(Config::default(), now);
        let mut g = signature(0).to_vec();
        g.extend_from_slice(&[3, 1]);
        g.extend_from_slice(b"NULL");
        g.resize(64, 0);
        g.extend_from_slice(b"\x00\x01a");
        z.input(&g);
        assert_eq!(
            z.next_event(now).err(),
            Some(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        );
    }
}
