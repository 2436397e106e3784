//! Raw bytes on a fresh connection: greeting, version detection and on.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq::zmtp::fuzz::greeting(data));
