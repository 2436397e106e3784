//! Z85 encoding (RFC 32).
