//! `vigil diff BEFORE AFTER`: each side read into a report (a report file as it is, a
//! recording replayed to a moment, `live` read as `vigil report` reads), then compared
//! (`crate::diff`, pure) and printed, with an exit code for CI.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{DiffArgs, Settings};
use crate::diff::{self, Format, Report, Side};
use crate::located::FileError;
use crate::sources::Clock;

/// The exit codes: something regressed; bad input; a side not read whole.
pub const REGRESSED: u8 = 1;
pub const BAD_INPUT: u8 = 2;
pub const INCOMPLETE: u8 = 3;

/// What `live` names: a fresh read (a file of that name is `./live`).
pub const LIVE: &str = "live";

pub fn run(out: &mut dyn Write, settings: Settings, args: &DiffArgs, clock: Clock) -> std::io::Result<ExitCode> {
    let mut sides = Vec::with_capacity(2);
    for given in [&args.before, &args.after] {
        let side = if given == LIVE { live(&settings, args, &clock) } else { side_from_file(given) };
        match side {
            Ok(side) => sides.push(side),
            Err(e) => {
                eprintln!("vigil: {e}");
                return Ok(ExitCode::from(BAD_INPUT));
            }
        }
    }
    let diff = diff::compare(&sides[0], &sides[1]);
    let fail_on = super::report::fail_on(args.fail_on);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colour = args.format == Format::Text && !no_color && std::io::stdout().is_terminal();
    out.write_all(diff.render(args.format, fail_on, colour).as_bytes())?;
    out.flush()?;
    Ok(if diff.incomplete() {
        ExitCode::from(INCOMPLETE)
    } else if !diff.regressions(fail_on).is_empty() {
        ExitCode::from(REGRESSED)
    } else {
        ExitCode::SUCCESS
    })
}

/// `live`: a fresh read, as `vigil report` makes one.
fn live(settings: &Settings, args: &DiffArgs, clock: &Clock) -> Result<Side, String> {
    let (posture, subject) = super::report::fresh(settings, false, args.guardrail_tests.as_ref(), clock.clone())?;
    let value = crate::report::json(&posture, &subject, clock());
    let report = Report::from_value(LIVE, value).map_err(|e| e.to_string())?;
    Ok(Side { input: LIVE.into(), report })
}

/// A side read from a file: a report (schema 1 or 2) or a recording, at its end or at the
/// moment after its last `@` (`r.jsonl@2026-12-07T09:00:00Z`, `r.jsonl@5m`). A file whose
/// whole name holds an `@` is that file.
pub fn side_from_file(given: &str) -> Result<Side, String> {
    let (path, at) = match given.rsplit_once('@') {
        Some((file, at)) if !Path::new(given).exists() && !file.is_empty() => (Path::new(file), Some(at)),
        _ => (Path::new(given), None),
    };
    let origin = path.display().to_string();
    let first = first_line(path).map_err(|e| FileError::whole(&origin, format!("cannot read: {e}")).to_string())?;
    let value = if diff::is_recording(&first) {
        let (posture, subject, now) = super::report::replayed(path, at)
            // The moment was given after `@`, not with --at.
            .map_err(|e| e.replacen("--at ", "@", 1))?;
        crate::report::json(&posture, &subject, now)
    } else {
        if at.is_some() {
            return Err(format!("{given}: {origin} is not a recording: @TIME picks a moment of a recording"));
        }
        let text = FileError::read(path).map_err(|e| e.to_string())?;
        let report = Report::parse(&origin, &text).map_err(|e| e.to_string())?;
        return Ok(Side { input: given.to_string(), report });
    };
    let report = Report::from_value(given, value).map_err(|e| e.to_string())?;
    Ok(Side { input: given.to_string(), report })
}

/// A file's first line, without reading the rest (a recording may be large).
fn first_line(path: &Path) -> std::io::Result<String> {
    let mut line = String::new();
    std::io::BufReader::new(std::fs::File::open(path)?).read_line(&mut line)?;
    Ok(line)
}
