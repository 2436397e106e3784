//! PUB (libzmq `pub.cpp`): an XPUB that cannot receive and keeps no
//! (un)subscription or upstream messages for the application.

use super::xpub::XPub;

pub(crate) struct Pub;

impl Pub {
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> XPub {
        XPub::new(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{kind, opt};
    use crate::error::Errno;

    fn sub(p: &mut crate::pipe::Pipe, topic: &[u8]) {
        let mut b = vec![1];
        b.extend_from_slice(topic);
        put(p, &[&b]);
    }

    #[test]
    fn prefix_matching_empty_topic_and_unsubscribe() {
        let mut h = Harness::new(kind::PUB);
        let (a, mut pa) = h.attach(0);
        let (b, mut pb) = h.attach(0);
        sub(&mut pa, b"ab");
        h.read_activated(a);
        sub(&mut pb, b"");
        h.read_activated(b);
        h.send_parts(&[b"abc", b"tail"]).unwrap();
        h.send(b"a", false).unwrap();
        h.send(b"zzz", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"abc", b"tail"])));
        assert_eq!(take(&mut pa), None);
        assert_eq!(drain(&mut pb), 3);
        put(&mut pa, &[b"\x00ab"]);
        h.read_activated(a);
        h.send(b"abc", false).unwrap();
        assert_eq!(take(&mut pa), None);
        assert_eq!(drain(&mut pb), 1);
        assert_eq!(h.recv_err(), Errno::ENOTSUP);
        assert!(!h.has_in());
    }

    #[test]
    fn overlapping_prefixes_deliver_once() {
        let mut h = Harness::new(kind::PUB);
        let (a, mut pa) = h.attach(0);
        let (b, mut pb) = h.attach(0);
        sub(&mut pa, b"a");
        sub(&mut pa, b"ab");
        sub(&mut pa, b"abc");
        h.read_activated(a);
        sub(&mut pb, b"ab");
        h.read_activated(b);
        h.send(b"abcd", false).unwrap();
        h.send(b"ax", false).unwrap();
        assert_eq!(drain(&mut pa), 2);
        assert_eq!(take(&mut pb), Some(v(&[b"abcd"])));
        assert_eq!(take(&mut pb), None);
    }

    #[test]
    fn invert_matching() {
        let mut h = Harness::new(kind::PUB);
        h.setint(opt::INVERT_MATCHING, 1);
        let (a, mut pa) = h.attach(0);
        let (b, mut pb) = h.attach(0);
        sub(&mut pa, b"x");
        h.read_activated(a);
        sub(&mut pb, b"y");
        h.read_activated(b);
        h.send(b"xa", false).unwrap();
        h.send(b"ya", false).unwrap();
        h.send(b"za", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"ya"])));
        assert_eq!(take(&mut pa), Some(v(&[b"za"])));
        assert_eq!(take(&mut pb), Some(v(&[b"xa"])));
        assert_eq!(take(&mut pb), Some(v(&[b"za"])));
    }

    #[test]
    fn drops_at_hwm_per_subscriber() {
        let mut h = Harness::new(kind::PUB);
        let (a, mut pa) = h.attach(2);
        let (b, mut pb) = h.attach(0);
        sub(&mut pa, b"");
        h.read_activated(a);
        sub(&mut pb, b"");
        h.read_activated(b);
        for i in 0..10u8 {
            h.send_parts(&[&[i], b"part"]).unwrap();
        }
        assert_eq!(drain(&mut pa), 2);
        assert_eq!(drain(&mut pb), 10);
        // After the reader drains, the pipe gets write_activated and rejoins.
        h.write_activated(a);
        h.send(b"again", false).unwrap();
        assert_eq!(take(&mut pa), Some(v(&[b"again"])));
    }

    #[test]
    fn ten_thousand_subscriptions() {
        let mut h = Harness::new(kind::PUB);
        let (a, mut pa) = h.attach(0);
        for i in 0..10_000 {
            sub(&mut pa, format!("t{i}/").as_bytes());
        }
        h.read_activated(a);
        h.send(b"t9999/x", false).unwrap();
        h.send(b"u", false).unwrap();
        assert_eq!(drain(&mut pa), 1);
    }

    #[test]
    fn closed_subscriber_is_reaped() {
        let mut h = Harness::new(kind::PUB);
        let (a, mut pa) = h.attach(0);
        sub(&mut pa, b"");
        drop(pa);
        h.read_activated(a);
        assert!(h.cx.pipes.get(a).is_none());
        h.send(b"x", false).unwrap();
    }
}
