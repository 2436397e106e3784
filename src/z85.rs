//! Z85 encoding (ZeroMQ RFC 32): 4 binary bytes become 5 printable
//! characters, used for CURVE keys in text form.
//!
//! Behaviour matches libzmq 4.3.5's `zmq_z85_encode` / `zmq_z85_decode`:
//! encoding needs a length that is a multiple of 4 (an empty input gives an
//! empty string); decoding needs a non-empty multiple of 5, only alphabet
//! characters, and no 5-character group above 0xFFFF_FFFF. Invalid input is
//! `None`, never a panic.

/// The 85 characters of RFC 32, in value order.
const ENCODER: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks a byte that is not in the alphabet.
const INVALID: u8 = 0xFF;

/// Value of each byte in the alphabet, `INVALID` elsewhere.
const DECODER: [u8; 256] = build_decoder();

const fn build_decoder() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < ENCODER.len() {
        table[ENCODER[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// Encoded length of `n` bytes (`n` a multiple of 4), without a NUL.
pub const fn encoded_len(n: usize) -> usize {
    n / 4 * 5
}

/// Encodes `data` into Z85 text. `None` unless `data.len()` is a multiple of 4.
pub fn encode(data: &[u8]) -> Option<String> {
    if data.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(encoded_len(data.len()));
    for chunk in data.chunks_exact(4) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut group = [0u8; 5];
        for slot in group.iter_mut().rev() {
            *slot = ENCODER[(value % 85) as usize];
            value /= 85;
        }
        out.extend_from_slice(&group);
    }
    // Every byte comes from the ASCII alphabet.
    String::from_utf8(out).ok()
}

/// Decodes Z85 text. `None` if the length is 0 or not a multiple of 5, if a
/// character is outside the alphabet (a NUL included), or if a group encodes
/// a value above 0xFFFF_FFFF.
pub fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    let text = text.as_ref();
    if text.is_empty() || text.len() % 5 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 5 * 4);
    for group in text.chunks_exact(5) {
        let mut value: u32 = 0;
        for &c in group {
            let digit = DECODER[c as usize];
            if digit == INVALID {
                return None;
            }
            value = value.checked_mul(85)?.checked_add(u32::from(digit))?;
        }
        out.extend_from_slice(&value.to_be_bytes());
    }
    Some(out)
}

/// Decodes exactly 40 characters of Z85 into a 32-byte key (CURVE keys).
pub fn decode_key(text: &[u8]) -> Option<[u8; 32]> {
    if text.len() != 40 {
        return None;
    }
    decode(text)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: [u8; 8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];

    #[test]
    fn rfc32_vector() {
        assert_eq!(encode(&HELLO).as_deref(), Some("HelloWorld"));
        assert_eq!(decode("HelloWorld"), Some(HELLO.to_vec()));
        assert_eq!(decode(b"HelloWorld"), Some(HELLO.to_vec()));
    }

    #[test]
    fn rfc32_curve_key_vectors() {
        // The client public key from RFC 26 / zmq_curve's example.
        let text = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
        let key = decode_key(text.as_bytes()).unwrap();
        assert_eq!(encode(&key).as_deref(), Some(text));
    }

    #[test]
    fn round_trip_all_byte_values() {
        let data: Vec<u8> = (0..=255u8).collect();
        let text = encode(&data).unwrap();
        assert_eq!(text.len(), 320);
        assert_eq!(decode(&text), Some(data));
        let edges = [0u8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        let text = encode(&edges).unwrap();
        assert_eq!(text, "00000%nSc0");
        assert_eq!(decode(&text), Some(edges.to_vec()));
    }

    #[test]
    fn encode_needs_multiple_of_four() {
        assert_eq!(encode(&[]).as_deref(), Some(""));
        for n in [1, 2, 3, 5, 31, 33] {
            assert_eq!(encode(&vec![7u8; n]), None, "len {n}");
        }
    }

    #[test]
    fn decode_rejects_bad_lengths() {
        // libzmq refuses strings shorter than 5, the empty one included.
        assert_eq!(decode(""), None);
        assert_eq!(decode("Hell"), None);
        assert_eq!(decode("HelloWorl"), None);
        assert_eq!(decode("HelloWorld0"), None);
    }

    #[test]
    fn decode_rejects_bad_characters() {
        assert_eq!(decode("Hello Worl"), None); // space
        assert_eq!(decode("Hell\0World"), None); // NUL
        assert_eq!(decode("Hello\"orld"), None); // '"' is not in the alphabet
        assert_eq!(decode("Hello'orld"), None);
        assert_eq!(decode("Hello,orld"), None);
        assert_eq!(decode("Hello;orld"), None);
        assert_eq!(decode("Hello\\orld"), None);
        assert_eq!(decode("Hello_orld"), None);
        assert_eq!(decode("Hello`orld"), None);
        assert_eq!(decode("Hello|orld"), None);
        assert_eq!(decode("Hello~orld"), None);
        assert_eq!(decode([b'a', b'b', b'c', b'd', 0xC3]), None);
        assert_eq!(decode([0x7F; 5]), None);
    }

    #[test]
    fn decode_rejects_overflow() {
        // "%nSc0" is 0xFFFFFFFF, the largest value; one more overflows.
        assert_eq!(decode("%nSc0"), Some(vec![0xFF; 4]));
        assert_eq!(decode("%nSc1"), None);
        assert_eq!(decode("#####"), None);
        assert_eq!(decode("%nSd0"), None);
        assert_eq!(decode("0000%nSc1"), None);
    }

    #[test]
    fn decode_never_panics_on_any_short_input() {
        let mut buf = [0u8; 5];
        for a in 0..=255u8 {
            for b in [0u8, b'0', b'#', b'%', 0xFF] {
                buf[0] = a;
                buf[4] = b;
                let _ = decode(buf);
            }
        }
    }

    #[test]
    fn decode_key_needs_forty_chars() {
        assert_eq!(decode_key(b"HelloWorld"), None);
        assert_eq!(decode_key(&[b'0'; 41]), None);
        assert_eq!(decode_key(&[b'0'; 40]), Some([0; 32]));
    }
}
