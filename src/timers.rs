//! A set of timers the application runs itself (`zmq_timers_*`): it asks
//! for the next timeout, sleeps or polls, then calls [`execute`].
//!
//! What a timer runs is opaque here: a `Copy` value `H` (for C, the handler
//! function and its argument) handed back to the caller of [`execute`].

use crate::error::{Errno, Result};
use parking_lot::Mutex;
use std::time::Instant;

struct Timer<H> {
    id: i32,
    /// Due time, in ms since the set's epoch.
    when: u64,
    interval: u64,
    handler: H,
}

/// A set of timers, ordered by due time (ties keep insertion order).
pub struct Timers<H> {
    epoch: Instant,
    next_id: i32,
    timers: Vec<Timer<H>>,
}

impl<H> Default for Timers<H> {
    fn default() -> Self {
        Timers {
            epoch: Instant::now(),
            next_id: 0,
            timers: Vec::new(),
        }
    }
}

impl<H: Copy> Timers<H> {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn insert(&mut self, t: Timer<H>) {
        let at = self.timers.partition_point(|x| x.when <= t.when);
        self.timers.insert(at, t);
    }

    fn remove(&mut self, id: i32) -> Result<Timer<H>> {
        let i = self
            .timers
            .iter()
            .position(|t| t.id == id)
            .ok_or(Errno::EINVAL)?;
        Ok(self.timers.remove(i))
    }

    /// Adds a timer firing every `interval` ms; returns its id (> 0).
    pub fn add(&mut self, interval: u64, handler: H) -> i32 {
        self.next_id = self.next_id.wrapping_add(1).max(1);
        let id = self.next_id;
        let when = self.now().saturating_add(interval);
        self.insert(Timer {
            id,
            when,
            interval,
            handler,
        });
        id
    }

    /// Cancels a timer. EINVAL if there is no such timer.
    pub fn cancel(&mut self, id: i32) -> Result<()> {
        self.remove(id).map(drop)
    }

    /// Changes a timer's interval and restarts it from now.
    pub fn set_interval(&mut self, id: i32, interval: u64) -> Result<()> {
        let mut t = self.remove(id)?;
        t.interval = interval;
        t.when = self.now().saturating_add(interval);
        self.insert(t);
        Ok(())
    }

    /// Restarts a timer from now.
    pub fn reset(&mut self, id: i32) -> Result<()> {
        let interval = self
            .timers
            .iter()
            .find(|t| t.id == id)
            .ok_or(Errno::EINVAL)?
            .interval;
        self.set_interval(id, interval)
    }

    /// Milliseconds until the next timer is due (0 if overdue), -1 if none.
    pub fn timeout(&self) -> i64 {
        match self.timers.first() {
            None => -1,
            Some(t) => t.when.saturating_sub(self.now()).min(i64::MAX as u64) as i64,
        }
    }

    /// Takes the timer `id` if it is still present and due at `now`,
    /// reschedules it, and returns its handler.
    fn fire_one(&mut self, id: i32, now: u64) -> Option<H> {
        let i = self
            .timers
            .iter()
            .position(|t| t.id == id && t.when <= now)?;
        let mut t = self.timers.remove(i);
        let handler = t.handler;
        t.when = now.saturating_add(t.interval);
        self.insert(t);
        Some(handler)
    }
}

/// Runs `run(id, handler)` for every timer due now, each once, without
/// holding the lock (a handler may add, cancel or reset timers of the same
/// set; a timer cancelled by an earlier handler does not run).
pub fn execute<H: Copy>(set: &Mutex<Timers<H>>, mut run: impl FnMut(i32, H)) {
    let (due, now) = {
        let t = set.lock();
        let now = t.now();
        (
            t.timers
                .iter()
                .take_while(|x| x.when <= now)
                .map(|x| x.id)
                .collect::<Vec<_>>(),
            now,
        )
    };
    for id in due {
        let handler = set.lock().fire_one(id, now);
        if let Some(handler) = handler {
            run(id, handler);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_timers_run_once_and_reschedule() {
        let set = Mutex::new(Timers::default());
        let a = set.lock().add(0, 'a');
        let b = set.lock().add(60_000, 'b');
        assert_eq!(set.lock().timeout(), 0);
        let mut ran = Vec::new();
        execute(&set, |id, h| ran.push((id, h)));
        assert_eq!(ran, [(a, 'a')]);
        assert_eq!(set.lock().cancel(b), Ok(()));
        assert_eq!(set.lock().cancel(b), Err(Errno::EINVAL));
        assert_eq!(set.lock().reset(a), Ok(()));
        assert_eq!(set.lock().set_interval(a, 60_000), Ok(()));
        assert!(set.lock().timeout() > 0);
        assert_eq!(set.lock().cancel(a), Ok(()));
        assert_eq!(set.lock().timeout(), -1);
    }
}
