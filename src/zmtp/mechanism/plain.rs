//! PLAIN (RFC 24): placeholder until the mechanism lands (issue 9); the
//! options that select it are refused meanwhile (`SECURITY_BUILT`).

use super::{Mechanism, MechanismStatus, Properties};
use crate::zmtp::error::{Error, PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND};
use crate::zmtp::Config;

pub(crate) struct PlainClient(Properties);
pub(crate) struct PlainServer(Properties);

impl PlainClient {
    pub(crate) fn new(_cfg: &Config) -> PlainClient {
        PlainClient(Vec::new())
    }
}

impl PlainServer {
    pub(crate) fn new(_cfg: &Config) -> PlainServer {
        PlainServer(Vec::new())
    }
}

macro_rules! placeholder {
    ($t:ty) => {
        impl Mechanism for $t {
            fn next_handshake_command(&mut self) -> Option<Vec<u8>> {
                None
            }
            fn process_handshake_command(&mut self, _body: &[u8]) -> Result<(), Error> {
                Err(Error::Protocol(PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
            }
            fn status(&self) -> MechanismStatus {
                MechanismStatus::Handshaking
            }
            fn peer_properties(&self) -> &Properties {
                &self.0
            }
        }
    };
}
placeholder!(PlainClient);
placeholder!(PlainServer);
