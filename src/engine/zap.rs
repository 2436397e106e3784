//! A session's ZAP client (RFC 27): the request of a handshake waiting on
//! authentication goes to the handler bound at `inproc://zeromq.zap.01` in
//! the session's context, over a pipe of its own (no HWM, as libzmq's
//! `session_base_t::zap_connect`), and the reply comes back on it. The
//! checks of the reply and what it means are the mechanism's
//! (`zmtp::mechanism::zap`); this only moves frames.

use crate::ctx::CtxInner;
use crate::io::command::PipeInfo;
use crate::io::reactor::SECOND_PIPE;
use crate::msg::{flags, Msg};
use crate::pipe::{self, Pipe, PipeEvents, Read};
use std::sync::Arc;

/// The inproc name ZAP handlers bind.
pub(super) const ENDPOINT: &str = "zeromq.zap.01";

/// The reply frames libzmq reads before it checks them.
const REPLY_FRAMES: usize = 7;

/// An outstanding request: the pipe to the handler and the reply so far.
pub(super) struct ZapClient {
    pipe: Pipe,
    reply: Vec<(Vec<u8>, bool)>,
}

/// What [`ZapClient::read`] found.
pub(super) enum ZapRead {
    /// Not all of the reply has arrived.
    Waiting,
    /// The whole reply: `(frame, more)` pairs, at most seven (a longer
    /// one is cut there, with MORE still set, for the checks to refuse).
    Reply(Vec<(Vec<u8>, bool)>),
    /// The handler went away without answering.
    Closed,
}

impl ZapClient {
    /// Sends `frames` to the handler, if one is bound in `ctx`; its pipe's
    /// events reach `notifier` with `token | SECOND_PIPE`. None: no handler.
    pub fn connect(
        ctx: &CtxInner,
        frames: Vec<Vec<u8>>,
        notifier: Arc<dyn PipeEvents>,
        token: u64,
    ) -> Option<ZapClient> {
        let reg = ctx.inproc.lock();
        let handler = reg.get(ENDPOINT)?;
        let (mut mine, theirs) = pipe::pair([0, 0]);
        mine.set_notifier(notifier, token | SECOND_PIPE);
        // Like every inproc peer, we greet the handler with a routing id
        // (empty: a ROUTER handler makes one up).
        let mut id = Msg::new();
        id.set_flags(flags::ROUTING_ID);
        let _ = mine.write(id);
        let n = frames.len();
        for (i, f) in frames.into_iter().enumerate() {
            let mut m = Msg::from_vec(f);
            m.set_more(i + 1 < n);
            // No HWM on this pipe: a write cannot be refused.
            let _ = mine.write(m);
        }
        let info = PipeInfo {
            locally_initiated: false,
            connect_routing_id: None,
            direct_recv: None,
            endpoints: None,
            origin: 0,
        };
        if !handler.socket.send_attach(theirs, info) {
            return None;
        }
        Some(ZapClient {
            pipe: mine,
            reply: Vec::new(),
        })
    }

    /// Reads what the handler has sent (its routing-id greeting skipped).
    pub fn read(&mut self) -> ZapRead {
        loop {
            match self.pipe.read() {
                Read::Msg(m) if m.flags() & flags::ROUTING_ID != 0 => {}
                Read::Msg(m) => {
                    let more = m.more();
                    self.reply.push((m.data().to_vec(), more));
                    if !more || self.reply.len() == REPLY_FRAMES {
                        return ZapRead::Reply(std::mem::take(&mut self.reply));
                    }
                }
                Read::Empty => return ZapRead::Waiting,
                Read::Closed => return ZapRead::Closed,
            }
        }
    }
}
