//! The I/O side: mailboxes, the epoll reactor and its threads.

pub mod mailbox;
pub mod reactor;
