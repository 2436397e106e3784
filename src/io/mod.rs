//! The I/O side: mailboxes, the epoll reactor and its threads, and the
//! socket monitor that I/O objects raise events on.

pub mod command;
pub mod mailbox;
pub mod monitor;
pub mod reactor;
pub mod thread_opts;
