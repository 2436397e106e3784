//! The greeting and version detection (Z1, Z2): which of ZMTP 1.0 (with or
//! without a revision byte), 2.0, 3.0 or 3.1 the peer speaks, answered byte
//! by byte as libzmq does, so that an old peer never sees bytes it cannot
//! parse.

use super::codec::{put_header_v1, put_header_v2, Framing};
use super::error::{
    Error, PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
};
use super::{socket_types, MechanismStatus, Phase, Zmtp};

const SIGNATURE_LEN: usize = 10;
const V2_GREETING_LEN: usize = 12;
const V3_GREETING_LEN: usize = 64;

/// The first 10 greeting bytes, sent before anything is known about the
/// peer: `FF`, our routing id size + 1 as 8 bytes big-endian, `7F`. They
/// also read as a valid ZMTP 1.0 long frame header for our identity (Z2).
pub(super) fn signature(routing_id_len: usize) -> [u8; SIGNATURE_LEN] {
    let mut s = [0u8; SIGNATURE_LEN];
    s[0] = 0xFF;
    s[1..9].copy_from_slice(&(routing_id_len as u64 + 1).to_be_bytes());
    s[9] = 0x7F;
    s
}

impl Zmtp {
    /// Runs the greeting (Z1, Z2) on the bytes buffered so far. True once it
    /// is complete and the phase has moved on.
    pub(super) fn greeting(&mut self) -> Result<bool, Error> {
        let buf = self.inbuf.slice(self.rpos, self.wpos);
        let n = buf.len();
        if n == 0 {
            return Ok(false);
        }
        // Not FF, or bit 0 of byte 9 clear: an unversioned 1.0 peer whose
        // first bytes are its identity frame.
        if buf[0] != 0xFF || (n >= SIGNATURE_LEN && buf[9] & 1 == 0) {
            self.refuse_legacy_with_zap()?;
            self.start_v1_unversioned();
            return Ok(true);
        }
        if n < SIGNATURE_LEN {
            return Ok(false);
        }
        if !self.sent_major {
            self.out.push(3);
            self.sent_major = true;
        }
        if n == SIGNATURE_LEN {
            return Ok(false);
        }
        let revision = buf[10];
        if self.greeting_len == 0 {
            if revision == 0 || revision == 1 {
                // ZMTP 1.0/2.0 with a revision: our socket type is byte 12.
                self.out.push(self.socket_type as u8);
                self.greeting_len = V2_GREETING_LEN;
            } else {
                self.out.push(1);
                self.out.extend_from_slice(&self.mech_name);
                // as-server (always 0, Z1) and 31 filler bytes.
                self.out.extend_from_slice(&[0u8; 32]);
                self.greeting_len = V3_GREETING_LEN;
            }
        }
        if n < self.greeting_len {
            return Ok(false);
        }
        let mut g = [0u8; V3_GREETING_LEN];
        g[..self.greeting_len]
            .copy_from_slice(self.inbuf.slice(self.rpos, self.rpos + self.greeting_len));
        self.rpos += self.greeting_len;
        match revision {
            0 | 1 => self.refuse_legacy_with_zap()?,
            _ => {}
        }
        match revision {
            0 => self.start_legacy(Framing::V1, (1, 0), g[11]),
            1 => self.start_legacy(Framing::V2, (2, 0), g[11]),
            3 if g[11] == 0 => self.start_v3((3, 0), &g)?,
            _ => self.start_v3((3, 1), &g)?,
        }
        Ok(true)
    }

