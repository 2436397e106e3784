//! SUB (libzmq `sub.cpp`): an XSUB that filters incoming messages against
//! its own subscriptions, takes them from ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE,
//! and cannot send.

use super::xsub::XSub;

pub(crate) struct Sub;

impl Sub {
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> XSub {
        XSub::new(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{kind, opt};
    use crate::error::Errno;
    use crate::msg::flags;

    #[test]
    fn subscription_frames_flagged_and_resent() {
        let mut h = Harness::new(kind::SUB);
        // Subscribed before any pipe: replayed on attach (S6, S10).
        h.setopt(opt::SUBSCRIBE, b"ab").unwrap().unwrap();
        let (a, mut pa) = h.attach(0);
        let m = take_frame(&mut pa).unwrap();
        assert_eq!(m.data(), b"\x01ab");
        assert_ne!(m.flags() & flags::SUBSCRIPTION, 0);
        assert!(!m.more());
        h.setopt(opt::SUBSCRIBE, b"ab").unwrap().unwrap();
        h.setopt(opt::SUBSCRIBE, b"").unwrap().unwrap();
        assert_eq!(drain(&mut pa), 2, "every SUBSCRIBE goes upstream");
        h.setopt(opt::UNSUBSCRIBE, b"").unwrap().unwrap();
        let m = take_frame(&mut pa).unwrap();
        assert_eq!(m.data(), b"\x00");
        assert_ne!(m.flags() & flags::SUBSCRIPTION, 0);
        // After a reconnect every distinct prefix is sent once.
        h.pat.hiccuped(&mut h.cx, a);
        assert_eq!(take(&mut pa), Some(v(&[b"\x01ab"])));
        assert_eq!(take(&mut pa), None);
    }

    #[test]
    fn filters_by_prefix() {
        let mut h = Harness::new(kind::SUB);
        let (_a, mut pa) = h.attach(0);
        put(&mut pa, &[b"abc", b"1"]);
        assert_eq!(
            h.recv_err(),
            Errno::EAGAIN,
            "no subscription: nothing passes"
        );
        h.setopt(opt::SUBSCRIBE, b"ab").unwrap().unwrap();
        put(&mut pa, &[b"xyz", b"2"]);
        put(&mut pa, &[b"abd", b"\x00not-a-sub"]);
        assert!(h.has_in());
        assert_eq!(h.recv_parts().unwrap(), v(&[b"abd", b"\x00not-a-sub"]));
        assert!(!h.has_in());
        h.setopt(opt::UNSUBSCRIBE, b"ab").unwrap().unwrap();
        put(&mut pa, &[b"abe"]);
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        h.setopt(opt::SUBSCRIBE, b"").unwrap().unwrap();
        put(&mut pa, &[b"anything"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"anything"]));
    }

    #[test]
    fn invert_matching_and_conflate() {
        let mut h = Harness::new(kind::SUB);
        h.setint(opt::INVERT_MATCHING, 1);
        h.setopt(opt::SUBSCRIBE, b"x").unwrap().unwrap();
        let (_a, mut pa) = h.attach(0);
        put(&mut pa, &[b"xa"]);
        put(&mut pa, &[b"ya"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"ya"]));
        assert_eq!(h.recv_err(), Errno::EAGAIN);
        // A conflating pipe (ZMQ_CONFLATE): the newest message, filtered
        // after (libzmq's order).
        pa.set_conflate();
        put(&mut pa, &[b"y1"]);
        put(&mut pa, &[b"y2"]);
        assert_eq!(h.recv_parts().unwrap(), v(&[b"y2"]));
        put(&mut pa, &[b"y3"]);
        put(&mut pa, &[b"x4"]);
        assert_eq!(h.recv_err(), Errno::EAGAIN);
    }

    #[test]
    fn sub_only_options() {
        let mut h = Harness::new(kind::SUB);
        assert_eq!(
            h.setopt(opt::ONLY_FIRST_SUBSCRIBE, &1i32.to_ne_bytes()),
            None
        );
        assert_eq!(h.setopt(opt::XPUB_VERBOSE, &1i32.to_ne_bytes()), None);
    }
}
