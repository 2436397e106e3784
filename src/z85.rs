//! Z85 encoding (RFC 32).

/// Encodes `data` (length a multiple of 4) as Z85 text.
pub fn encode(data: &[u8]) -> Option<String> {
    let _ = data;
    None
}

/// Decodes Z85 text (length a multiple of 5).
pub fn decode(s: &[u8]) -> Option<Vec<u8>> {
    let _ = s;
    None
}