    /// ZMTP 1.0/2.0 peers have no mechanism: with ZAP enabled (a security
    /// mechanism, or NULL with a ZAP domain) libzmq refuses them (Z2).
    fn refuse_legacy_with_zap(&self) -> Result<(), Error> {
        if self.zap_enabled {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNSPECIFIED));
        }
        Ok(())
    }

    /// Unversioned ZMTP 1.0 (`handshake_v1_0_unversioned`): the 10 bytes
    /// already queued are the header of our identity frame; its body follows.
    fn start_v1_unversioned(&mut self) {
        self.framing = Framing::V1;
        self.version = (1, 0);
        self.peer_socket_type = None;
        self.out.extend_from_slice(&self.routing_id);
        self.subscription_required =
            matches!(self.socket_type, socket_types::PUB | socket_types::XPUB);
        self.phase = Phase::Identity;
    }

    /// Versioned 1.0 or 2.0: identity frames both ways, then traffic.
    fn start_legacy(&mut self, framing: Framing, version: (u8, u8), peer_type: u8) {
        self.framing = framing;
        self.version = version;
        // Only ZMTP 2.0 peers report a socket type (1.0 gives None).
        self.peer_socket_type = (framing == Framing::V2).then_some(i32::from(peer_type));
        match framing {
            Framing::V1 => put_header_v1(&mut self.out, false, self.routing_id.len()),
            Framing::V2 => put_header_v2(&mut self.out, false, false, self.routing_id.len()),
            Framing::Raw => {}
        }
        self.out.extend_from_slice(&self.routing_id);
        self.phase = Phase::Identity;
    }

    fn start_v3(&mut self, version: (u8, u8), g: &[u8; V3_GREETING_LEN]) -> Result<(), Error> {
        // Exact 20-byte compare (Z3).
        if g[12..32] != self.mech_name {
            return Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH));
        }
        self.framing = Framing::V2;
        self.version = version;
        self.subs_as_commands = version == (3, 1);
        self.phase = Phase::Handshake;
        self.flush_handshake();
        // A mechanism can fail before the peer says anything (a CURVE
        // client whose server key is unusable): at once, not at the
        // handshake timeout.
        if self.mech.status() == MechanismStatus::Error {
            return Err(self.mech.failure());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, MechanismConfig};
    use super::*;
    use std::time::Instant;

    fn zmtp(routing_id: &[u8]) -> Zmtp {
        let cfg = Config {
            socket_type: socket_types::DEALER,
            routing_id: routing_id.to_vec(),
            ..Config::default()
        };
        Zmtp::new(cfg, Instant::now())
    }

    #[test]
    fn signature_is_a_v1_frame_header_for_the_identity() {
        assert_eq!(signature(0), [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F]);
        assert_eq!(signature(255)[1..9], 256u64.to_be_bytes());
        let z = zmtp(b"abc");
        assert_eq!(z.output(), &signature(3)[..]);
    }

    /// Feeds `peer` and returns what we answered after the signature.
    fn answer(peer: &[u8]) -> (Zmtp, Vec<u8>) {
        let mut z = zmtp(b"id");
        z.input(peer);
        let now = Instant::now();
        while let Ok(Some(_)) = z.next_event(now) {}
        let out = z.output()[SIGNATURE_LEN..].to_vec();
        (z, out)
    }

    #[test]
    fn a_mechanism_failing_at_the_start_fails_at_once() {
        // A CURVE client whose server key is a low-order point cannot make
        // HELLO: the connection fails as the greeting ends.
        let cfg = Config {
            socket_type: socket_types::DEALER,
            mechanism: MechanismConfig::CurveClient {
                public: [2; 32],
                secret: crate::secret::Secret::new([1; 32]),
                server: [0; 32],
            },
            ..Config::default()
        };
        let now = Instant::now();
        let mut z = Zmtp::new(cfg.clone(), now);
        let mut g = signature(0).to_vec();
        g.extend_from_slice(&[3, 1]);
        g.extend_from_slice(&cfg.mechanism.greeting_name());
        g.resize(V3_GREETING_LEN, 0);
        z.input(&g);
        assert!(matches!(z.next_event(now), Err(Error::Protocol(_))));
    }

    #[test]
    fn version_detection() {
        // Not FF: an unversioned 1.0 peer whose identity frame this is; we
        // send our identity's body after the signature (its header).
        let (z, out) = answer(b"\x03\x00pe");
        assert_eq!(
            (z.version, z.framing, z.phase),
            ((1, 0), Framing::V1, Phase::Ready)
        );
        assert_eq!(z.peer().map(|p| &p.routing_id[..]), Some(&b"pe"[..]));
        assert_eq!(out, b"id");
        // FF but bit 0 of byte 9 clear: unversioned 1.0 too.
        let (z, _) = answer(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7E]);
        assert_eq!(z.version, (1, 0));
        // A signature alone: we answer our major version and wait.
        let (z, out) = answer(&signature(0));
        assert_eq!((z.phase, &out[..]), (Phase::Greeting, &[3u8][..]));
        // Revision 0 / 1: our socket type, then a 1.0 / 2.0 identity frame.
        for (rev, framing, version) in [(0, Framing::V1, (1, 0)), (1, Framing::V2, (2, 0))] {
            let mut g = signature(0).to_vec();
            g.extend_from_slice(&[rev, socket_types::ROUTER as u8]);
            let (z, out) = answer(&g);
            assert_eq!(
                (z.version, z.framing, z.phase),
                (version, framing, Phase::Identity)
            );
            assert_eq!(out[..2], [3, socket_types::DEALER as u8]);
            assert_eq!(&out[out.len() - 2..], b"id");
        }
        // Revision 3, minor 0 / 1, and anything newer: 3.0, 3.1, 3.1.
        for (rev, minor, version) in [
            (3, 0, (3, 0)),
            (3, 1, (3, 1)),
            (4, 0, (3, 1)),
            (2, 0, (3, 1)),
        ] {
            let mut g = signature(0).to_vec();
            g.extend_from_slice(&[rev, minor]);
            g.extend_from_slice(&MechanismConfig::Null.greeting_name());
            g.resize(V3_GREETING_LEN, 0);
            let (z, out) = answer(&g);
            assert_eq!(
                (z.version, z.phase),
                (version, Phase::Handshake),
                "{rev}.{minor}"
            );
            assert_eq!(z.subs_as_commands, version == (3, 1));
            assert_eq!(out[..2], [3, 1]);
            assert_eq!(&out[2..6], b"NULL");
        }
    }

    #[test]
    fn mechanism_mismatch_is_exact() {
        let mut g = signature(0).to_vec();
        g.extend_from_slice(&[3, 1]);
        g.extend_from_slice(b"NULL\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0X");
        g.resize(V3_GREETING_LEN, 0);
        let mut z = zmtp(b"");
        z.input(&g);
        assert!(matches!(
            z.next_event(Instant::now()),
            Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH))
        ));
    }
}
