//! The demo answers the drill-down's lookups from its scenario as it stands, and plays the
//! corrective actions as AWS would: a remediation goes QUEUED, IN_PROGRESS, SUCCEEDED and the
//! resource turns COMPLIANT; a workflow change keeps the finding's `UpdatedAt`. The rules are
//! AWS's: Config keeps no timeline of, and starts no remediation for, a type it does not record.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::scenario::{Batch, EvaluationItem, ExecutionItem};
use super::{DemoScript, Message};
use crate::audit::{AuditEntry, AuditLog};
use crate::model::*;
use crate::sources::{Responder, Sink, SourceFuture};

/// The script, shared by the demo source (which plays it) and the responder (which reads it).
pub type SharedScript = Arc<Mutex<Option<DemoScript>>>;

/// Security Hub's product ARN for a product name, as the demo's findings carry it.
fn product_arn(region: &str, product: &str) -> String {
    let name: String = product.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("arn:aws:securityhub:{region}::product/aws/{name}")
}

impl DemoScript {
    fn offset(&self, now: Timestamp) -> i64 {
        now.duration_since(self.start).as_secs()
    }

    fn detail(&self, f: &Finding) -> FindingDetail {
        let (description, remediation, url) = self.state.finding_text.get(&f.id).cloned().unwrap_or_default();
        FindingDetail {
            finding: f.clone(),
            product_arn: product_arn(&f.region, &f.product).into(),
            product_name: Some((*f.product).into()),
            description: description.unwrap_or_default(),
            types: Vec::new(),
            first_observed: self.state.finding_history.get(&f.id).and_then(|h| h.last()).map(|r| r.at),
            last_observed: Some(f.updated_at.get()),
            note: self.state.notes.get(&f.id).cloned(),
            remediation_text: remediation,
            remediation_url: url,
        }
    }

    /// The answer to one section of a lookup, as the demo's account stands now.
    pub fn lookup(&self, subject: &Subject, section: Section) -> Result<SectionData, String> {
        let s = &self.state;
        match (subject, section) {
            (Subject::Resource(id), Section::Evaluations) => {
                let mut list: Vec<RuleEvaluation> = s
                    .evaluations
                    .values()
                    .filter(|e| e.resource == *id)
                    .map(|e| RuleEvaluation {
                        rule: e.rule.clone(),
                        compliance: e.compliance,
                        annotation: e.annotation.clone(),
                        recorded_at: e.recorded_at,
                    })
                    .collect();
                list.sort_by(|a, b| {
                    (a.compliance != ConfigCompliance::NonCompliant, &a.rule)
                        .cmp(&(b.compliance != ConfigCompliance::NonCompliant, &b.rule))
                });
                Ok(SectionData::Evaluations(list))
            }
            (Subject::Resource(id), Section::Timeline) => {
                Ok(SectionData::Timeline(if config_types::recorded(&id.kind) {
                    Timeline::Items(s.timeline.get(id).cloned().unwrap_or_default())
                } else {
                    Timeline::NotRecorded
                }))
            }
            (Subject::Resource(id), Section::Findings) => {
                let mut list: Vec<FindingDetail> = s
                    .findings
                    .values()
                    .filter(|f| f.is_active() && f.resources.contains(id))
                    .map(|f| self.detail(f))
                    .collect();
                list.sort_by(|a, b| by_severity(&a.finding, &b.finding));
                Ok(SectionData::Findings(list))
            }
            (Subject::Resource(id), Section::Remediation) => {
                let mut list: Vec<ExecutionHistory> = s
                    .execution_history
                    .iter()
                    .filter(|((_, r), _)| r == id)
                    .flat_map(|(_, h)| h.iter().cloned())
                    .collect();
                list.sort_by_key(|x| std::cmp::Reverse(x.invoked_at));
                Ok(SectionData::Remediation(list))
            }
            (Subject::Finding(id), Section::Detail) => match s.findings.get(id) {
                Some(f) => Ok(SectionData::Detail(Box::new(self.detail(f)))),
                None => Err("Security Hub no longer has this finding".into()),
            },
            (Subject::Finding(id), Section::History) => {
                let mut records = s.finding_history.get(id).cloned().unwrap_or_default();
                records.truncate(10);
                Ok(SectionData::History(records))
            }
            (_, section) => Err(format!("{} is not part of this lookup", section.title())),
        }
    }

