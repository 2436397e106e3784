//! What a pipe's reader may do besides reading: pull the messages in itself.
//!
//! A socket blocked in a receive on a pipe that leads to a tcp/ipc
//! connection may read that connection in its own thread instead of waiting
//! for the I/O thread to do it and wake it (one wake-up fewer per hop). The
//! engine layer implements [`DirectReceiver`] for its connections; the
//! socket layer only stores the handles it is given with a pipe and hands
//! them back to the engine's wait loop. The pipe layer defines the contract
//! so that neither has to know the other's types.

use std::os::fd::RawFd;

/// The result of [`DirectReceiver::try_recv`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DirectRead {
    /// At least one whole message was written into the pipe.
    Delivered,
    /// Bytes were read but no whole message yet: poll again.
    Progress,
    /// Nothing done (another thread read it first, not established, a
    /// stale fd, or work left to the I/O thread): stop polling this one
    /// for this wait.
    Skip,
}

/// A connection that a blocked reader may read itself.
pub trait DirectReceiver: Send + Sync + std::fmt::Debug {
    /// The fd to poll and a stamp naming the established connection behind
    /// it, or `None` while there is none (connecting, reconnecting, gone).
    fn snapshot(&self) -> Option<(RawFd, u64)>;

    /// The fd of the connection named by `stamp` was readable: read,
    /// decode and write whole messages into the pipe. Does nothing if the
    /// connection is no longer the one `stamp` names.
    fn try_recv(&self, stamp: u64) -> DirectRead;
}
