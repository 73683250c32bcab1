//! The session's cache of prepared statements, by text and keyspace.
//!
//! A statement is found by its text's content (one hash of the text), or,
//! when the query holds the very `Arc<str>` the statement was prepared
//! with, by the text's address (no hash of the text at all): callers that
//! keep their statement texts, such as the object mapper, pay a pointer
//! lookup per execution.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::statement::PreparedInner;

/// One text and its statements, one per keyspace in use when each was
/// prepared (unqualified table names depend on it).
#[derive(Debug)]
struct Entry {
    text: Arc<str>,
    statements: Vec<Arc<PreparedInner>>,
    /// Other `Arc`s of the same text, found by address too.
    aliases: Vec<Arc<str>>,
}

/// How many other `Arc<str>`s of an entry's text are remembered by
/// address (callers that keep their own copy of a text prepared by someone
/// else); a caller that makes a new `Arc` for every query only fills
/// these, then is found by content.
const ALIASES_PER_ENTRY: usize = 4;

/// Prepared statements by text and keyspace. Entries are never removed (a
/// statement stays prepared for the session's life, as in the DataStax
/// drivers), and each holds the texts it is found by address with, so no
/// other text can take one of those addresses while the cache exists.
#[derive(Debug, Default)]
pub(crate) struct PreparedCache {
    entries: Vec<Entry>,
    by_text: HashMap<Arc<str>, usize>,
    /// The address of each entry's texts (its own, and its aliases').
    by_address: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
}

/// Hashes an address by multiplying it: addresses are already spread, and
/// SipHash would cost more than the lookup it serves.
#[derive(Debug, Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(26);
    }
}

fn address(text: &Arc<str>) -> usize {
    Arc::as_ptr(text) as *const u8 as usize
}

impl PreparedCache {
    /// The statement prepared from `text` in `keyspace`, if any.
    pub(crate) fn get(
        &mut self,
        text: &Arc<str>,
        keyspace: Option<&Arc<str>>,
    ) -> Option<&Arc<PreparedInner>> {
        // The entry holds every text it is found by address with, so no
        // other text can have that address: the same address is the same
        // text.
        let index = match self.by_address.get(&address(text)) {
            Some(&index) => index,
            None => {
                let index = *self.by_text.get(&**text)?;
                let entry = &mut self.entries[index];
                if entry.aliases.len() < ALIASES_PER_ENTRY {
                    entry.aliases.push(text.clone());
                    self.by_address.insert(address(text), index);
                }
                index
            }
        };
        self.entries[index]
            .statements
            .iter()
            .find(|s| s.keyspace.as_ref() == keyspace)
    }

    /// Adds (or replaces, if two tasks prepared it at once) a statement.
    pub(crate) fn insert(&mut self, statement: Arc<PreparedInner>) {
        let index = match self.by_text.get(&*statement.text) {
            Some(&index) => index,
            None => {
                let index = self.entries.len();
                self.by_text.insert(statement.text.clone(), index);
                self.by_address.insert(address(&statement.text), index);
                self.entries.push(Entry {
                    text: statement.text.clone(),
                    statements: Vec::new(),
                    aliases: Vec::new(),
                });
                index
            }
        };
        let statements = &mut self.entries[index].statements;
        statements.retain(|s| s.keyspace != statement.keyspace);
        statements.push(statement);
    }

    /// Every text prepared, for preparing them again on a host that comes
    /// up.
    pub(crate) fn texts(&self) -> Vec<Arc<str>> {
        self.entries.iter().map(|e| e.text.clone()).collect()
    }

    /// How many texts are cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn statement(text: &Arc<str>, keyspace: Option<&str>, id: u8) -> Arc<PreparedInner> {
        Arc::new(PreparedInner {
            id: Bytes::from(vec![id]),
            text: text.clone(),
            keyspace: keyspace.map(Arc::from),
            bound: Arc::from(Vec::new()),
            result: None,
            partition_key: None,
        })
    }

    #[test]
    fn found_by_address_or_by_content_per_keyspace() {
        let text: Arc<str> = Arc::from("SELECT * FROM t");
        let ks: Arc<str> = Arc::from("ks");
        let mut cache = PreparedCache::default();
        cache.insert(statement(&text, None, 1));
        cache.insert(statement(&text, Some("ks"), 2));
        assert_eq!(cache.len(), 1);

        // The same Arc, and an equal text at another address.
        let copy: Arc<str> = Arc::from(&*text);
        assert!(!Arc::ptr_eq(&copy, &text));
        for t in [&text, &copy] {
            assert_eq!(cache.get(t, None).unwrap().id[0], 1);
            assert_eq!(cache.get(t, Some(&ks)).unwrap().id[0], 2);
            assert!(cache.get(t, Some(&Arc::from("other"))).is_none());
        }
        assert!(cache.get(&Arc::from("SELECT 1"), None).is_none());

        // Preparing again replaces the statement of that keyspace only.
        cache.insert(statement(&copy, None, 3));
        assert_eq!(cache.get(&text, None).unwrap().id[0], 3);
        assert_eq!(cache.get(&text, Some(&ks)).unwrap().id[0], 2);
        assert_eq!(cache.texts().len(), 1);
    }

    #[test]
    fn copies_of_a_text_are_remembered_by_address_up_to_a_bound() {
        let text: Arc<str> = Arc::from("SELECT * FROM t");
        let mut cache = PreparedCache::default();
        cache.insert(statement(&text, None, 1));
        let copies: Vec<Arc<str>> = (0..ALIASES_PER_ENTRY + 2)
            .map(|_| Arc::from(&*text))
            .collect();
        for copy in &copies {
            assert_eq!(cache.get(copy, None).unwrap().id[0], 1);
        }
        // The entry's own text, and the first copies, by address.
        assert_eq!(cache.by_address.len(), 1 + ALIASES_PER_ENTRY);
        assert!(cache.by_address.contains_key(&address(&copies[0])));
        assert!(!cache
            .by_address
            .contains_key(&address(&copies[ALIASES_PER_ENTRY])));
        // The later copies are still found, by content.
        assert_eq!(cache.get(copies.last().unwrap(), None).unwrap().id[0], 1);
    }

    #[test]
    fn a_dropped_text_at_a_reused_address_is_not_mistaken() {
        let mut cache = PreparedCache::default();
        let text: Arc<str> = Arc::from("SELECT a FROM t");
        cache.insert(statement(&text, None, 1));
        // The entry keeps the text alive, so a new text of another content
        // never shares its address; the lookup falls back to the content.
        drop(text);
        let other: Arc<str> = Arc::from("SELECT b FROM t");
        assert!(cache.get(&other, None).is_none());
    }
}
