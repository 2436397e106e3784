//! Raw connections (ZMQ_STREAM, ZMQ_ROUTER_RAW; libzmq's `raw_engine_t`,
//! `raw_decoder_t`, `raw_encoder_t`): no greeting, no handshake, no frames.
//!
//! The same [`Zmtp`] state runs them with [`Framing::Raw`], chosen once when
//! the connection is made: the decoder hands out whatever bytes a read
//! brought as one message (sharing the receive buffer, as data frames do),
//! and the encoder writes message bodies as they are. The connection is
//! ready from the start; there are no heartbeats and no handshake timer.
//! The codec paths are the ZMTP ones, so a ZMTP connection pays nothing for
//! this mode beyond one more arm in the framing `match` it already does.

use std::time::Instant;

use super::codec::Framing;
use super::{Config, Phase, Zmtp};
use crate::msg::{MetaSource, Msg};

impl Zmtp {
    /// A raw connection, ready at once, with nothing queued to send.
    pub fn raw(now: Instant) -> Zmtp {
        let cfg = Config {
            handshake_ivl_ms: 0,
            heartbeat_ivl_ms: 0,
            ..Config::default()
        };
        let mut z = Zmtp::new(cfg, now);
        z.out.clear();
        z.framing = Framing::Raw;
        z.phase = Phase::Ready;
        z
    }

    /// True for a connection made by [`Zmtp::raw`].
    pub fn is_raw(&self) -> bool {
        self.framing == Framing::Raw
    }

    /// An empty message carrying the connection's metadata (as set with
    /// [`set_msg_metadata`](Self::set_msg_metadata)): how a raw connection
    /// tells the socket that the peer connected or went away.
    pub fn notification(&mut self) -> Msg {
        let mut m = Msg::new();
        m.set_metadata(self.msg_meta.as_mut().map(MetaSource::share));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::super::Event;
    use super::*;
    use crate::msg::Metadata;

    #[test]
    fn bytes_in_are_one_message_and_bodies_go_out_bare() {
        let now = Instant::now();
        let mut z = Zmtp::raw(now);
        assert!(z.is_raw() && z.is_ready());
        assert_eq!(z.output_len(), 0);
        assert_eq!(z.next_deadline(), None);
        let mut md = Metadata::new();
        md.set("Peer-Address", b"127.0.0.1");
        z.set_msg_metadata(Some(md));
        z.input(b"GET / HTTP/1.1\r\n");
        let Ok(Some(Event::Msg(m))) = z.next_event(now) else {
            panic!("no message")
        };
        assert_eq!(m.data(), b"GET / HTTP/1.1\r\n");
        assert!(!m.more());
        assert_eq!(
            m.gets("Peer-Address").map(|v| v.to_bytes()),
            Some(&b"127.0.0.1"[..])
        );
        assert!(matches!(z.next_event(now), Ok(None)));
        // Bytes that look like ZMTP frames are just bytes.
        z.input(&[0x02, 0xFF, 0xFF]);
        let Ok(Some(Event::Msg(m))) = z.next_event(now) else {
            panic!("no message")
        };
        assert_eq!(m.data(), [0x02, 0xFF, 0xFF]);
        let mut more = Msg::from_slice(b"HTTP/1.1 200 OK\r\n");
        more.set_more(true);
        z.encode(&more);
        z.encode(&Msg::from_vec(vec![b'x'; 100_000]));
        assert_eq!(z.output_len(), 17 + 100_000);
        assert_eq!(z.output_vectored()[0], b"HTTP/1.1 200 OK\r\n");
        let n = z.notification();
        assert!(n.is_empty() && n.gets("Peer-Address").is_some());
    }
}
