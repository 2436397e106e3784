//! Frames after the handshake, in every framing (1.0, 2.0, 3.0, 3.1).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zmq::zmtp::fuzz::frame_decoder(data));
