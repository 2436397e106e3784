//! Subscription prefix tries (libzmq `trie.cpp` and `mtrie.cpp`).
//!
//! One arena-backed byte trie, [`Trie<V>`], with two value kinds:
//! - [`SubTrie`] (SUB/XSUB): a reference count per prefix;
//! - [`MTrie`] (PUB/XPUB): the set of pipes subscribed to each prefix.
//!
//! Matching walks the message's bytes down from the root, visiting only the
//! nodes on that path (O(message prefix length · log 256)), whatever the
//! number of subscriptions. Every traversal is iterative: topics come from
//! the network and may be long, so no recursion depth depends on them.

use crate::socket::PipeId;

/// A value stored at a trie node; an empty value means "no subscription here".
pub(crate) trait NodeValue: Default {
    fn is_empty(&self) -> bool;
}

impl NodeValue for u32 {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

impl NodeValue for Vec<PipeId> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

#[derive(Default)]
struct Node<V> {
    value: V,
    /// Children sorted by byte.
    children: Vec<(u8, u32)>,
}

impl<V: NodeValue> Node<V> {
    fn child(&self, b: u8) -> Option<u32> {
        self.children
            .binary_search_by_key(&b, |&(c, _)| c)
            .ok()
            .map(|i| self.children[i].1)
    }
    fn redundant(&self) -> bool {
        self.value.is_empty() && self.children.is_empty()
    }
}

/// A byte trie whose nodes live in one vector (node 0 is the root, the empty prefix).
pub(crate) struct Trie<V> {
    nodes: Vec<Node<V>>,
    free: Vec<u32>,
    /// Nodes holding a non-empty value (ZMQ_TOPICS_COUNT).
    prefixes: usize,
}

impl<V: NodeValue> Default for Trie<V> {
    fn default() -> Self {
        Trie {
            nodes: vec![Node::default()],
            free: Vec::new(),
            prefixes: 0,
        }
    }
}

impl<V: NodeValue> Trie<V> {
    /// Number of prefixes with a non-empty value.
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }

    fn find(&self, prefix: &[u8]) -> Option<u32> {
        let mut idx = 0u32;
        for &b in prefix {
            idx = self.nodes[idx as usize].child(b)?;
        }
        Some(idx)
    }

    fn alloc(&mut self) -> u32 {
        if let Some(i) = self.free.pop() {
            i
        } else {
            self.nodes.push(Node::default());
            (self.nodes.len() - 1) as u32
        }
    }

    fn find_or_insert(&mut self, prefix: &[u8]) -> u32 {
        let mut idx = 0u32;
        for &b in prefix {
            let node = &self.nodes[idx as usize];
            idx = match node.children.binary_search_by_key(&b, |&(c, _)| c) {
                Ok(i) => node.children[i].1,
                Err(i) => {
                    let new = self.alloc();
                    self.nodes[idx as usize].children.insert(i, (b, new));
                    new
                }
            };
        }
        idx
    }

    /// Applies `f` to the value at `prefix` (created if missing), keeps the
    /// prefix count right and prunes nodes left redundant.
    fn update<R>(&mut self, prefix: &[u8], create: bool, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let idx = if create {
            self.find_or_insert(prefix)
        } else {
            self.find(prefix)?
        };
        let v = &mut self.nodes[idx as usize].value;
        let was_empty = v.is_empty();
        let r = f(v);
        let now_empty = v.is_empty();
        match (was_empty, now_empty) {
            (true, false) => self.prefixes += 1,
            (false, true) => self.prefixes -= 1,
            _ => {}
        }
        if now_empty {
            self.prune_path(prefix);
        }
        Some(r)
    }

    /// Removes redundant nodes on the path of `prefix`, deepest first.
    fn prune_path(&mut self, prefix: &[u8]) {
        let mut path = Vec::with_capacity(prefix.len() + 1);
        let mut idx = 0u32;
        path.push(idx);
        for &b in prefix {
            match self.nodes[idx as usize].child(b) {
                Some(c) => {
                    idx = c;
                    path.push(c);
                }
                None => break,
            }
        }
        // path[k] is reached by prefix[k-1] from path[k-1].
        for k in (1..path.len()).rev() {
            let idx = path[k] as usize;
            if !self.nodes[idx].redundant() {
                break;
            }
            let parent = &mut self.nodes[path[k - 1] as usize];
            if let Ok(i) = parent
                .children
                .binary_search_by_key(&prefix[k - 1], |&(c, _)| c)
            {
                parent.children.remove(i);
            }
            self.free.push(idx as u32);
        }
    }

