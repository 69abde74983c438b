//! The report as CSV: one row per control, for a spreadsheet.

use crate::text::clean;

use super::schema::{Control, Report};

/// A CSV field: inert text, quoted when it needs to be.
fn field(s: &str) -> String {
    let s = clean(s);
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.into_owned() }
}

pub fn write(r: &Report) -> String {
    let mut out = String::from("id,kind,title,status,failing,failing_at_least,resources\n");
    for c in &r.controls {
        out.push_str(&row(c));
    }
    out
}

fn row(c: &Control) -> String {
    let resources: Vec<&str> = c.resources.iter().map(|r| r.id.as_str()).collect();
    format!(
        "{},{},{},{},{},{},{}\n",
        field(&c.id),
        c.kind,
        field(&c.title),
        c.status.name(),
        // Unknown is an empty field, never 0.
        c.failing.map_or_else(String::new, |n| n.to_string()),
        c.failing_at_least,
        field(&resources.join(";")),
    )
}
