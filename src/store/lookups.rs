//! What the drill-down fetched on demand (a resource's evaluations, timeline, findings and
//! remediation history; a finding in full and its history) and how the corrective actions went.
//! Kept apart from the polled evidence: a lookup never changes a control's status by itself.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::model::{Answer, Section, SectionData, Subject, Sym, Timestamp, WorkflowStatus, Write, WriteState};

/// Subjects whose lookups are kept; the oldest is dropped beyond this.
const KEPT: usize = 64;
/// Writes whose outcome is kept to show.
const WRITES_KEPT: usize = 32;

/// One section of a lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionState {
    Loading {
        since: Timestamp,
        last: Option<(Timestamp, SectionData)>,
    },
    Ready {
        at: Timestamp,
        data: SectionData,
    },
    /// The call failed; the last good answer stays, with its time.
    Failed {
        at: Timestamp,
        error: String,
        last: Option<(Timestamp, SectionData)>,
    },
}

impl SectionState {
    /// The data to show: the current answer, or the last good one while reloading or failed.
    pub fn data(&self) -> Option<&SectionData> {
        match self {
            SectionState::Ready { data, .. } => Some(data),
            SectionState::Loading { last, .. } | SectionState::Failed { last, .. } => last.as_ref().map(|(_, d)| d),
        }
    }

    fn data_mut(&mut self) -> Option<&mut SectionData> {
        match self {
            SectionState::Ready { data, .. } => Some(data),
            SectionState::Loading { last, .. } | SectionState::Failed { last, .. } => last.as_mut().map(|(_, d)| d),
        }
    }

    fn last_good(self) -> Option<(Timestamp, SectionData)> {
        match self {
            SectionState::Ready { at, data } => Some((at, data)),
            SectionState::Loading { last, .. } | SectionState::Failed { last, .. } => last,
        }
    }
}

/// A write and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRecord {
    pub write: Write,
    /// When it was sent.
    pub first_at: Timestamp,
    /// When its state last changed.
    pub at: Timestamp,
    pub state: WriteState,
}

#[derive(Debug, Default)]
pub struct Lookups {
    sections: HashMap<Subject, BTreeMap<Section, SectionState>>,
    /// Subjects in the order they were last asked for, oldest first.
    order: VecDeque<Subject>,
    writes: VecDeque<WriteRecord>,
}

impl Lookups {
    /// Marks the sections asked for as loading, keeping what they held.
    pub fn begin(&mut self, subject: &Subject, sections: &[Section], now: Timestamp) {
        self.order.retain(|s| s != subject);
        self.order.push_back(subject.clone());
        while self.order.len() > KEPT {
            if let Some(old) = self.order.pop_front() {
                self.sections.remove(&old);
            }
        }
        let held = self.sections.entry(subject.clone()).or_default();
        for section in sections {
            let last = held.remove(section).and_then(SectionState::last_good);
            held.insert(*section, SectionState::Loading { since: now, last });
        }
    }

    pub fn answer(&mut self, answer: Answer) {
        match answer {
            Answer::Section { subject, section, at, result } => {
                // An answer for a subject nobody looks at any more is dropped.
                let Some(held) = self.sections.get_mut(&subject) else { return };
                let last = held.remove(&section).and_then(SectionState::last_good);
                let state = match result {
                    Ok(data) => SectionState::Ready { at, data },
                    Err(error) => SectionState::Failed { at, error, last },
                };
                held.insert(section, state);
            }
            Answer::Write { write, at, state } => {
                match self.writes.iter_mut().rev().find(|w| w.write == write) {
                    Some(record) => {
                        record.at = at;
                        record.state = state;
                    }
                    None => self.writes.push_back(WriteRecord { write, first_at: at, at, state }),
                }
                while self.writes.len() > WRITES_KEPT {
                    self.writes.pop_front();
                }
            }
        }
    }

    /// A workflow change AWS accepted, shown at once wherever a lookup holds the finding (a
    /// resource's findings, the finding in full) until they are read again.
    pub fn set_workflow(&mut self, finding: &Sym, status: WorkflowStatus, note: &str) {
        let change = |d: &mut crate::model::FindingDetail| {
            if d.finding.id == *finding {
                d.finding.workflow = status;
                if !note.is_empty() {
                    d.note = Some(note.into());
                }
            }
        };
        for state in self.sections.values_mut().flat_map(|s| s.values_mut()) {
            match state.data_mut() {
                Some(SectionData::Findings(list)) => list.iter_mut().for_each(change),
                Some(SectionData::Detail(d)) => change(d),
                _ => {}
            }
        }
    }

    pub fn section(&self, subject: &Subject, section: Section) -> Option<&SectionState> {
        self.sections.get(subject)?.get(&section)
    }

    /// The writes about `subject`, newest last.
    pub fn writes_on(&self, subject: &Subject) -> impl Iterator<Item = &WriteRecord> {
        let subject = subject.clone();
        self.writes.iter().filter(move |w| w.write.subject() == subject)
    }

    pub fn writes(&self) -> impl Iterator<Item = &WriteRecord> {
        self.writes.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConfigCompliance, RuleEvaluation};

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn evaluations(n: usize) -> SectionData {
        SectionData::Evaluations(
            (0..n)
                .map(|i| RuleEvaluation {
                    rule: format!("r{i}").into(),
                    compliance: ConfigCompliance::Compliant,
                    annotation: None,
                    recorded_at: t(1),
                })
                .collect(),
        )
    }

    #[test]
    fn a_failed_reload_keeps_the_last_answer_and_its_time() {
        let mut l = Lookups::default();
        let s = Subject::Finding("f".into());
        l.begin(&s, &[Section::Evaluations], t(10));
        assert!(matches!(l.section(&s, Section::Evaluations), Some(SectionState::Loading { last: None, .. })));
        l.answer(Answer::Section {
            subject: s.clone(),
            section: Section::Evaluations,
            at: t(11),
            result: Ok(evaluations(2)),
        });
        l.begin(&s, &[Section::Evaluations], t(20));
        assert_eq!(l.section(&s, Section::Evaluations).unwrap().data(), Some(&evaluations(2)));
        l.answer(Answer::Section {
            subject: s.clone(),
            section: Section::Evaluations,
            at: t(21),
            result: Err("throttled".into()),
        });
        match l.section(&s, Section::Evaluations).unwrap() {
            SectionState::Failed { error, last: Some((at, data)), .. } => {
                assert_eq!(error, "throttled");
                assert_eq!(*at, t(11));
                assert_eq!(*data, evaluations(2));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_the_most_recent_subjects_are_kept() {
        let mut l = Lookups::default();
        for i in 0..(KEPT + 5) {
            l.begin(&Subject::Finding(format!("f{i}").into()), &[Section::History], t(1));
        }
        assert!(l.section(&Subject::Finding("f0".into()), Section::History).is_none());
        assert!(l.section(&Subject::Finding(format!("f{}", KEPT + 4).into()), Section::History).is_some());
        // An answer for a dropped subject is not stored.
        l.answer(Answer::Section {
            subject: Subject::Finding("f0".into()),
            section: Section::History,
            at: t(2),
            result: Ok(SectionData::History(Vec::new())),
        });
        assert!(l.section(&Subject::Finding("f0".into()), Section::History).is_none());
    }
}
