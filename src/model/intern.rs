use std::collections::HashSet;
use std::sync::Arc;

/// A shared, immutable string. Repeated values (account, region, product, control id, resource
/// type) are interned so that a hundred thousand findings share a handful of allocations.
pub type Sym = Arc<str>;

/// Hands out one `Sym` per distinct string.
#[derive(Debug, Default)]
pub struct Interner {
    strings: HashSet<Sym>,
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(existing) = self.strings.get(s) {
            return existing.clone();
        }
        let sym: Sym = Arc::from(s);
        self.strings.insert(sym.clone());
        sym
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
