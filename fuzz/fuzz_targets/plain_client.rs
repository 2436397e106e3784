//! The PLAIN handshake, we the client (the input is the server's side).
#![no_main]
use zmq::zmtp::fuzz;
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::plain_client(data));