    /// Sets an execution's state at `offset` seconds, and the evaluation with it when it
    /// succeeded: the events the store would get from the next polls.
    fn execution(
        &mut self,
        rule: &Sym,
        resource: &ResourceId,
        state: ExecutionState,
        invoked: i64,
        offset: i64,
    ) -> Vec<Message> {
        let short = resource.config_id().unwrap_or(&resource.id).to_string();
        let mut batch = Batch::default();
        batch.executions.push(ExecutionItem {
            rule: rule.to_string(),
            kind: resource.kind.to_string(),
            id: short.clone(),
            state,
            message: None,
            age: None,
            invoked: Some(invoked),
        });
        if state == ExecutionState::Succeeded {
            batch.evaluations.push(EvaluationItem {
                rule: rule.to_string(),
                kind: resource.kind.to_string(),
                id: short,
                compliance: ConfigCompliance::Compliant,
                annotation: None,
                age: None,
            });
        }
        self.apply(&batch, Some(offset))
            .into_iter()
            .map(|(kind, data)| Message::Event(self.event(kind, offset, Payload::Merge(data))))
            .collect()
    }

    /// BatchUpdateFindings on the demo's finding: the workflow and note change, `UpdatedAt` stays.
    fn set_workflow(
        &mut self,
        id: &Sym,
        status: WorkflowStatus,
        note: &str,
        offset: i64,
    ) -> Result<Vec<Message>, String> {
        let at = self.time(offset);
        let Some(f) = self.state.findings.get_mut(id) else {
            return Err("UnprocessedFindings: FindingNotFound".into());
        };
        let old = f.workflow;
        f.workflow = status;
        let finding = f.clone();
        let mut changes = vec![("Workflow.Status".into(), old.as_str().into(), status.as_str().into())];
        if !note.is_empty() {
            let before = self.state.notes.insert(id.clone(), note.into()).unwrap_or_default();
            changes.push(("Note.Text".into(), before, note.into()));
        }
        let record = HistoryRecord { at, source: "BATCH_UPDATE_FINDINGS vigil".into(), created: false, changes };
        self.state.finding_history.entry(id.clone()).or_default().insert(0, record);
        let data = Dataset { findings: vec![finding], ..Default::default() };
        Ok(vec![Message::Event(self.event(SourceKind::SecurityHub, offset, Payload::Merge(data)))])
    }
}

/// The demo's responder.
pub struct DemoResponder {
    script: SharedScript,
    /// Writes are on (`--write`).
    write: bool,
    /// Where writes are logged: only a log the presenter named (`--audit-log`), never the real
    /// audit log of live AWS writes.
    audit: Option<Arc<AuditLog>>,
    /// The time between a remediation's states.
    pace: Duration,
}

impl DemoResponder {
    /// `write`: writes are made (else refused as read-only); `audit`: where they are logged.
    pub fn new(script: SharedScript, write: bool, audit: Option<Arc<AuditLog>>, pace: Duration) -> Self {
        DemoResponder { script, write, audit, pace }
    }
}

async fn deliver(sink: &Sink, messages: Vec<Message>) {
    crate::sources::playback::send_all(sink, messages).await;
}

impl Responder for DemoResponder {
    fn respond(&self, request: Request, sink: Sink) -> SourceFuture {
        let script = self.script.clone();
        let audit = self.audit.clone();
        let write_on = self.write;
        let pace = self.pace;
        Box::pin(async move {
            let with = |f: &mut dyn FnMut(&mut DemoScript)| {
                let mut guard = script.lock().unwrap_or_else(|e| e.into_inner());
                guard.as_mut().map(f).is_some()
            };
            match request {
                Request::Lookup { subject, sections, .. } => {
                    let mut answers = Vec::new();
                    let started = with(&mut |s: &mut DemoScript| {
                        for section in &sections {
                            let result = s.lookup(&subject, *section);
                            answers.push(Answer::Section {
                                subject: subject.clone(),
                                section: *section,
                                at: sink.now(),
                                result,
                            });
                        }
                    });
                    if !started {
                        for section in sections {
                            let result = Err("the demo has not started yet".to_string());
                            answers.push(Answer::Section { subject: subject.clone(), section, at: sink.now(), result });
                        }
                    }
                    for a in answers {
                        sink.answer(a).await;
                    }
                }
                Request::Write(write) => {
                    if !write_on {
                        let state = WriteState::Failed { reason: "vigil is read-only: start it with --write".into() };
                        sink.answer(Answer::Write { write, at: sink.now(), state }).await;
                        return;
                    }
                    demo_write(&script, audit.as_deref(), write, &sink, pace).await;
                }
            }
        })
    }
}

