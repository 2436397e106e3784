//! I/O thread: an epoll loop over file descriptors, a command mailbox and timers.

use crate::error::Result;

pub struct IoThread {}

impl IoThread {
    pub fn start(_index: usize) -> Result<IoThread> {
        Ok(IoThread {})
    }
    pub fn stop(&self) {}
}
