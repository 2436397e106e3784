//! Scatter/gather sending and receiving (`zmq_sendiov`, `zmq_recviov`): one
//! frame per buffer, over safe slices. (A natural home is `socket/iov.rs`
//! once `socket/mod.rs` declares it.)

use super::Socket;
use crate::constants::ZMQ_SNDMORE;
use crate::error::{Errno, Result};
use crate::msg::Msg;

/// Sends each buffer of `frames` as a frame, copying it. Every frame but the
/// last is sent with `flags`; the last without ZMQ_SNDMORE. A buffer that
/// fails to convert stops the send there (earlier frames are sent). Returns
/// the last frame's size; EINVAL when there are no buffers.
pub fn send<'a>(
    socket: &mut Socket,
    frames: impl ExactSizeIterator<Item = Result<&'a [u8]>>,
    flags: i32,
) -> Result<usize> {
    let count = frames.len();
    if count == 0 {
        return Err(Errno::EINVAL);
    }
    let mut last = 0;
    for (i, data) in frames.enumerate() {
        let data = data?;
        let flags = if i + 1 == count {
            flags & !ZMQ_SNDMORE
        } else {
            flags
        };
        let mut msg = Msg::from_slice(data);
        socket.send(&mut msg, flags)?;
        last = data.len();
    }
    Ok(last)
}

/// Receives up to `max` frames of one message, handing frame `i` to
/// `store(i, &frame)` as it arrives, and stops after the message's last
/// frame. Returns the number of frames; EINVAL when `max` is 0. On an error
/// the frames already stored stay stored.
pub fn recv(
    socket: &mut Socket,
    max: usize,
    flags: i32,
    mut store: impl FnMut(usize, &Msg) -> Result<()>,
) -> Result<usize> {
    if max == 0 {
        return Err(Errno::EINVAL);
    }
    let mut n = 0;
    while n < max {
        let mut msg = Msg::new();
        socket.recv(&mut msg, flags)?;
        store(n, &msg)?;
        n += 1;
        if !msg.more() {
            break;
        }
    }
    Ok(n)
}
