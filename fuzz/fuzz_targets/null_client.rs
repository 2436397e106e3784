//! The NULL handshake, we the connecting (client) side.
#![no_main]
use zmq::zmtp::{fuzz, MechanismConfig};
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::handshake(MechanismConfig::Null, false, data));
