//! Pictures beside a control's detail: its metric over time with the alarm's threshold, and its
//! findings by severity and by workflow status.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Bar, BarChart, BarGroup, Block, Chart, Dataset, GraphType};

use super::text::clean;
use crate::model::{AlarmState, ControlKind, Severity, Timestamp, WorkflowStatus};
use crate::store::Posture;
use crate::theme::{Theme, Token};

/// A picture a control's detail can show.
enum Plot {
    /// `title` names the metric (and how many accounts and regions it sums), `name` its line.
    Metric {
        title: String,
        name: String,
        points: Vec<(f64, f64)>,
        first: Timestamp,
        last: Timestamp,
        alarm: Option<Threshold>,
    },
    Severity([u64; 5]),
    Workflow([u64; 4]),
}

/// The alarm watching a metric: where it fires, and whether it does.
struct Threshold {
    value: f64,
    firing: bool,
}

/// Rows a chart wants.
const CHART_ROWS: u16 = 9;

fn plots(posture: &Posture, index: usize) -> Vec<Plot> {
    let acc = posture.evidence(index);
    let mut out = Vec::new();
    let found = posture.control_metric_names(index).into_iter().find_map(|(ns, name)| {
        posture.control_metric(index, ns, name).filter(|m| !m.points.is_empty()).map(|m| (ns, name, m))
    });
    if let Some((ns, name, metric)) = found {
        let held = &metric.points;
        let first = held.front().map_or(Timestamp::UNIX_EPOCH, |p| p.0);
        let last = held.back().map_or(first, |p| p.0);
        let points = held
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(t, v)| (t.duration_since(first).as_secs_f64() / 60.0, *v))
            .collect();
        // The bound alarm on this metric gives the line to draw; a sum of several accounts'
        // and regions' series has none (each alarm watches its own).
        let alarm = metric.id.and_then(|id| {
            acc.alarms.iter().filter_map(|key| posture.alarm(key)).find_map(|a| {
                (a.metric.as_ref() == Some(id))
                    .then_some(())
                    .and(a.threshold)
                    .map(|value| Threshold { value, firing: a.state == AlarmState::Alarm })
            })
        });
        let title = match metric.places {
            1 => format!("{ns}/{name}"),
            n => format!("{ns}/{name} · sum of {n} accounts and regions"),
        };
        out.push(Plot::Metric { title, name: name.to_string(), points, first, last, alarm });
    }
    if posture.control(index).kind == ControlKind::Detective && !acc.findings.is_empty() {
        let mut by_severity = [0u64; 5];
        for s in Severity::DESCENDING {
            by_severity[4 - s.index()] = u64::from(acc.listed_by_severity[s.index()]);
        }
        out.push(Plot::Severity(by_severity));
        out.push(Plot::Workflow(acc.listed_by_workflow.map(u64::from)));
    }
    out
}

/// The width the pictures take beside a detail `width` wide: a generous share from 130 columns,
/// else a smaller one, so that a projector's 100 columns still show the picture the step is about.
fn beside(width: u16) -> u16 {
    if width >= 130 { (width * 2 / 5).min(72) } else { (width / 3).max(26) }
}

/// Rows a picture needs at the least: its borders and a few rows of plot.
const MIN_CHART_ROWS: u16 = 7;

/// Splits a control's detail area into the list's part and the pictures' part (if any), and
/// draws the pictures. From 130 columns they stand beside the list; below that, under it when
/// the screen is tall enough for both, else beside it in a smaller share (never dropped while
/// there is room for one).
pub fn render_beside(frame: &mut Frame, area: Rect, posture: &Posture, index: usize, theme: &Theme) -> Rect {
    let plots = plots(posture, index);
    if plots.is_empty() || area.height < MIN_CHART_ROWS || area.width < 60 {
        return area;
    }
    let below = area.width < 130 && area.height >= 2 * CHART_ROWS + 6;
    let (list, pictures) = if below {
        let [list, pictures] = Layout::vertical([Constraint::Min(0), Constraint::Length(CHART_ROWS)]).areas(area);
        (list, pictures)
    } else {
        let [list, pictures] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(beside(area.width))]).areas(area);
        (list, pictures)
    };
    // As many pictures as the height holds, each at least MIN_CHART_ROWS tall and at most its
    // own most (a bar chart taller than that only stretches its bars).
    let fit = (pictures.height / MIN_CHART_ROWS).max(1) as usize;
    let shown: Vec<Plot> = plots.into_iter().take(fit).collect();
    let share = pictures.height / shown.len() as u16;
    let heights = shown.iter().map(|p| {
        let most = if matches!(p, Plot::Metric { .. }) { 16 } else { 10 };
        Constraint::Length(share.min(most))
    });
    let rows = Layout::vertical(heights).split(pictures);
    for (plot, area) in shown.into_iter().zip(rows.iter()) {
        match plot {
            Plot::Metric { title, name, points, first, last, alarm } => {
                metric(frame, *area, (&title, &name), &points, (first, last), alarm, theme)
            }
            Plot::Severity(counts) => {
                let bars = Severity::DESCENDING.iter().zip(counts).map(|(s, n)| {
                    let label = match s {
                        Severity::Informational => ("INFO", "INFO"),
                        Severity::Critical => ("CRIT", "CRIT"),
                        Severity::Medium => ("MEDIUM", "MED"),
                        other => (other.as_str(), other.as_str()),
                    };
                    (label, n, Token::for_severity(*s))
                });
                let n: u64 = counts.iter().sum();
                let titles = (format!(" Findings listed ({n}) by severity "), format!(" By severity ({n}) "));
                bar_chart(frame, *area, titles, bars.collect(), theme);
            }
            Plot::Workflow(counts) => {
                let bars = WorkflowStatus::ALL.iter().zip(counts).map(|(w, n)| {
                    let label = match w {
                        WorkflowStatus::Notified => ("NOTIF", "NOT"),
                        WorkflowStatus::Suppressed => ("SUPPR", "SUP"),
                        WorkflowStatus::Resolved => ("RESOLV", "RES"),
                        other => (other.as_str(), other.as_str()),
                    };
                    let token = if w.is_open() { Token::Text } else { Token::Muted };
                    (label, n, token)
                });
                let n: u64 = counts.iter().sum();
                let titles = (format!(" Findings listed ({n}) by workflow "), format!(" By workflow ({n}) "));
                bar_chart(frame, *area, titles, bars.collect(), theme);
            }
        }
    }
    list
}

