//! A small bounded queue that drops its oldest item when full, so a slow or
//! dead webhook costs memory up to a limit and never pushes back on the
//! recorder (whose broadcast must not wait).
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::Notify;

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

/// One producer pushes, one consumer pops.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Notify,
    cap: usize,
}

impl<T> Queue<T> {
    pub fn new(cap: usize) -> Self {
        Self {
            state: Mutex::new(State { items: VecDeque::new(), closed: false }),
            ready: Notify::new(),
            cap: cap.max(1),
        }
    }

    /// Add an item; returns the oldest one if it had to make room.
    pub fn push(&self, item: T) -> Option<T> {
        let dropped = match self.state.lock() {
            Ok(mut s) => {
                let dropped = if s.items.len() >= self.cap { s.items.pop_front() } else { None };
                s.items.push_back(item);
                dropped
            }
            Err(_) => None,
        };
        self.ready.notify_one();
        dropped
    }

    /// No more pushes: `pop` returns `None` once the queue is empty.
    pub fn close(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.closed = true;
        }
        self.ready.notify_one();
    }

    /// The next item, waiting for one; `None` when closed and drained.
    pub async fn pop(&self) -> Option<T> {
        loop {
            match self.state.lock() {
                Ok(mut s) => {
                    if let Some(item) = s.items.pop_front() {
                        return Some(item);
                    }
                    if s.closed {
                        return None;
                    }
                }
                Err(_) => return None,
            }
            // `notify_one` keeps a permit when nobody waits, so a push
            // between the check above and this wait is not missed.
            self.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drops_the_oldest_and_drains_after_close() {
        let q = Queue::new(2);
        assert_eq!(q.push(1), None);
        assert_eq!(q.push(2), None);
        assert_eq!(q.push(3), Some(1));
        q.close();
        assert_eq!(q.pop().await, Some(2));
        assert_eq!(q.pop().await, Some(3));
        assert_eq!(q.pop().await, None);
    }

    #[tokio::test]
    async fn pop_waits_for_a_push() {
        let q = std::sync::Arc::new(Queue::new(4));
        let q2 = q.clone();
        let waiter = tokio::spawn(async move { q2.pop().await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        q.push(7);
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await;
        assert_eq!(got.unwrap().unwrap(), Some(7));
    }
}
