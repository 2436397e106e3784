//! NULL with a ZAP domain, we a binding socket type, a fuzzed ZAP handler answering.
#![no_main]
use zmq::zmtp::fuzz;
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::null_zap_server(data));
