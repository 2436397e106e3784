//! The contract between the socket base and a socket type ("pattern").
//!
//! The base owns the pipes, the options and the mailbox; it calls the
//! pattern when pipes come and go or change state, and to move messages.
//! Patterns never block and never touch file descriptors.

use crate::error::Result;
use crate::msg::Msg;
use crate::options::{OptVal, Options};
use crate::pipe::Pipe;

pub use crate::io::command::PipeInfo;

/// A socket-local handle to an attached pipe (index into [`Pipes`]).
pub type PipeId = usize;

/// The attached pipes of one socket: a slab with generation-checked tokens.
#[derive(Default)]
pub struct Pipes {
    slots: Vec<Option<Pipe>>,
    gens: Vec<u32>,
    free: Vec<usize>,
}

impl Pipes {
    /// Stores a pipe; returns its id.
    pub fn insert(&mut self, p: Pipe) -> PipeId {
        if let Some(i) = self.free.pop() {
            self.slots[i] = Some(p);
            i
        } else {
            self.slots.push(Some(p));
            self.gens.push(0);
            self.slots.len() - 1
        }
    }
    /// Removes a pipe (its generation moves on so stale events are ignored).
    pub fn remove(&mut self, id: PipeId) -> Option<Pipe> {
        let p = self.slots.get_mut(id)?.take()?;
        self.gens[id] = self.gens[id].wrapping_add(1);
        self.free.push(id);
        Some(p)
    }
    #[inline]
    pub fn get(&self, id: PipeId) -> Option<&Pipe> {
        self.slots.get(id)?.as_ref()
    }
    #[inline]
    pub fn get_mut(&mut self, id: PipeId) -> Option<&mut Pipe> {
        self.slots.get_mut(id)?.as_mut()
    }
    /// The notification token for a pipe: id and generation.
    pub fn token(&self, id: PipeId) -> u64 {
        ((self.gens[id] as u64) << 32) | id as u64
    }
    /// The pipe a token names, if it is still the same pipe.
    pub fn resolve(&self, token: u64) -> Option<PipeId> {
        let id = (token & 0xffff_ffff) as usize;
        let gen = (token >> 32) as u32;
        (self.gens.get(id) == Some(&gen) && self.slots[id].is_some()).then_some(id)
    }
    /// Ids of all attached pipes.
    pub fn ids(&self) -> impl Iterator<Item = PipeId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|_| i))
    }
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a pattern may use of its socket.
pub struct Core {
    pub options: Options,
    pub pipes: Pipes,
    /// Pipes a pattern found closed (`Read::Closed`, or a write to a closed
    /// peer): the base detaches them after the pattern call returns.
    pub dead: Vec<PipeId>,
}

impl Core {
    /// Reports a pipe whose peer is gone; the base calls `Pattern::detach`.
    pub fn pipe_dead(&mut self, id: PipeId) {
        if !self.dead.contains(&id) {
            self.dead.push(id);
        }
    }
}

/// One socket type's behaviour (libzmq's `xsend`/`xrecv`/`xattach_pipe`...).
pub trait Pattern: Send {
    /// A new pipe was attached (its id is already in `cx.pipes`). The pipe
    /// may already hold messages and may or may not be writable: treat it as
    /// both readable and writable until a read or `check_write` says no.
    fn attach(&mut self, cx: &mut Core, id: PipeId, info: &PipeInfo);
    /// The pipe is going away: forget it. It is removed from `cx.pipes` right after.
    fn detach(&mut self, cx: &mut Core, id: PipeId);
    /// Messages may be readable again on a pipe that had run dry.
    fn read_activated(&mut self, cx: &mut Core, id: PipeId);
    /// A pipe that had hit its HWM may be written again.
    fn write_activated(&mut self, cx: &mut Core, id: PipeId);
    /// The peer's connection was re-established (XSUB re-sends subscriptions).
    fn hiccuped(&mut self, _cx: &mut Core, _id: PipeId) {}
    /// Sends one frame (MORE flag on `msg`). On Ok the frame was taken and
    /// `msg` left empty. Err(EAGAIN) means "not now" (the base may block and
    /// retry) and `msg` must be untouched; other errors are returned to the user.
    fn send(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()>;
    /// Receives one frame into `msg` (the old content is dropped).
    /// Err(EAGAIN) when nothing is available.
    fn recv(&mut self, cx: &mut Core, msg: &mut Msg) -> Result<()>;
    /// A `recv` would succeed now (ZMQ_EVENTS POLLIN).
    fn has_in(&mut self, cx: &mut Core) -> bool;
    /// A `send` would succeed now (ZMQ_EVENTS POLLOUT).
    fn has_out(&mut self, cx: &mut Core) -> bool;
    /// A type-specific option: None if not ours (then generic options apply).
    fn setsockopt(&mut self, _cx: &mut Core, _option: i32, _value: &[u8]) -> Option<Result<()>> {
        None
    }
    /// A type-specific option value: None if not ours.
    fn getsockopt(&self, _cx: &Core, _option: i32) -> Option<Result<OptVal>> {
        None
    }
}