    /// Calls `f` with the value of every node on the path of `data`
    /// (root included) until `f` returns false.
    #[inline]
    pub fn walk(&self, data: &[u8], mut f: impl FnMut(&V) -> bool) {
        let mut node = &self.nodes[0];
        if !f(&node.value) {
            return;
        }
        for &b in data {
            match node.child(b) {
                Some(c) => node = &self.nodes[c as usize],
                None => return,
            }
            if !f(&node.value) {
                return;
            }
        }
    }

    /// Visits every node (pre-order, byte order) with its prefix; `f` may
    /// change values. Nodes left redundant are pruned afterwards.
    pub fn visit_mut(&mut self, mut f: impl FnMut(&[u8], &mut V)) {
        let mut key: Vec<u8> = Vec::new();
        let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
        self.apply_at(0, &key, &mut f);
        while let Some(top) = stack.len().checked_sub(1) {
            let (idx, cursor) = stack[top];
            let node = &self.nodes[idx as usize];
            if cursor < node.children.len() {
                let (b, child) = node.children[cursor];
                stack[top].1 += 1;
                key.push(b);
                self.apply_at(child, &key, &mut f);
                stack.push((child, 0));
            } else {
                stack.pop();
                key.pop();
                // Children are finished: drop the redundant ones.
                let mut children = std::mem::take(&mut self.nodes[idx as usize].children);
                children.retain(|&(_, c)| {
                    let dead = self.nodes[c as usize].redundant();
                    if dead {
                        self.free.push(c);
                    }
                    !dead
                });
                self.nodes[idx as usize].children = children;
            }
        }
    }

    fn apply_at(&mut self, idx: u32, key: &[u8], f: &mut impl FnMut(&[u8], &mut V)) {
        let v = &mut self.nodes[idx as usize].value;
        let was_empty = v.is_empty();
        f(key, v);
        match (was_empty, v.is_empty()) {
            (true, false) => self.prefixes += 1,
            (false, true) => self.prefixes -= 1,
            _ => {}
        }
    }

    /// Visits every non-empty value with its prefix.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key: Vec<u8> = Vec::new();
        let mut stack: Vec<(u32, usize)> = vec![(0, 0)];
        if !self.nodes[0].value.is_empty() {
            f(&key, &self.nodes[0].value);
        }
        while let Some(top) = stack.len().checked_sub(1) {
            let (idx, cursor) = stack[top];
            let node = &self.nodes[idx as usize];
            if cursor < node.children.len() {
                let (b, child) = node.children[cursor];
                stack[top].1 += 1;
                key.push(b);
                let v = &self.nodes[child as usize].value;
                if !v.is_empty() {
                    f(&key, v);
                }
                stack.push((child, 0));
            } else {
                stack.pop();
                key.pop();
            }
        }
    }

    /// Live nodes (for tests of pruning).
    #[cfg(test)]
    fn live_nodes(&self) -> usize {
        self.nodes.len() - self.free.len()
    }
}

/// SUB/XSUB subscriptions: a count per prefix (libzmq `trie_t`).
#[derive(Default)]
pub(crate) struct SubTrie(Trie<u32>);

impl SubTrie {
    /// Adds one reference; true if the prefix is new.
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        self.0
            .update(prefix, true, |n| {
                *n = n.saturating_add(1);
                *n == 1
            })
            .unwrap_or(false)
    }

    /// Drops one reference; true if it was the last one (false if unknown).
    pub fn rm(&mut self, prefix: &[u8]) -> bool {
        self.0
            .update(prefix, false, |n| {
                if *n == 0 {
                    return false;
                }
                *n -= 1;
                *n == 0
            })
            .unwrap_or(false)
    }

    /// True if some subscribed prefix is a prefix of `data`.
    #[inline]
    pub fn check(&self, data: &[u8]) -> bool {
        let mut found = false;
        self.0.walk(data, |n| {
            found = *n > 0;
            !found
        });
        found
    }

    /// Every subscribed prefix, once.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.0.for_each(|k, _| f(k));
    }

    pub fn num_prefixes(&self) -> usize {
        self.0.num_prefixes()
    }
}

/// Result of [`MTrie::rm`] (libzmq `mtrie_t::rm_result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RmResult {
    NotFound,
    LastValueRemoved,
    ValuesRemain,
}

/// PUB/XPUB subscriptions: the set of pipes per prefix (libzmq `mtrie_t`).
/// Sets are sorted vectors of pipe ids.
#[derive(Default)]
pub(crate) struct MTrie(Trie<Vec<PipeId>>);

impl MTrie {
    /// Adds `pipe` to `prefix`; true if it is the prefix's first pipe.
    pub fn add(&mut self, prefix: &[u8], pipe: PipeId) -> bool {
        self.0
            .update(prefix, true, |set| {
                let first = set.is_empty();
                if let Err(i) = set.binary_search(&pipe) {
                    set.insert(i, pipe);
                }
                first
            })
            .unwrap_or(false)
    }

