//! `vigil catalog show|list|check`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::catalog::Catalog;
use crate::located::FileError;
use crate::text::counted;

pub fn show(out: &mut dyn Write) -> std::io::Result<ExitCode> {
    out.write_all(Catalog::default_text().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Every problem of the file on stderr, then how many; exit 1 if there is any.
pub fn check(out: &mut dyn Write, file: &Path) -> std::io::Result<ExitCode> {
    let origin = file.display().to_string();
    let checked = FileError::read(file).map_err(|e| vec![e]).and_then(|text| Catalog::check(&text, &origin));
    match checked {
        Ok(c) => {
            writeln!(out, "{origin}: ok, {} controls", c.controls.len())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("vigil: {problem}");
            }
            if problems.len() > 1 {
                eprintln!("vigil: {origin}: {}", counted(problems.len(), "problem", "problems"));
            }
            Ok(ExitCode::from(1))
        }
    }
}

pub fn list(out: &mut dyn Write, catalog: &Catalog) -> std::io::Result<ExitCode> {
    writeln!(out, "{} ({} controls)", catalog.origin, catalog.controls.len())?;
    for c in &catalog.controls {
        let e = &c.evidence;
        let mut evidence = Vec::new();
        let mut add = |label: &str, items: Vec<String>| {
            if !items.is_empty() {
                evidence.push(format!("{label} {}", items.join(", ")));
            }
        };
        add("rules", e.config_rules.clone());
        add("rule names", e.config_rule_names.clone());
        add("hub", e.security_hub_controls.clone());
        add("products", e.finding_products.clone());
        add("classes", e.finding_classes.iter().map(|c| c.to_string()).collect());
        add("alarms", e.alarms.clone());
        add("metrics", e.metrics.iter().map(|(ns, n)| format!("{ns}/{n}")).collect());
        add("tests", e.guardrail_tests.clone());
        writeln!(out, "{:<8} {:<10} {}\n         {}", c.id, c.kind.name(), c.title, evidence.join("; "))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `vigil catalog show|list|check`.
pub fn run(command: crate::cli::CatalogCommand, settings: &crate::cli::Settings) -> std::process::ExitCode {
    use crate::cli::CatalogCommand;
    let mut out = std::io::stdout().lock();
    super::finish(match command {
        CatalogCommand::Show => show(&mut out),
        CatalogCommand::List => list(&mut out, &settings.catalog),
        CatalogCommand::Check { file } => check(&mut out, &file),
    })
}
