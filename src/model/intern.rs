use std::collections::HashSet;
use std::sync::Arc;

/// A shared, immutable string. Repeated values (account, region, product, control id, resource
/// type) are interned so that a hundred thousand findings share a handful of allocations.
pub type Sym = Arc<str>;

/// Strings an interner keeps before it forgets those that nothing else shares.
const KEPT: usize = 1 << 16;

/// Hands out one `Sym` per distinct string.
#[derive(Debug)]
pub struct Interner {
    strings: HashSet<Sym>,
    /// Identifiers (a resource's ARN or id) are not kept: each is new, and a poller's interner
    /// lives as long as the process, so keeping them would hold every id ever read. The store
    /// shares a resource's id among the findings that name it.
    repeated_only: bool,
    /// At this many strings, those held by at most one other owner are forgotten (see
    /// [`Interner::forget_unshared`]).
    limit: usize,
}

impl Default for Interner {
    fn default() -> Self {
        Interner { strings: HashSet::new(), repeated_only: false, limit: KEPT }
    }
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// An interner for what repeats (account, region, product, title, type), handing out
    /// identifiers without keeping them ([`Interner::id`]).
    pub fn repeated_only() -> Self {
        Interner { repeated_only: true, ..Self::default() }
    }

    /// An identifier: interned, unless this interner keeps only what repeats.
    pub fn id(&mut self, s: &str) -> Sym {
        if self.repeated_only { Sym::from(s) } else { self.intern(s) }
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(existing) = self.strings.get(s) {
            return existing.clone();
        }
        if self.strings.len() >= self.limit {
            self.forget_unshared();
        }
        let sym: Sym = Arc::from(s);
        self.strings.insert(sym.clone());
        sym
    }

    /// Forgets the strings that the interner and at most one other owner hold: a title only one
    /// finding has (GuardDuty's name their instance), or one whose findings are gone. They share
    /// nothing yet, so forgetting them costs at most a second copy if the string comes again;
    /// keeping them held one entry a finding for as long as the process ran. Where most strings
    /// are shared the limit doubles, so that a set of many shared strings is not swept each time.
    fn forget_unshared(&mut self) {
        self.strings.retain(|s| Arc::strong_count(s) > 2);
        if self.strings.len() >= self.limit / 2 {
            self.limit *= 2;
        }
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

thread_local! {
    /// The interner of a load under way (a recording read back), if any.
    static LOADING: std::cell::RefCell<Option<Interner>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with every `Sym` deserialized in it shared through one interner, so that a
/// recording's hundred thousand findings share their accounts, regions and titles as live ones do.
pub fn interning<T>(f: impl FnOnce() -> T) -> T {
    let previous = LOADING.with(|l| l.borrow_mut().replace(Interner::new()));
    let result = f();
    LOADING.with(|l| *l.borrow_mut() = previous);
    result
}

fn intern_loaded(s: &str) -> Sym {
    LOADING.with(|l| match l.borrow_mut().as_mut() {
        Some(interner) => interner.intern(s),
        None => Arc::from(s),
    })
}

/// Serde for `Sym` fields (`#[serde(with = "crate::model::sym")]`): a plain string on the wire.
pub mod sym {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Sym;

    pub fn serialize<S: Serializer>(value: &Sym, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sym, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(super::intern_loaded(&s))
    }

    /// For `Option<Sym>`.
    pub mod opt {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::Sym;

        pub fn serialize<S: Serializer>(value: &Option<Sym>, s: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => s.serialize_some(&**v),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Sym>, D::Error> {
            let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
            Ok(s.map(|s| super::super::intern_loaded(&s)))
        }
    }

    /// For `Vec<Sym>`.
    pub mod vec {
        use serde::ser::SerializeSeq;
        use serde::{Deserialize, Deserializer, Serializer};

        use super::Sym;

        pub fn serialize<S: Serializer>(value: &[Sym], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(value.len()))?;
            for v in value {
                seq.serialize_element(&**v)?;
            }
            seq.end()
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Sym>, D::Error> {
            let strings = <Vec<std::borrow::Cow<'de, str>>>::deserialize(d)?;
            Ok(strings.iter().map(|s| super::super::intern_loaded(s)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_nothing_else_shares_are_forgotten_past_the_limit() {
        let mut interner = Interner { limit: 4, ..Interner::new() };
        let shared: Vec<Sym> = ["a", "a", "b", "b"].iter().map(|s| interner.intern(s)).collect();
        let once = interner.intern("title of one finding");
        let gone = interner.intern("a title no finding holds any more");
        drop(gone);
        assert_eq!(interner.len(), 4);
        // The fifth string sweeps: "a" and "b" are held twice besides the set, the others not.
        let fifth = interner.intern("e");
        assert_eq!(interner.len(), 3, "the shared two and the new one");
        assert!(Arc::ptr_eq(&interner.intern("a"), &shared[0]));
        assert!(!Arc::ptr_eq(&interner.intern("title of one finding"), &once), "forgotten: a second copy");
        assert_eq!(&*fifth, "e");
        assert_eq!(interner.limit, 8, "most of what was kept is shared: the limit doubles");
    }

    #[test]
    fn equal_strings_share_one_allocation() {
        let mut interner = Interner::new();
        let a = interner.intern("us-east-1");
        let b = interner.intern(&String::from("us-east-1"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(interner.len(), 1);
        let c = interner.intern("eu-west-1");
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
