//! A finding's times in eight bytes each.

use std::num::NonZeroI64;

use super::Timestamp;

/// A time held in eight bytes, where a `Timestamp` takes sixteen (twenty-four as an `Option`):
/// nanoseconds since the Unix epoch, which reach from 1677 to 2262; a time outside is held at
/// the nearest end. A million findings hold two times each: this saves 24 MB of them. Read it
/// with [`Stamp::get`]; it is written and read as a `Timestamp` is.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp(
    /// The nanoseconds with their sign bit flipped: never zero (`i64::MIN` nanoseconds is held
    /// as one more), so that an `Option<Stamp>` takes eight bytes too.
    NonZeroI64,
);

impl Stamp {
    pub fn get(self) -> Timestamp {
        Timestamp::from_nanosecond(i128::from(self.nanos())).expect("within jiff's range")
    }

    fn nanos(self) -> i64 {
        self.0.get() ^ i64::MIN
    }
}

impl From<Timestamp> for Stamp {
    fn from(t: Timestamp) -> Self {
        let nanos = t.as_nanosecond().clamp(i128::from(i64::MIN) + 1, i128::from(i64::MAX)) as i64;
        Stamp(NonZeroI64::new(nanos ^ i64::MIN).expect("i64::MIN is clamped away"))
    }
}

impl From<Stamp> for Timestamp {
    fn from(s: Stamp) -> Self {
        s.get()
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Stamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.nanos().cmp(&other.nanos())
    }
}

impl std::fmt::Debug for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.get(), f)
    }
}

impl serde::Serialize for Stamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Timestamp::deserialize(d).map(Stamp::from)
    }
}

const _: () = assert!(std::mem::size_of::<Option<Stamp>>() == 8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_comes_back_as_it_went_in_and_orders_as_times_do() {
        let times = [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
            "2017-03-22T13:22:13.933Z",
            "2026-12-08T05:05:30.123456789Z",
            "2262-04-11T23:47:16.854775807Z",
        ];
        let times: Vec<Timestamp> = times.iter().map(|t| t.parse().unwrap()).collect();
        for t in &times {
            assert_eq!(Stamp::from(*t).get(), *t);
        }
        for a in &times {
            for b in &times {
                assert_eq!(Stamp::from(*a).cmp(&Stamp::from(*b)), a.cmp(b), "{a} against {b}");
            }
        }
    }

    #[test]
    fn a_time_outside_the_range_is_held_at_its_end() {
        assert_eq!(Stamp::from(Timestamp::MAX).get(), "2262-04-11T23:47:16.854775807Z".parse().unwrap());
        assert_eq!(Stamp::from(Timestamp::MIN).get().as_nanosecond(), i128::from(i64::MIN) + 1);
        let json = serde_json::to_string(&Stamp::from(Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(json, "\"1970-01-01T00:00:00Z\"");
        assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap().get(), Timestamp::UNIX_EPOCH);
    }
}
