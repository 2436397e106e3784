//! The crate's one source of non-cryptographic random numbers: generated
//! routing ids, REQ request ids and reconnect jitter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A 32-bit random number.
///
/// libzmq never seeds `rand()`, so every process hands out the same ids
/// (BEHAVIOUR B2). We mix the time, the process id, a per-process counter
/// and an address (ASLR) through splitmix64 instead; this is not
/// cryptographic, it only has to differ between processes and sockets.
pub fn u32() -> u32 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let local = 0u8;
    let addr = &local as *const u8 as u64;
    let mut z = nanos
        ^ (std::process::id() as u64).rotate_left(32)
        ^ addr.rotate_left(17)
        ^ CALLS
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

#[cfg(test)]
mod tests {
    #[test]
    fn successive_values_differ() {
        let a: Vec<u32> = (0..64).map(|_| super::u32()).collect();
        let mut b = a.clone();
        b.sort_unstable();
        b.dedup();
        assert!(b.len() > 60, "{a:?}");
    }
}
