//! A SOCKS5 client handshake (RFC 1928 CONNECT, RFC 1929 username/password),
//! sans-IO: the caller writes [`Socks5::output`] to the proxy, reads at most
//! [`Socks5::want`] bytes and feeds them to [`Socks5::input`], until
//! [`Socks5::is_done`]. It never asks for a byte past the proxy's reply, so
//! what follows on the connection (ZMTP) is left in the socket.
//!
//! As libzmq's `socks_connecter_t` (ZMQ_SOCKS_PROXY, ZMQ_SOCKS_USERNAME,
//! ZMQ_SOCKS_PASSWORD): one method is offered — username/password when a
//! username is set, else "no authentication"; the target host goes to the
//! proxy as given: a numeric IPv4 or IPv6 address as such, anything else as
//! a domain name, unresolved. Any refusal or malformed reply is an error
//! (the connect failed; the caller reconnects as usual).

use crate::error::{Errno, Result};
use std::net::{Ipv4Addr, Ipv6Addr};

const VERSION: u8 = 5;
const NO_AUTH: u8 = 0;
const USER_PASS: u8 = 2;
const AUTH_VERSION: u8 = 1;
const CMD_CONNECT: u8 = 1;
const ATYP_V4: u8 = 1;
const ATYP_DOMAIN: u8 = 3;
const ATYP_V6: u8 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Greeting sent (or being sent); waiting for the method choice (2 bytes).
    Choice,
    /// Username/password sent; waiting for the status (2 bytes).
    AuthReply,
    /// CONNECT sent; waiting for the reply's first 5 bytes.
    ReplyHead,
    /// Reading the rest of the reply's bound address and port.
    ReplyTail,
    Done,
}

/// One SOCKS5 handshake (see the module docs).
#[derive(Debug)]
pub struct Socks5 {
    state: State,
    /// Bytes to send to the proxy; `sent` of them are gone.
    out: Vec<u8>,
    sent: usize,
    /// The reply being read, and how many bytes it has in all.
    inp: Vec<u8>,
    need: usize,
    /// The CONNECT request, queued once the method is agreed.
    request: Vec<u8>,
    /// Username/password message, when a username is set.
    auth: Option<Vec<u8>>,
}

impl Socks5 {
    /// Starts a handshake to reach `host:port` through the proxy. `host` is
    /// an IPv4 address, an IPv6 address (brackets allowed) or a name of at
    /// most 255 bytes; credentials of at most 255 bytes each (EINVAL else).
    /// An empty `username` means no authentication.
    pub fn new(host: &str, port: u16, username: &str, password: &str) -> Result<Socks5> {
        let auth = if username.is_empty() {
            None
        } else {
            if username.len() > 255 || password.len() > 255 {
                return Err(Errno::EINVAL);
            }
            let mut m = vec![AUTH_VERSION, username.len() as u8];
            m.extend_from_slice(username.as_bytes());
            m.push(password.len() as u8);
            m.extend_from_slice(password.as_bytes());
            Some(m)
        };
        let method = if auth.is_some() { USER_PASS } else { NO_AUTH };
        Ok(Socks5 {
            state: State::Choice,
            out: vec![VERSION, 1, method],
            sent: 0,
            inp: Vec::with_capacity(32),
            need: 2,
            request: connect_request(host, port)?,
            auth,
        })
    }

    /// What is left to send to the proxy (empty: wait for its reply).
    pub fn output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// `n` bytes of [`output`](Self::output) were written.
    pub fn advance_output(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
    }

