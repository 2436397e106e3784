//! libzmq's `array_t` for pipes: a vector of pipe ids that knows each pipe's
//! position, so strategies can swap pipes in and out of an "active prefix"
//! `0..active` in O(1).

use crate::socket::PipeId;

const ABSENT: u32 = u32::MAX;

/// Pipe ids plus a reverse index (`PipeId` → position). Pipe ids are small
/// slab indices, so the reverse index is a plain vector.
#[derive(Default, Debug)]
pub(crate) struct PipeArray {
    items: Vec<PipeId>,
    pos: Vec<u32>,
}

impl PipeArray {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    #[inline]
    pub fn get(&self, i: usize) -> PipeId {
        self.items[i]
    }

    /// Position of `id`, if present.
    #[inline]
    pub fn index(&self, id: PipeId) -> Option<usize> {
        match self.pos.get(id) {
            Some(&p) if p != ABSENT => Some(p as usize),
            _ => None,
        }
    }

    pub fn contains(&self, id: PipeId) -> bool {
        self.index(id).is_some()
    }

    /// Appends `id` (no-op if present); returns its position.
    pub fn push(&mut self, id: PipeId) -> usize {
        if let Some(i) = self.index(id) {
            return i;
        }
        if self.pos.len() <= id {
            self.pos.resize(id + 1, ABSENT);
        }
        self.pos[id] = self.items.len() as u32;
        self.items.push(id);
        self.items.len() - 1
    }

    /// Swaps the pipes at positions `i` and `j`.
    #[inline]
    pub fn swap(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        self.items.swap(i, j);
        self.pos[self.items[i]] = i as u32;
        self.pos[self.items[j]] = j as u32;
    }

    /// Moves `id` into the prefix `0..*len` (libzmq's "active" region) if it
    /// is behind it. Returns true if it moved (idempotent otherwise).
    #[inline]
    pub fn join_prefix(&mut self, id: PipeId, len: &mut usize) -> bool {
        match self.index(id) {
            Some(i) if i >= *len => {
                self.swap(i, *len);
                *len += 1;
                true
            }
            _ => false,
        }
    }

    /// Moves the pipe at `i` (inside `0..*len`) just behind the shrunk
    /// prefix; returns its new position (`*len` after the call).
    #[inline]
    pub fn leave_prefix(&mut self, i: usize, len: &mut usize) -> usize {
        *len -= 1;
        self.swap(i, *len);
        *len
    }

    /// [`leave_prefix`](Self::leave_prefix) for a prefix with a
    /// round-robin cursor: `current` stays on the same pipe (which may be the
    /// one moved into slot `i`; libzmq resets it to 0, which breaks a
    /// multipart message in flight to another pipe), or wraps to 0 when it
    /// falls off the end.
    pub fn leave_prefix_keeping(&mut self, i: usize, len: &mut usize, current: &mut usize) {
        self.leave_prefix(i, len);
        if *current == *len {
            *current = i;
        }
        if *current >= *len {
            *current = 0;
        }
    }

    /// Removes `id` by moving the last pipe into its slot (callers first move
    /// it out of any prefix they maintain). Returns its former position.
    pub fn remove(&mut self, id: PipeId) -> Option<usize> {
        let i = self.index(id)?;
        self.items.swap_remove(i);
        self.pos[id] = ABSENT;
        if i < self.items.len() {
            self.pos[self.items[i]] = i as u32;
        }
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_swap_remove_keep_index() {
        let mut a = PipeArray::default();
        a.push(5);
        a.push(2);
        a.push(9);
        assert_eq!(a.push(2), 1);
        a.swap(0, 2);
        assert_eq!((a.get(0), a.index(9), a.index(5)), (9, Some(0), Some(2)));
        assert_eq!(a.remove(9), Some(0));
        assert_eq!((a.get(0), a.index(5), a.index(9)), (5, Some(0), None));
        assert_eq!(a.len(), 2);
        assert_eq!(a.remove(9), None);
    }
}