async fn demo_write(script: &SharedScript, audit: Option<&AuditLog>, write: Write, sink: &Sink, pace: Duration) {
    let lock = || script.lock().unwrap_or_else(|e| e.into_inner());
    let (account, region) = lock().as_ref().map(|s| (s.account.to_string(), s.region.to_string())).unwrap_or_default();
    let entry = |outcome: String| AuditEntry {
        time: AuditEntry::time(sink.now()),
        caller: format!("arn:aws:sts::{account}:assumed-role/WorkshopPresenter/demo"),
        account: account.clone(),
        region: region.clone(),
        operation: write.operation().to_string(),
        target: write.target(),
        parameters: write.parameters(),
        outcome,
        request_id: None,
    };
    let record = |e: AuditEntry| {
        if let Some(Err(err)) = audit.map(|a| a.record(&e)) {
            tracing::error!(error = %err, "cannot write the audit log");
        }
    };
    let answer = |state: WriteState| Answer::Write { write: write.clone(), at: sink.now(), state };
    sink.answer(answer(WriteState::Sent)).await;
    match &write {
        Write::StartRemediation { rule, resource, .. } => {
            let refused = if !config_types::recorded(&resource.kind) {
                Some(format!(
                    "Config cannot start a remediation for {}: StartRemediationExecution takes only the resource types Config records",
                    resource.kind
                ))
            } else if lock().as_ref().is_some_and(|s| !s.state.remediations.contains_key(rule)) {
                Some(format!("NoSuchRemediationConfigurationException: no remediation is configured for {rule}"))
            } else {
                None
            };
            if let Some(reason) = refused {
                record(entry(format!("refused: {reason}")));
                sink.answer(answer(WriteState::Failed { reason })).await;
                return;
            }
            record(entry("accepted".into()));
            let invoked = lock().as_ref().map_or(0, |s| s.offset(sink.now()));
            for state in [ExecutionState::Queued, ExecutionState::InProgress, ExecutionState::Succeeded] {
                if state != ExecutionState::Queued {
                    tokio::time::sleep(pace).await;
                }
                let messages = {
                    let mut guard = lock();
                    let Some(s) = guard.as_mut() else { return };
                    let offset = s.offset(sink.now()).max(invoked);
                    s.execution(rule, resource, state, invoked, offset)
                };
                deliver(sink, messages).await;
                sink.answer(answer(WriteState::Accepted { execution: Some(state), detail: None })).await;
                let lookup = lock().as_ref().map(|s| s.lookup(&write.subject(), Section::Remediation));
                if let Some(result) = lookup {
                    let subject = write.subject();
                    sink.answer(Answer::Section { subject, section: Section::Remediation, at: sink.now(), result })
                        .await;
                }
            }
            record(entry("SUCCEEDED".into()));
        }
        Write::SetWorkflow { finding, status, note, .. } => {
            let result = {
                let mut guard = lock();
                match guard.as_mut() {
                    Some(s) => {
                        let offset = s.offset(sink.now());
                        s.set_workflow(finding, *status, note, offset)
                    }
                    None => Err("the demo has not started yet".into()),
                }
            };
            match result {
                Ok(messages) => {
                    record(entry("accepted".into()));
                    deliver(sink, messages).await;
                    let state = WriteState::Accepted { execution: None, detail: Some(format!("workflow {status}")) };
                    sink.answer(answer(state)).await;
                    let subject = Subject::Finding(finding.clone());
                    for section in Section::FINDING {
                        let result = lock().as_ref().map(|s| s.lookup(&subject, section));
                        if let Some(result) = result {
                            sink.answer(Answer::Section { subject: subject.clone(), section, at: sink.now(), result })
                                .await;
                        }
                    }
                }
                Err(reason) => {
                    record(entry(format!("refused: {reason}")));
                    sink.answer(answer(WriteState::Failed { reason })).await;
                }
            }
        }
    }
}
