//! The config file (`--config FILE`, or `$XDG_CONFIG_HOME/vigil/config.toml` when it exists):
//! defaults for the global options and key bindings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::located::FileError;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A built-in theme name or a theme file.
    pub theme: Option<String>,
    /// A catalog file to use instead of the default catalog.
    pub catalog: Option<PathBuf>,
    /// Where the log goes.
    pub log_file: Option<PathBuf>,
    /// Key bindings by action, e.g. `quit = ["q", "ctrl-c"]`.
    #[serde(default)]
    pub keys: HashMap<String, Vec<String>>,
}

impl Config {
    pub fn parse(text: &str, origin: &str) -> Result<Config, FileError> {
        toml::from_str(text).map_err(|e| FileError::from_toml(origin, text, &e))
    }

    /// The file given, or the default one if it exists, or nothing.
    pub fn load(explicit: Option<&Path>) -> Result<Config, FileError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        Config::parse(&FileError::read(&path)?, &path.display().to_string())
    }
}

fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("vigil").join("config.toml"))
}

/// Where the log goes by default: `$XDG_STATE_HOME/vigil/vigil.log`, else
/// `~/.local/state/vigil/vigil.log`, else the temporary directory.
pub fn default_log_file() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .map(|base| base.join("vigil").join("vigil.log"))
        .unwrap_or_else(|| std::env::temp_dir().join("vigil.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_sets_defaults_and_keys() {
        let c = Config::parse("theme = \"light\"\n[keys]\nquit = [\"x\"]\n", "c.toml").unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.keys["quit"], vec!["x"]);
    }

    #[test]
    fn unknown_settings_are_refused_with_their_line() {
        let e = Config::parse("theme = \"light\"\ncolour = \"red\"\n", "c.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("colour"), "{e}");
    }

    #[test]
    fn an_explicit_file_must_exist() {
        let e = Config::load(Some(Path::new("/nonexistent/vigil.toml"))).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/vigil.toml: cannot read"), "{e}");
    }
}