    /// How many bytes to read next (0 while there is output to send or
    /// once done). Reading no more than this keeps the peer's data in the
    /// socket.
    pub fn want(&self) -> usize {
        if !self.output().is_empty() || self.state == State::Done {
            return 0;
        }
        self.need - self.inp.len()
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Feeds bytes read from the proxy (at most [`want`](Self::want)).
    /// EPROTO for a malformed reply; EACCES when the proxy takes no
    /// offered method or refuses the credentials; for a failed CONNECT the
    /// reply's reason (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, else
    /// ECONNABORTED).
    pub fn input(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.len() > self.want() {
            return Err(Errno::EPROTO);
        }
        self.inp.extend_from_slice(bytes);
        if self.inp.len() < self.need {
            return Ok(());
        }
        let reply = std::mem::take(&mut self.inp);
        match self.state {
            State::Choice => {
                if reply[0] != VERSION {
                    return Err(Errno::EPROTO);
                }
                match (reply[1], self.auth.take()) {
                    (NO_AUTH, _) => self.send_request(),
                    (USER_PASS, Some(auth)) => {
                        self.queue(auth);
                        self.state = State::AuthReply;
                        self.need = 2;
                    }
                    _ => return Err(Errno(libc::EACCES)),
                }
            }
            State::AuthReply => {
                if reply[0] != AUTH_VERSION {
                    return Err(Errno::EPROTO);
                }
                if reply[1] != 0 {
                    return Err(Errno(libc::EACCES));
                }
                self.send_request();
            }
            State::ReplyHead => {
                if reply[0] != VERSION || reply[2] != 0 {
                    return Err(Errno::EPROTO);
                }
                match reply[1] {
                    0 => {}
                    3 => return Err(Errno::ENETUNREACH),
                    4 => return Err(Errno::EHOSTUNREACH),
                    5 => return Err(Errno::ECONNREFUSED),
                    _ => return Err(Errno::ECONNABORTED),
                }
                // The bound address after the 4-byte head, then the port;
                // 5 bytes are already here (head + first address byte).
                let total = match reply[3] {
                    ATYP_V4 => 4 + 4 + 2,
                    ATYP_V6 => 4 + 16 + 2,
                    ATYP_DOMAIN => 4 + 1 + usize::from(reply[4]) + 2,
                    _ => return Err(Errno::EPROTO),
                };
                self.need = total;
                self.inp = reply;
                self.state = State::ReplyTail;
                if self.inp.len() == self.need {
                    self.state = State::Done;
                }
            }
            State::ReplyTail => self.state = State::Done,
            State::Done => return Err(Errno::EPROTO),
        }
        Ok(())
    }

    fn send_request(&mut self) {
        let req = std::mem::take(&mut self.request);
        self.queue(req);
        self.state = State::ReplyHead;
        self.need = 5;
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        self.out = bytes;
        self.sent = 0;
    }
}

/// VER CMD RSV ATYP DST.ADDR DST.PORT for `host:port`.
fn connect_request(host: &str, port: u16) -> Result<Vec<u8>> {
    let mut m = vec![VERSION, CMD_CONNECT, 0];
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(v4) = bare.parse::<Ipv4Addr>() {
        m.push(ATYP_V4);
        m.extend_from_slice(&v4.octets());
    } else if let Ok(v6) = bare.parse::<Ipv6Addr>() {
        m.push(ATYP_V6);
        m.extend_from_slice(&v6.octets());
    } else {
        if bare.is_empty() || bare.len() > 255 {
            return Err(Errno::EINVAL);
        }
        m.push(ATYP_DOMAIN);
        m.push(bare.len() as u8);
        m.extend_from_slice(bare.as_bytes());
    }
    m.extend_from_slice(&port.to_be_bytes());
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the client against scripted proxy replies; returns what it sent.
    fn run(c: &mut Socks5, replies: &[&[u8]]) -> Result<Vec<Vec<u8>>> {
        let mut sent = Vec::new();
        for reply in replies {
            let out = c.output().to_vec();
            c.advance_output(out.len());
            sent.push(out);
            // Feed one byte at a time: a reply split anywhere works.
            for b in reply.iter() {
                assert!(c.want() >= 1, "asked for nothing mid-reply");
                c.input(std::slice::from_ref(b))?;
            }
        }
        Ok(sent)
    }

    #[test]
    fn no_auth_connect_by_domain_name() {
        let mut c = Socks5::new("example.org", 5555, "", "").unwrap();
        let sent = run(&mut c, &[&[5, 0], &[5, 0, 0, 1, 10, 0, 0, 1, 0x12, 0x34]]).unwrap();
        assert_eq!(sent[0], [5, 1, 0]);
        let mut req = vec![5, 1, 0, 3, 11];
        req.extend_from_slice(b"example.org");
        req.extend_from_slice(&[0x15, 0xb3]);
        assert_eq!(sent[1], req);
        assert!(c.is_done());
        assert_eq!(c.want(), 0);
    }

    #[test]
    fn user_password_then_ipv6_target_and_domain_reply() {
        let mut c = Socks5::new("[::1]", 80, "bob", "pw").unwrap();
        let sent = run(
            &mut c,
            &[&[5, 2], &[1, 0], &[5, 0, 0, 3, 2, b'h', b'i', 0, 80]],
        )
        .unwrap();
        assert_eq!(sent[0], [5, 1, 2]);
        assert_eq!(sent[1], [1, 3, b'b', b'o', b'b', 2, b'p', b'w']);
        let mut req = vec![5, 1, 0, 4];
        req.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        req.extend_from_slice(&[0, 80]);
        assert_eq!(sent[2], req);
        assert!(c.is_done());
    }

    #[test]
    fn ipv4_target_is_sent_as_an_address() {
        let c = Socks5::new("127.0.0.1", 1, "", "").unwrap();
        assert_eq!(c.request, [5, 1, 0, 1, 127, 0, 0, 1, 0, 1]);
    }

    #[test]
    fn refusals_and_garbage_are_errors() {
        let refused = |c: &mut Socks5, r: &[&[u8]]| run(c, r).map(|_| ());
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        let eacces = Err(Errno(libc::EACCES));
        assert_eq!(refused(&mut c, &[&[5, 0xff]]), eacces);
        // Asked for user/password without offering it.
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        assert_eq!(refused(&mut c, &[&[5, 2]]), eacces);
        let mut c = Socks5::new("h", 1, "u", "p").unwrap();
        assert_eq!(refused(&mut c, &[&[5, 2], &[1, 1]]), eacces);
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        assert_eq!(
            refused(&mut c, &[&[5, 0], &[5, 4, 0, 1, 0]]),
            Err(Errno::EHOSTUNREACH)
        );
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        assert_eq!(
            refused(&mut c, &[&[5, 0], &[5, 5, 0, 1, 0]]),
            Err(Errno::ECONNREFUSED)
        );
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        assert_eq!(refused(&mut c, &[&[4, 0]]), Err(Errno::EPROTO));
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        assert_eq!(
            refused(&mut c, &[&[5, 0], &[5, 0, 0, 9, 0]]),
            Err(Errno::EPROTO)
        );
        // More than asked for is refused, not buffered.
        let mut c = Socks5::new("h", 1, "", "").unwrap();
        c.advance_output(3);
        assert_eq!(c.input(&[5, 0, 0]), Err(Errno::EPROTO));
    }

    /// A hostile proxy: whatever it answers, the client never panics,
    /// never asks for more than a reply's worst case, and ends in done or
    /// an error.
    #[test]
    fn arbitrary_replies_never_panic() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..5000 {
            let user = if round % 2 == 0 { "" } else { "u" };
            let mut c = Socks5::new("host.example", 80, user, "p").unwrap();
            let mut steps = 0;
            loop {
                steps += 1;
                assert!(steps < 100);
                let out = c.output().len();
                c.advance_output(out);
                if c.is_done() {
                    break;
                }
                let want = c.want();
                assert!((1..=262).contains(&want), "want {want}");
                // Bias towards plausible bytes so deeper states are reached.
                let r = next();
                let b = match r % 4 {
                    0 => (r >> 8) as u8,
                    1 => 5,
                    2 => 0,
                    _ => [1, 2, 3, 4][(r >> 16) as usize % 4],
                };
                if c.input(&[b]).is_err() {
                    break;
                }
            }
        }
    }

    #[test]
    fn bad_parameters() {
        let long = "x".repeat(256);
        assert!(Socks5::new(&long, 1, "", "").is_err());
        assert!(Socks5::new("", 1, "", "").is_err());
        assert!(Socks5::new("h", 1, &long, "").is_err());
        assert!(Socks5::new("h", 1, "u", &long).is_err());
    }
}
