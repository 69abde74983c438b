//! One table per enumeration: each variant written once with its name, and `ALL`, `COUNT`,
//! `index`, `name` and `from_name` derived from it (no list or count kept by hand).

/// `named_enum! { #[derive(..)] pub enum Kind { A => "a", B => "b" } }`
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];
            pub const COUNT: usize = Self::ALL.len();

            /// The variant's place in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }

            /// The name used in files, reports and on screen.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The variant a name names.
            #[allow(dead_code)]
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.name() == name)
            }
        }
    };
}

pub(crate) use named_enum;
