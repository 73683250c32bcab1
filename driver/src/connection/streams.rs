//! The stream ids of one connection and the requests waiting on them.
//!
//! An id is taken when a request is sent and given back only when its
//! response arrives (or the connection dies). A request that times out or
//! is dropped keeps its id reserved: a late response must never be read as
//! the answer to a newer request that reused the id.

use tokio::sync::{oneshot, OwnedSemaphorePermit};

use cql_protocol::ResponseFrame;

use crate::error::ConnectionError;

/// What a waiting request receives.
pub(crate) type Reply = Result<ResponseFrame, ConnectionError>;

struct Pending {
    reply: oneshot::Sender<Reply>,
    /// Held while the id is taken; dropping it lets another request in.
    _permit: OwnedSemaphorePermit,
}

/// The ids `0..size` of one connection: which are free, and who waits on the
/// taken ones.
pub(crate) struct StreamTable {
    slots: Vec<Option<Pending>>,
    free: Vec<i16>,
    /// Set once the connection has failed; no id is handed out after that.
    failed: Option<ConnectionError>,
}

impl StreamTable {
    /// A table of `size` ids (at most `i16::MAX`).
    pub(crate) fn new(size: u16) -> Self {
        let size = size.min(i16::MAX as u16) as i16;
        StreamTable {
            slots: (0..size).map(|_| None).collect(),
            // Popped from the end: the lowest ids go first.
            free: (0..size).rev().collect(),
            failed: None,
        }
    }

    /// Takes a free id for a request. The caller holds a semaphore permit,
    /// so an id is free unless the connection failed.
    pub(crate) fn take(
        &mut self,
        reply: oneshot::Sender<Reply>,
        permit: OwnedSemaphorePermit,
    ) -> Result<i16, ConnectionError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let Some(id) = self.free.pop() else {
            // Unreachable while permits match ids; report rather than panic.
            return Err(ConnectionError::Protocol {
                address: ([0, 0, 0, 0], 0).into(),
                message: "no free stream id although a permit was held".into(),
            });
        };
        self.slots[id as usize] = Some(Pending {
            reply,
            _permit: permit,
        });
        Ok(id)
    }

    /// Frees `id` and returns its waiter, if the id was taken.
    pub(crate) fn complete(&mut self, id: i16) -> Option<oneshot::Sender<Reply>> {
        let slot = self.slots.get_mut(usize::try_from(id).ok()?)?;
        let pending = slot.take()?;
        self.free.push(id);
        Some(pending.reply)
    }

    /// Marks the connection failed and returns every waiter, freeing all ids.
    pub(crate) fn fail(&mut self, error: ConnectionError) -> Vec<oneshot::Sender<Reply>> {
        if self.failed.is_none() {
            self.failed = Some(error);
        }
        let mut waiters = Vec::new();
        for (id, slot) in self.slots.iter_mut().enumerate() {
            if let Some(pending) = slot.take() {
                waiters.push(pending.reply);
                self.free.push(id as i16);
            }
        }
        waiters
    }

    /// The error the connection failed with, if it did.
    pub(crate) fn failure(&self) -> Option<&ConnectionError> {
        self.failed.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::Semaphore;

    use super::*;

    #[test]
    fn ids_are_reused_only_after_completion() {
        let permits = Arc::new(Semaphore::new(2));
        let mut table = StreamTable::new(2);
        let (tx0, _rx0) = oneshot::channel();
        let (tx1, _rx1) = oneshot::channel();
        let a = table
            .take(tx0, permits.clone().try_acquire_owned().unwrap())
            .unwrap();
        let b = table
            .take(tx1, permits.clone().try_acquire_owned().unwrap())
            .unwrap();
        assert_eq!((a, b), (0, 1));
        assert!(permits.clone().try_acquire_owned().is_err());
        // A waiter that went away (timed out) still holds its id.
        drop(_rx0);
        assert_eq!(permits.available_permits(), 0);
        assert!(table.complete(0).is_some());
        assert_eq!(permits.available_permits(), 1);
        assert!(
            table.complete(0).is_none(),
            "a second answer is not delivered"
        );
        assert!(table.complete(-1).is_none());
        assert!(table.complete(7).is_none());
    }

    #[test]
    fn failure_releases_everything_and_refuses_new_ids() {
        let permits = Arc::new(Semaphore::new(4));
        let mut table = StreamTable::new(4);
        let (tx, _rx) = oneshot::channel();
        table
            .take(tx, permits.clone().try_acquire_owned().unwrap())
            .unwrap();
        let error = ConnectionError::Closed {
            address: "127.0.0.1:9042".parse().unwrap(),
            reason: "test".into(),
        };
        assert_eq!(table.fail(error).len(), 1);
        assert_eq!(permits.available_permits(), 4);
        let (tx, _rx) = oneshot::channel();
        assert!(table
            .take(tx, permits.try_acquire_owned().unwrap())
            .is_err());
        assert!(table.failure().is_some());
    }
}
