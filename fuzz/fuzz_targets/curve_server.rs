//! The CURVE handshake and MESSAGE traffic, we the server (fixed keys; see
//! `zmq::zmtp::fuzz::curve_server` for the input format).
#![no_main]
use zmq::zmtp::fuzz;
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::curve_server(data));