    /// Removes `pipe` from `prefix`.
    pub fn rm(&mut self, prefix: &[u8], pipe: PipeId) -> RmResult {
        self.0
            .update(prefix, false, |set| match set.binary_search(&pipe) {
                Ok(i) => {
                    set.remove(i);
                    if set.is_empty() {
                        RmResult::LastValueRemoved
                    } else {
                        RmResult::ValuesRemain
                    }
                }
                Err(_) => RmResult::NotFound,
            })
            .unwrap_or(RmResult::NotFound)
    }

    /// Removes `pipe` everywhere; calls `f(prefix, now_empty)` for each
    /// prefix it was subscribed to.
    pub fn rm_pipe(&mut self, pipe: PipeId, mut f: impl FnMut(&[u8], bool)) {
        self.0.visit_mut(|k, set| {
            if let Ok(i) = set.binary_search(&pipe) {
                set.remove(i);
                f(k, set.is_empty());
            }
        });
    }

    /// Calls `f` for every pipe subscribed to a prefix of `data` (a pipe
    /// subscribed to several such prefixes is reported once per prefix).
    #[inline]
    pub fn match_(&self, data: &[u8], mut f: impl FnMut(PipeId)) {
        self.0.walk(data, |set| {
            for &p in set {
                f(p);
            }
            true
        });
    }

    pub fn num_prefixes(&self) -> usize {
        self.0.num_prefixes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_trie_counts_and_prunes() {
        let mut t = SubTrie::default();
        assert!(!t.check(b"abc"));
        assert!(t.add(b"ab"));
        assert!(!t.add(b"ab"));
        assert!(t.add(b"b"));
        assert!(t.check(b"abc") && t.check(b"ab") && !t.check(b"a") && t.check(b"bz"));
        assert_eq!(t.num_prefixes(), 2);
        assert!(!t.rm(b"ab"));
        assert!(t.rm(b"ab"));
        assert!(!t.rm(b"ab"));
        assert!(!t.rm(b"zz"));
        assert!(!t.check(b"abc"));
        assert_eq!(t.num_prefixes(), 1);
        assert!(t.rm(b"b"));
        assert_eq!(t.0.live_nodes(), 1);
        assert!(t.add(b""));
        assert!(t.check(b"") && t.check(b"anything"));
        let mut all = vec![];
        t.add(b"x");
        t.for_each(|k| all.push(k.to_vec()));
        assert_eq!(all, vec![b"".to_vec(), b"x".to_vec()]);
    }

    #[test]
    fn mtrie_sets_match_and_rm_pipe() {
        let mut t = MTrie::default();
        assert!(t.add(b"ab", 1));
        assert!(!t.add(b"ab", 1));
        assert!(!t.add(b"ab", 2));
        assert!(t.add(b"a", 3));
        assert!(t.add(b"", 4));
        let mut m = vec![];
        t.match_(b"abc", |p| m.push(p));
        m.sort();
        assert_eq!(m, vec![1, 2, 3, 4]);
        m.clear();
        t.match_(b"b", |p| m.push(p));
        assert_eq!(m, vec![4]);
        assert_eq!(t.rm(b"ab", 9), RmResult::NotFound);
        assert_eq!(t.rm(b"zz", 1), RmResult::NotFound);
        assert_eq!(t.rm(b"ab", 1), RmResult::ValuesRemain);
        assert_eq!(t.num_prefixes(), 3);
        let mut gone = vec![];
        t.rm_pipe(2, |k, last| gone.push((k.to_vec(), last)));
        assert_eq!(gone, vec![(b"ab".to_vec(), true)]);
        assert_eq!(t.num_prefixes(), 2);
        t.rm_pipe(3, |_, _| {});
        t.rm_pipe(4, |_, _| {});
        assert_eq!(t.num_prefixes(), 0);
        assert_eq!(t.0.live_nodes(), 1);
    }

    #[test]
    fn ten_thousand_prefixes_match_by_path() {
        let mut t = MTrie::default();
        for i in 0..10_000u32 {
            t.add(format!("topic/{i}").as_bytes(), (i % 7) as PipeId);
        }
        let mut visited = 0;
        t.0.walk(b"topic/1234/x", |_| {
            visited += 1;
            true
        });
        assert!(visited <= 12);
        let mut m = vec![];
        t.match_(b"topic/1234/x", |p| m.push(p));
        // "topic/1", "topic/12", "topic/123", "topic/1234"
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn deep_topic_no_recursion() {
        let mut t = MTrie::default();
        let long = vec![b'x'; 200_000];
        t.add(&long, 1);
        let mut n = 0;
        t.rm_pipe(1, |_, _| n += 1);
        assert_eq!(n, 1);
        assert_eq!(t.0.live_nodes(), 1);
    }
}
