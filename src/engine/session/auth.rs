//! The session's side of ZAP: when the handshake asks, the request goes to
//! the handler ([`ZapClient`]) with what only the session knows (the ZAP
//! domain, the peer's address, our routing id); the reply, or the absence
//! of a handler, goes back to the codec, and the handshake goes on.

use super::super::zap::{ZapClient, ZapRead};
use super::Session;
use crate::error::Errno;
use crate::io::reactor::{IoNotifier, Reactor};
use crate::zmtp::{self, zap};
use std::sync::Arc;

impl Session {
    /// Sends the handshake's ZAP request, if it has one. True if it was
    /// answered at once (no handler bound): the caller pumps again.
    pub(super) fn zap_start(&mut self, r: &mut Reactor) -> bool {
        let Some(e) = self.engine.as_mut() else {
            return false;
        };
        let Some(req) = e.zmtp.take_zap_request() else {
            return false;
        };
        // The address as Peer-Address shows it (tcp: the numeric IP).
        let frames = req.frames(
            self.opts.zap_domain.as_bytes(),
            e.peer_address.as_bytes(),
            &self.opts.routing_id,
        );
        let notifier = Arc::new(IoNotifier {
            mailbox: r.mailbox().clone(),
        });
        let ctx = self.hold.as_ref().map(|h| h.ctx().clone());
        self.zap = ctx.and_then(|c| ZapClient::connect(&c, frames, notifier, self.token));
        if self.zap.is_none() {
            e.zmtp.zap_reply(None);
            return true;
        }
        // The reply may already be there (a handler in another thread).
        self.zap_read_reply()
    }

    /// An event on the ZAP pipe: the reply (or the handler's end) arrived.
    pub(super) fn on_zap_pipe(&mut self, r: &mut Reactor) {
        if self.zap_read_reply() {
            self.pump_in(r);
        }
    }

    /// Hands a complete reply to the codec. True if it did (the handshake
    /// can go on).
    fn zap_read_reply(&mut self) -> bool {
        let Some(z) = self.zap.as_mut() else {
            return false;
        };
        let got = z.read();
        let Some(e) = self.engine.as_mut() else {
            self.zap = None;
            return false;
        };
        match got {
            ZapRead::Waiting => return false,
            ZapRead::Reply(frames) => match zap::parse_reply(&frames) {
                Ok(reply) => e.zmtp.zap_reply(Some(&reply)),
                Err(err) => e.zmtp.zap_failed(err),
            },
            // The handler closed its socket without answering.
            ZapRead::Closed => e.zmtp.zap_failed(zmtp::Error::NoDetail(Errno::EFAULT)),
        }
        self.zap = None;
        true
    }
}
