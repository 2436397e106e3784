//! One module per socket type, and the factory `new_pattern`.

use super::Pattern;
use crate::error::{Errno, Result};

/// Creates the pattern for a socket type; EINVAL for an unknown type.
pub fn new_pattern(socket_type: i32) -> Result<Box<dyn Pattern>> {
    let _ = socket_type;
    Err(Errno::EINVAL)
}