fn metric(
    frame: &mut Frame,
    area: Rect,
    (title, name): (&str, &str),
    points: &[(f64, f64)],
    (first, last): (Timestamp, Timestamp),
    alarm: Option<Threshold>,
    theme: &Theme,
) {
    let span = points.last().map_or(1.0, |p| p.0).max(1.0);
    // Room above the highest point or the threshold, to a whole number.
    let top =
        (points.iter().map(|p| p.1).fold(alarm.as_ref().map_or(0.0, |a| a.value), f64::max).max(1.0) * 1.2).ceil();
    let line = alarm.as_ref().map(|a| [(0.0, a.value), (span, a.value)]);
    let mut datasets = vec![
        Dataset::default()
            .name(clean(name).into_owned())
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.style(Token::Title))
            .data(points),
    ];
    // The whole title where it fits; else shorter, the threshold kept to the last.
    let room = area.width.saturating_sub(2) as usize;
    let value = alarm.as_ref().map(|a| a.value);
    let candidates = [
        (clean(title).into_owned(), value.map(|v| format!("threshold {v} "))),
        (clean(name).into_owned(), value.map(|v| format!("alarm ≥ {v} "))),
        (clean(name).into_owned(), value.map(|v| format!("≥ {v} "))),
    ];
    let fits = |(t, th): &(String, Option<String>)| {
        super::text::width(t) + 2 + th.as_deref().map_or(0, super::text::width) <= room
    };
    let (title, threshold) = match candidates.iter().find(|c| fits(c)) {
        Some(c) => c.clone(),
        None => {
            let (name, threshold) = candidates[2].clone();
            let keep = room.saturating_sub(2 + threshold.as_deref().map_or(0, super::text::width));
            (super::text::truncate_end(&name, keep).into_owned(), threshold)
        }
    };
    let mut title = vec![Span::styled(format!(" {title} "), theme.style(Token::Title))];
    if let (Some(a), Some(line)) = (&alarm, &line) {
        let token = if a.firing { Token::Fail } else { Token::Warn };
        datasets.push(
            Dataset::default()
                .name(format!("alarm ≥ {}", a.value))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.style(token))
                .data(line),
        );
        title.push(Span::styled(threshold.unwrap_or_default(), theme.style(token)));
    }
    let x = Axis::default()
        .style(theme.style(Token::Muted))
        .bounds([0.0, span])
        .labels([first.strftime("%H:%M").to_string(), last.strftime("%H:%M").to_string()]);
    let y =
        Axis::default().style(theme.style(Token::Muted)).bounds([0.0, top]).labels(["0".to_string(), format!("{top}")]);
    let chart = Chart::new(datasets)
        .block(Block::bordered().border_style(theme.style(Token::Border)).title(Line::from(title)))
        .x_axis(x)
        .y_axis(y)
        .style(theme.style(Token::Text))
        .legend_position(None);
    frame.render_widget(chart, area);
}

/// A bar chart titled `long` where it fits, else `short`; each bar labelled with its long label
/// where it fits the bar, else its short one.
fn bar_chart(
    frame: &mut Frame,
    area: Rect,
    (long, short): (String, String),
    bars: Vec<((&str, &str), u64, Token)>,
    theme: &Theme,
) {
    // Bars are shares of the whole: one finding of two is half a bar, not a full one.
    let total: u64 = bars.iter().map(|b| b.1).sum();
    let inner = area.width.saturating_sub(2);
    let count = bars.len().max(1) as u16;
    let bar_width = (inner.saturating_sub(count - 1) / count).clamp(3, 8);
    let bars: Vec<Bar> =
        bars.into_iter()
            .map(|((long, short), n, token)| {
                let label = if long.len() <= bar_width as usize { long } else { short };
                Bar::default().value(n).label(Line::from(label.to_string())).style(theme.style(token)).value_style(
                    theme.style(token).patch(Style::new().add_modifier(ratatui::style::Modifier::REVERSED)),
                )
            })
            .collect();
    let title = if super::text::width(&long) + 2 <= area.width as usize { long } else { short };
    let chart = BarChart::default()
        .block(
            Block::bordered()
                .border_style(theme.style(Token::Border))
                .title(Span::styled(title, theme.style(Token::Title))),
        )
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(1)
        .max(total.max(1))
        .style(theme.style(Token::Text));
    frame.render_widget(chart, area);
}
