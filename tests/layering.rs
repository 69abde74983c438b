//! The layering rules of DESIGN.md, kept by the build rather than by intent: the store and the
//! screen take nothing from the sources (their input language lives with the model), the report
//! takes nothing from the screen, and no source reads the clock but through the one clock it is
//! given.

use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// Lines of the files under `dir` (or the file `dir`) that contain `needle`, as `file:line: text`.
fn lines_with(dir: &str, needle: &str) -> Vec<String> {
    files(dir)
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let shown = f.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(f).display().to_string();
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.contains(needle))
                .map(|(i, l)| format!("{shown}:{}: {}", i + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_store_and_the_screen_take_nothing_from_the_sources() {
    for dir in ["src/store", "src/ui"] {
        let found = lines_with(dir, "crate::sources");
        assert!(found.is_empty(), "{dir} uses the sources:\n{}", found.join("\n"));
    }
}

#[test]
fn the_report_takes_nothing_from_the_screen() {
    let found = lines_with("src/report.rs", "crate::ui");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn sources_read_the_clock_they_are_given() {
    let found: Vec<String> = lines_with("src/sources", "Timestamp::now")
        .into_iter()
        .filter(|l| !(l.starts_with("src/sources/mod.rs:") && l.contains("Arc::new(Timestamp::now)")))
        .collect();
    assert!(found.is_empty(), "a clock read outside the clock's constructor:\n{}", found.join("\n"));
    let constructor = lines_with("src/sources/mod.rs", "Arc::new(Timestamp::now)");
    assert_eq!(constructor.len(), 1, "the one clock: {constructor:?}");
    let optional = lines_with("src/sources", "Option<&Sink>");
    assert!(optional.is_empty(), "every poll has a sink:\n{}", optional.join("\n"));
}

#[test]
fn the_library_ships_no_test_fixtures() {
    let found = lines_with("src/lib.rs", "mod fixtures");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Every AWS action the sources call (`"config:DescribeConfigRules"`, ...) is in README's IAM
/// policies: a user who grants what README says is never denied a call vigil makes.
#[test]
fn readme_grants_every_action_the_sources_call() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut actions = std::collections::BTreeSet::new();
    for f in files("src/sources/aws") {
        let text = std::fs::read_to_string(&f).unwrap();
        for service in ["config", "securityhub", "cloudwatch", "sts"] {
            let quote = format!("\"{service}:");
            for (at, _) in text.match_indices(&quote) {
                let name: String = text[at + quote.len()..].chars().take_while(char::is_ascii_alphanumeric).collect();
                if !name.is_empty() && text[at + quote.len() + name.len()..].starts_with('"') {
                    actions.insert(format!("{service}:{name}"));
                }
            }
        }
    }
    assert!(actions.len() > 15, "the sources' actions were found: {actions:?}");
    // STS GetCallerIdentity needs no permission (README says so).
    let missing: Vec<&String> =
        actions.iter().filter(|a| *a != "sts:GetCallerIdentity" && !readme.contains(&format!("\"{a}\""))).collect();
    assert!(missing.is_empty(), "README's policies lack {missing:?}");
}
