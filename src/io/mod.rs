//! The I/O side: mailboxes, the epoll reactor and its threads.

pub mod command;
pub mod mailbox;
pub mod reactor;
pub mod thread_opts;
