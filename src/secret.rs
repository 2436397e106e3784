//! Secret values (ZMQ_CURVE_SECRETKEY, ZMQ_PLAIN_PASSWORD, keys in use):
//! wiped from memory when dropped and never printed by `Debug`.

use zeroize::{Zeroize, Zeroizing};

/// A secret: the value is zeroed on drop; `Debug` shows only `Secret(..)`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(pub Zeroizing<T>);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Secret<T> {
        Secret(Zeroizing::new(value))
    }
}

impl<T: Zeroize> std::ops::Deref for Secret<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new(*b"0123456789abcdef0123456789abcdef");
        assert_eq!(format!("{s:?}"), "Secret(..)");
        assert_eq!(s[0], b'0');
        let p = Secret::new(String::from("hunter2"));
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
