//! The findings held, by id: in fixed-size chunks (a million findings never double a
//! contiguous allocation) with a table of 4-byte positions keyed by the finding's own id (the
//! id is not held a second time as a key).

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::model::Finding;

/// Findings per chunk.
const CHUNK: usize = 4096;

#[derive(Debug, Default)]
pub struct FindingTable {
    chunks: Vec<Vec<Finding>>,
    len: usize,
    /// Positions in `chunks`, hashed by id.
    index: HashTable<u32>,
    hasher: RandomState,
}

impl FindingTable {
    fn at(&self, pos: usize) -> &Finding {
        &self.chunks[pos / CHUNK][pos % CHUNK]
    }

    fn at_mut(&mut self, pos: usize) -> &mut Finding {
        &mut self.chunks[pos / CHUNK][pos % CHUNK]
    }

    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, id: &str) -> Option<&Finding> {
        let pos = *self.index.find(self.hash(id), |&p| &*self.at(p as usize).id == id)?;
        Some(self.at(pos as usize))
    }

    /// Holds `f`, in place of the finding of the same id if there was one (given back).
    pub fn insert(&mut self, f: Finding) -> Option<Finding> {
        let hash = self.hash(&f.id);
        let Self { chunks, index, hasher, .. } = self;
        let at = |p: u32| &chunks[p as usize / CHUNK][p as usize % CHUNK];
        if let Some(&pos) = index.find(hash, |&p| at(p).id == f.id) {
            return Some(std::mem::replace(self.at_mut(pos as usize), f));
        }
        let pos = self.len;
        if pos.is_multiple_of(CHUNK) {
            chunks.push(Vec::with_capacity(CHUNK));
        }
        chunks[pos / CHUNK].push(f);
        self.len += 1;
        let chunks = &self.chunks;
        let rehash = |p: &u32| hasher.hash_one(&*chunks[*p as usize / CHUNK][*p as usize % CHUNK].id);
        index.insert_unique(hash, u32::try_from(pos).expect("fewer than 4 billion findings"), rehash);
        None
    }

    pub fn remove(&mut self, id: &str) -> Option<Finding> {
        let hash = self.hash(id);
        let Self { chunks, index, .. } = self;
        let at = |p: u32| &chunks[p as usize / CHUNK][p as usize % CHUNK];
        let (pos, _) = index.find_entry(hash, |&p| &*at(p).id == id).ok()?.remove();
        let pos = pos as usize;
        let last = self.len - 1;
        // The last finding moves into the hole; its position in the index follows it.
        if pos != last {
            let moved_hash = self.hash(&self.at(last).id);
            let slot = self.index.find_mut(moved_hash, |&p| p as usize == last).expect("the last finding is indexed");
            *slot = pos as u32;
        }
        let tail = self.chunks.last_mut().expect("a finding is held");
        let mut removed = tail.pop().expect("a finding is held");
        if tail.is_empty() {
            self.chunks.pop();
        }
        self.len -= 1;
        if pos != last {
            std::mem::swap(self.at_mut(pos), &mut removed);
        }
        Some(removed)
    }

    /// Every finding held, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &Finding> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str) -> Finding {
        use crate::model::*;
        let mut i = Interner::new();
        Finding {
            id: id.into(),
            product: "p".into(),
            control_id: None,
            related_rule: None,
            title: "t".into(),
            severity: Severity::Low,
            workflow: WorkflowStatus::New,
            record_state: RecordState::Active,
            compliance: None,
            resources: vec![ResourceId::from_config(&mut i, "AWS::S3::Bucket", id, "1", "us-east-1")].into(),
            account: "1".into(),
            region: "us-east-1".into(),
            updated_at: Timestamp::UNIX_EPOCH.into(),
            first_observed: None,
            class: None,
        }
    }

    #[test]
    fn holds_replaces_and_removes_across_chunks() {
        let mut t = FindingTable::default();
        let n = CHUNK * 2 + 10;
        for k in 0..n {
            assert!(t.insert(finding(&format!("f{k}"))).is_none());
        }
        assert_eq!(t.len(), n);
        let mut again = finding("f5");
        again.severity = crate::model::Severity::High;
        assert!(t.insert(again).is_some());
        assert_eq!(t.len(), n);
        assert_eq!(t.get("f5").unwrap().severity, crate::model::Severity::High);
        for k in (0..n).step_by(3) {
            assert_eq!(&*t.remove(&format!("f{k}")).unwrap().id, format!("f{k}"));
        }
        assert!(t.remove("f0").is_none());
        for k in 0..n {
            assert_eq!(t.get(&format!("f{k}")).is_some(), k % 3 != 0, "f{k}");
        }
        assert_eq!(t.values().count(), t.len());
        for k in 0..n {
            t.remove(&format!("f{k}"));
        }
        assert_eq!(t.len(), 0);
        assert!(t.chunks.is_empty());
    }
}
