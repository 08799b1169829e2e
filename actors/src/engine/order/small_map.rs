//! Maps and sets keyed by sub-order id, for the few sub-orders an order usually has (one to
//! three): a vector searched in order costs one small allocation, exactly as large as its
//! entries, where a hash table costs a bucket array and its control bytes per actor — and
//! there are as many actors as active orders.

/// A map from sub-order id to `V`, in insertion order.
pub(super) struct SmallMap<V>(Vec<(i64, V)>);

impl<V> Default for SmallMap<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> SmallMap<V> {
    pub fn get(&self, key: &i64) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &i64) -> bool {
        self.get(key).is_some()
    }

    /// Sets the value of `key`, replacing the one it had.
    pub fn insert(&mut self, key: i64, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => {
                // Room for this entry only: most orders never have a second one.
                self.0.reserve_exact(1);
                self.0.push((key, value));
            }
        }
    }

    pub fn remove(&mut self, key: &i64) -> Option<V> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        let (_, value) = self.0.swap_remove(at);
        self.release_if_empty();
        Some(value)
    }

    /// Keeps the entries for which `keep` answers true.
    pub fn retain(&mut self, mut keep: impl FnMut(&i64, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
        self.release_if_empty();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// An order that finished its runs keeps no allocation for them.
    fn release_if_empty(&mut self) {
        if self.0.is_empty() {
            self.0 = Vec::new();
        }
    }
}

/// A set of sub-order ids.
#[derive(Default)]
pub(super) struct SmallSet(SmallMap<()>);

impl SmallSet {
    pub fn contains(&self, id: &i64) -> bool {
        self.0.contains_key(id)
    }

    pub fn insert(&mut self, id: i64) {
        self.0.insert(id, ());
    }

    pub fn remove(&mut self, id: &i64) {
        self.0.remove(id);
    }

    /// Keeps the ids for which `keep` answers true.
    pub fn retain(&mut self, mut keep: impl FnMut(&i64) -> bool) {
        self.0.retain(|id, _| keep(id));
    }

    pub fn iter(&self) -> impl Iterator<Item = &i64> {
        self.0.0.iter().map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_replaces_finds_and_forgets_entries_by_key() {
        let mut map = SmallMap::default();
        map.insert(7, "a");
        map.insert(9, "b");
        map.insert(7, "c");
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&7), Some(&"c"));
        assert_eq!(map.remove(&7), Some("c"));
        assert!(!map.contains_key(&7));
        map.retain(|_, v| *v != "b");
        assert!(map.is_empty());
        assert_eq!(map.values().count(), 0);
    }

    #[test]
    fn a_set_holds_each_id_once() {
        let mut set = SmallSet::default();
        set.insert(3);
        set.insert(3);
        set.insert(4);
        assert_eq!(set.iter().count(), 2);
        set.remove(&3);
        assert!(!set.contains(&3));
        set.retain(|id| *id != 4);
        assert_eq!(set.iter().count(), 0);
    }
}
