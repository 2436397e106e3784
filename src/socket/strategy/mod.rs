//! The routing strategies the socket types share, mirroring libzmq's:
//! [`lb`] (load balancing, PUSH / DEALER / REQ), [`fq`] (fair queueing,
//! PULL / DEALER / ROUTER / REP / XSUB / PAIR), [`dist`] (fan-out, PUB /
//! XPUB / XSUB) and [`trie`] (subscription prefix tries). All of them keep
//! libzmq's "active prefix" arrays (`array`) so the per-message paths do no
//! allocation, hashing or scanning.
//!
//! A strategy knows pipes, never a socket type: the types in
//! [`super::types`] compose them.

mod array;
pub(crate) mod dist;
pub(crate) mod fq;
pub(crate) mod lb;
pub(crate) mod trie;
