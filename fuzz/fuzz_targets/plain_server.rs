//! The PLAIN handshake, we the server, a fuzzed ZAP handler answering.
#![no_main]
use zmq::zmtp::fuzz;
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::plain_server(data));
