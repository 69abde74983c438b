//! The drill-down's lookups and the corrective actions, against live AWS: a resource's every
//! evaluation, its configuration timeline, its findings and its remediation history; a finding
//! in full and its history; StartRemediationExecution and BatchUpdateFindings (or
//! BatchUpdateFindingsV2, where the findings are read through the new Security Hub), each written
//! to the audit log, a remediation followed until it ends. Each section is answered on its own,
//! as soon as its calls return.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_config::types::{ResourceKey, ResourceType};
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, OcsfFindingIdentifier,
    StringFilter, StringFilterComparison, WorkflowUpdate,
};

use super::error::HasStatus;
use super::limiter::RateLimit;
use super::members::Members;
use super::retry::{Caller, Retry, every_page};
use super::securityhub::convert;
use super::{AccountResolver, GET_FINDINGS_BURST, SECURITY_HUB_BURST, Scope, timestamp};
use crate::audit::{AuditEntry, AuditLog};
use crate::config::HubApi;
use crate::model::config_types;
use crate::model::{
    Answer, ConfigCompliance, ConfigItem, ExecutionHistory, ExecutionState, ExecutionStep, Finding, FindingDetail,
    HistoryRecord, Interner, Request, ResourceId, RuleEvaluation, Section, SectionData, Subject, Sym, Timeline,
    Timestamp, Write, WriteState,
};
use crate::sources::{Responder, Sink, SourceFuture, SourceKind};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Configuration items shown in a timeline; one more is read to say what the oldest changed.
pub const TIMELINE_ITEMS: usize = 10;
/// Changes shown of a finding's history.
pub const HISTORY_RECORDS: usize = 10;
/// Pages read at most of a resource's findings (100 each) or a finding's history.
const MAX_PAGES: usize = 10;
/// How long a started remediation is followed.
const FOLLOW_FOR: Duration = Duration::from_secs(15 * 60);

/// Answers lookups and makes writes for one account and region.
#[derive(Clone)]
pub struct AwsResponder {
    inner: Arc<Inner>,
}

struct Inner {
    config: aws_sdk_config::Client,
    hub: aws_sdk_securityhub::Client,
    scope: Scope,
    resolver: Arc<AccountResolver>,
    retry: Retry,
    profile: Option<String>,
    config_limit: RateLimit,
    /// Other accounts and regions (a resource of an organisation's member): their Config
    /// clients, through the member role where one was given. `None` in the mock tests.
    members: Option<tokio::sync::Mutex<Members>>,
    get_findings: RateLimit,
    hub_limit: RateLimit,
    /// `None` without `--write`: every write is refused before any call.
    audit: Option<Arc<AuditLog>>,
    /// How often a started remediation's status is read.
    follow_every: Duration,
    /// The API the findings are read through (`[securityhub] api`): a workflow change goes
    /// through BatchUpdateFindingsV2 where it is the new Security Hub's, else BatchUpdateFindings;
    /// a finding is looked up through GetFindingsV2 where it is the new Security Hub's alone, or
    /// where it is read through both and GetFindings does not have the finding.
    api: HubApi,
}

impl AwsResponder {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sdk: &aws_config::SdkConfig,
        scope: Scope,
        resolver: Arc<AccountResolver>,
        retry: Retry,
        profile: Option<String>,
        config_rate: f64,
        audit: Option<Arc<AuditLog>>,
        follow_every: Duration,
    ) -> Self {
        let clients = (aws_sdk_config::Client::new(sdk), aws_sdk_securityhub::Client::new(sdk));
        let own = Members::with_role(sdk, aws_sdk_sts::Client::new(sdk), None, (config_rate, config_rate));
        Self::from_clients(clients, scope, resolver, retry, profile, config_rate, audit, follow_every).with_members(own)
    }

    /// Paces its calls in the caller's own account and region with the pollers' limits: AWS
    /// counts the drill-down's calls and the pollers' together.
    pub fn with_limits(mut self, limits: super::SharedLimits) -> Self {
        let inner = Arc::get_mut(&mut self.inner).expect("not shared before it is built");
        inner.config_limit = limits.config;
        inner.get_findings = limits.get_findings;
        inner.hub_limit = limits.securityhub;
        self
    }

    /// Looks findings up and changes them through the API they are read through (`[securityhub]
    /// api`; Security Hub CSPM's unless told).
    pub fn with_hub_api(mut self, api: HubApi) -> Self {
        let inner = Arc::get_mut(&mut self.inner).expect("not shared before it is built");
        inner.api = api;
        self
    }

    /// Reads and writes in other accounts and regions through `members` (the member role).
    pub fn with_members(mut self, members: Members) -> Self {
        let inner = Arc::get_mut(&mut self.inner).expect("not shared before it is built");
        inner.members = Some(tokio::sync::Mutex::new(members));
        self
    }

    /// With clients made elsewhere (the tests' mocks).
    #[allow(clippy::too_many_arguments)]
    pub fn from_clients(
        (config, hub): (aws_sdk_config::Client, aws_sdk_securityhub::Client),
        scope: Scope,
        resolver: Arc<AccountResolver>,
        retry: Retry,
        profile: Option<String>,
        config_rate: f64,
        audit: Option<Arc<AuditLog>>,
        follow_every: Duration,
    ) -> Self {
        AwsResponder {
            inner: Arc::new(Inner {
                config,
                hub,
                scope,
                resolver,
                retry,
                profile,
                config_limit: RateLimit::per_second(config_rate),
                members: None,
                get_findings: RateLimit::new(3.0, GET_FINDINGS_BURST),
                hub_limit: RateLimit::new(10.0, SECURITY_HUB_BURST),
                audit,
                follow_every,
                api: HubApi::default(),
            }),
        }
    }
}

impl Responder for AwsResponder {
    fn respond(&self, request: Request, sink: Sink) -> SourceFuture {
        let inner = self.inner.clone();
        Box::pin(async move {
            let scope = inner.scope().await;
            match request {
                Request::Lookup { subject: Subject::Resource(id), sections, remediation_rules } => {
                    inner.resource(&scope, id, &sections, &remediation_rules, &sink).await
                }
                Request::Lookup { subject: Subject::Finding(id), sections, .. } => {
                    inner.finding(id, &sections, &sink).await
                }
                Request::Write(write) => inner.write(&scope, write, &sink).await,
            }
        })
    }
}

type Result<T> = std::result::Result<T, String>;

/// The Config client and rate limit of the account and region a resource is in.
type ConfigAt = (aws_sdk_config::Client, RateLimit);

impl Inner {
    async fn scope(&self) -> Scope {
        let mut scope = self.scope.clone();
        scope.resolve(&self.resolver).await;
        scope
    }

    /// Config in the resource's own account and region: the caller's clients at home, another
    /// region of the caller's account with its credentials, a member's through its role. Where
    /// it cannot be reached, why (naming the role, or how to name one).
    async fn config_at(&self, quiet: &Sink, scope: &Scope, id: &ResourceId) -> Result<ConfigAt> {
        let known = |a: &str| !a.is_empty() && a != "unknown";
        let home = *id.region == *scope.region
            && (!known(&id.account) || !known(&scope.account) || *id.account == *scope.account);
        if home {
            return Ok((self.config.clone(), self.config_limit.clone()));
        }
        let Some(members) = &self.members else {
            return Err(format!("account {} in {} cannot be read from here", id.account, id.region));
        };
        let caller = self.caller(quiet, SourceKind::Config);
        let own = *id.account == *scope.account;
        let mut members = members.lock().await;
        members.config(&caller, &id.account, &id.region, own).await.map_err(|e| e.to_string())
    }

    /// Retries go nowhere: a lookup's trouble shows in its section, not in a source's health.
    fn caller<'a>(&'a self, quiet: &'a Sink, kind: SourceKind) -> Caller<'a> {
        Caller { kind, sink: quiet, profile: self.profile.as_deref(), retry: &self.retry }
    }

    async fn send(&self, sink: &Sink, subject: &Subject, section: Section, result: Result<SectionData>) {
        let answer = Answer::Section { subject: subject.clone(), section, at: sink.now(), result };
        sink.answer(answer).await;
    }

    async fn resource(
        &self,
        scope: &Scope,
        id: ResourceId,
        sections: &[Section],
        remediation_rules: &[Sym],
        sink: &Sink,
    ) {
        let subject = Subject::Resource(id.clone());
        let quiet = Sink::detached(sink.clock());
        let wants = |s| sections.contains(&s);
        let config = if [Section::Evaluations, Section::Remediation, Section::Timeline].iter().any(|s| wants(*s)) {
            self.config_at(&quiet, scope, &id).await
        } else {
            Err(String::new())
        };
        let evaluations = async {
            if !wants(Section::Evaluations) && !wants(Section::Remediation) {
                return None;
            }
            let config = match &config {
                Ok(at) => at,
                Err(why) => {
                    for section in [Section::Evaluations, Section::Remediation].into_iter().filter(|s| wants(*s)) {
                        self.send(sink, &subject, section, Err(why.clone())).await;
                    }
                    return None;
                }
            };
            let result = self.evaluations(&quiet, config, &id).await;
            if wants(Section::Evaluations) {
                self.send(sink, &subject, Section::Evaluations, result.clone().map(SectionData::Evaluations)).await;
            }
            if wants(Section::Remediation) {
                // The rules that evaluated this resource and have a remediation; all of them
                // with a remediation when the evaluations could not be read.
                let rules: Vec<Sym> = match &result {
                    Ok(list) => {
                        let evaluated: BTreeSet<&str> = list.iter().map(|e| &*e.rule).collect();
                        remediation_rules.iter().filter(|r| evaluated.contains(&***r)).cloned().collect()
                    }
                    Err(_) => remediation_rules.to_vec(),
                };
                let history = self.executions(&quiet, config, &id, &rules).await;
                self.send(sink, &subject, Section::Remediation, history.map(SectionData::Remediation)).await;
            }
            Some(())
        };
        let timeline = async {
            if wants(Section::Timeline) {
                let result = match &config {
                    Ok(config) => self.timeline(&quiet, config, &id).await.map(SectionData::Timeline),
                    Err(why) => Err(why.clone()),
                };
                self.send(sink, &subject, Section::Timeline, result).await;
            }
        };
        let findings = async {
            if wants(Section::Findings) {
                let result = self.findings_on(&quiet, &id).await.map(SectionData::Findings);
                self.send(sink, &subject, Section::Findings, result).await;
            }
        };
        tokio::join!(evaluations, timeline, findings);
    }

    /// GetComplianceDetailsByResource, every page.
    async fn evaluations(
        &self,
        quiet: &Sink,
        (client, limit): &ConfigAt,
        id: &ResourceId,
    ) -> Result<Vec<RuleEvaluation>> {
        let Some(config_id) = id.config_id() else {
            return Err(format!("{} is not a type Config evaluates", id.kind));
        };
        let caller = self.caller(quiet, SourceKind::Config);
        let mut out = Vec::new();
        let request = |token| {
            client
                .get_compliance_details_by_resource()
                .resource_type(&*id.kind)
                .resource_id(config_id)
                .set_next_token(token)
                .send()
        };
        pages(&caller, limit, "config:GetComplianceDetailsByResource", usize::MAX, request, |page| {
            for e in page.evaluation_results() {
                let Some(q) = e.evaluation_result_identifier().and_then(|i| i.evaluation_result_qualifier()) else {
                    continue;
                };
                let Some(rule) = q.config_rule_name() else { continue };
                out.push(RuleEvaluation {
                    rule: rule.into(),
                    compliance: e
                        .compliance_type()
                        .and_then(|c| c.as_str().parse().ok())
                        .unwrap_or(ConfigCompliance::InsufficientData),
                    annotation: e.annotation().map(Into::into),
                    recorded_at: e.result_recorded_time().map(timestamp).unwrap_or(Timestamp::UNIX_EPOCH),
                });
            }
            page.next_token().map(str::to_string)
        })
        .await?;
        // Failing first, then by rule.
        out.sort_by(|a, b| {
            (a.compliance != ConfigCompliance::NonCompliant, &a.rule)
                .cmp(&(b.compliance != ConfigCompliance::NonCompliant, &b.rule))
        });
        Ok(out)
    }

    /// GetResourceConfigHistory: the newest items, each with the fields it changed.
    async fn timeline(&self, quiet: &Sink, (client, limit): &ConfigAt, id: &ResourceId) -> Result<Timeline> {
        let (Some(config_id), true) = (id.config_id(), config_types::recorded(&id.kind)) else {
            return Ok(Timeline::NotRecorded);
        };
        let caller = self.caller(quiet, SourceKind::Config);
        // Each call spans seven days at most, so a page may hold fewer items than asked for:
        // read on until there are enough or there is no more.
        let mut raw: Vec<(Timestamp, String, Option<serde_json::Value>)> = Vec::new();
        // Shared by the request and the page's reader (the task's future must be Send).
        let wanted = std::sync::atomic::AtomicUsize::new(TIMELINE_ITEMS + 1);
        let request = |token| {
            client
                .get_resource_config_history()
                .resource_type(ResourceType::from(&*id.kind))
                .resource_id(config_id)
                .limit(wanted.load(std::sync::atomic::Ordering::Relaxed) as i32)
                .set_next_token(token)
                .send()
        };
        pages(&caller, limit, "config:GetResourceConfigHistory", MAX_PAGES, request, |page| {
            raw.extend(page.configuration_items().iter().map(item_json));
            wanted.store((TIMELINE_ITEMS + 1).saturating_sub(raw.len()), std::sync::atomic::Ordering::Relaxed);
            page.next_token().filter(|_| raw.len() <= TIMELINE_ITEMS).map(str::to_string)
        })
        .await?;
        Ok(Timeline::Items(timeline_items(raw)))
    }

    /// Every active finding whose resource is this one (GetFindings by ResourceId).
    async fn findings_on(&self, quiet: &Sink, id: &ResourceId) -> Result<Vec<FindingDetail>> {
        let filters =
            AwsSecurityFindingFilters::builder().resource_id(equals(&id.id)).record_state(equals("ACTIVE")).build();
        let mut out = Vec::new();
        self.get_findings(quiet, filters, MAX_PAGES, |f, interner| {
            if let Some(finding) = convert(f, interner) {
                out.push(detail(f, finding));
            }
        })
        .await?;
        out.sort_by(|a, b| crate::model::by_severity(&a.finding, &b.finding));
        Ok(out)
    }

    async fn get_findings(
        &self,
        quiet: &Sink,
        filters: AwsSecurityFindingFilters,
        max_pages: usize,
        mut take: impl FnMut(&AwsSecurityFinding, &mut Interner),
    ) -> Result<()> {
        let caller = self.caller(quiet, SourceKind::SecurityHub);
        let mut interner = Interner::new();
        let request =
            |token| self.hub.get_findings().filters(filters.clone()).max_results(100).set_next_token(token).send();
        pages(&caller, &self.get_findings, "securityhub:GetFindings", max_pages, request, |page| {
            for f in page.findings() {
                take(f, &mut interner);
            }
            page.next_token().map(str::to_string)
        })
        .await
    }

    /// DescribeRemediationExecutionStatus for each rule: with the resource's key where Config
    /// records its type, else every execution of the rule, kept for this resource.
    async fn executions(
        &self,
        quiet: &Sink,
        (client, limit): &ConfigAt,
        id: &ResourceId,
        rules: &[Sym],
    ) -> Result<Vec<ExecutionHistory>> {
        let caller = self.caller(quiet, SourceKind::Config);
        let key = resource_key(id);
        let mut out = Vec::new();
        for rule in rules {
            let request = |token| {
                client
                    .describe_remediation_execution_status()
                    .config_rule_name(&**rule)
                    .set_resource_keys(key.clone().map(|k| vec![k]))
                    .limit(super::limits::REMEDIATION_EXECUTIONS_LIMIT)
                    .set_next_token(token)
                    .send()
            };
            let action = "config:DescribeRemediationExecutionStatus";
            pages(&caller, limit, action, usize::MAX, request, |page| {
                for x in page.remediation_execution_statuses() {
                    let Some(k) = x.resource_key() else { continue };
                    if Some(k.resource_id()) == id.config_id() && k.resource_type().as_str() == &*id.kind {
                        out.push(history(rule, x));
                    }
                }
                page.next_token().map(str::to_string)
            })
            .await?;
        }
        out.sort_by_key(|x| std::cmp::Reverse(x.invoked_at));
        Ok(out)
    }

    /// A finding in full and its history. Through Security Hub CSPM's GetFindings and
    /// GetFindingHistory; where the findings are read through the new Security Hub too (`api`
    /// `auto` or `both`), through GetFindingsV2 when GetFindings does not have the finding (an
    /// exposure finding); where they are read through it alone (`v2`), through GetFindingsV2
    /// only. A finding read through GetFindingsV2 has no history to read (the new Security Hub
    /// keeps none readable through its API): its history section says so
    /// ([`SectionData::HistoryNotKept`]), without a call.
    async fn finding(&self, id: Sym, sections: &[Section], sink: &Sink) {
        let subject = Subject::Finding(id.clone());
        let quiet = Sink::detached(sink.clock());
        let detail = self.finding_detail(&quiet, &id).await;
        if sections.contains(&Section::Detail) {
            let result = detail.clone().map(|(d, _)| SectionData::Detail(Box::new(d)));
            self.send(sink, &subject, Section::Detail, result).await;
        }
        if sections.contains(&Section::History) {
            let result = match detail {
                Ok((d, Through::Cspm)) => self.history(&quiet, &id, &d.product_arn).await.map(SectionData::History),
                Ok((_, Through::V2)) => Ok(SectionData::HistoryNotKept),
                Err(e) => Err(format!("the finding could not be read: {e}")),
            };
            self.send(sink, &subject, Section::History, result).await;
        }
    }

    /// The finding in full, and which API had it. Under `auto` the new Security Hub may be off:
    /// where GetFindingsV2 fails there, the finding is not found, and the answer says why the
    /// new Security Hub could not be asked.
    async fn finding_detail(&self, quiet: &Sink, id: &str) -> Result<(FindingDetail, Through)> {
        const UNREADABLE: &str = "the finding lacks an id, a resource, a severity or a time";
        const GONE: &str = "Security Hub no longer has this finding";
        let cspm = match self.api {
            HubApi::V2 => Found::Nothing,
            _ => self.finding_cspm(quiet, id).await?,
        };
        let cspm = match cspm {
            Found::Finding(d) => return Ok((*d, Through::Cspm)),
            other => other,
        };
        let v2 = match self.api {
            HubApi::Cspm => Found::Nothing,
            HubApi::Auto => match self.finding_v2(quiet, id).await {
                Ok(found) => found,
                Err(e) if matches!(cspm, Found::Nothing) => {
                    return Err(format!("{GONE} (and the new Security Hub could not be asked: {e})"));
                }
                Err(_) => Found::Nothing,
            },
            HubApi::V2 | HubApi::Both => self.finding_v2(quiet, id).await?,
        };
        match (v2, cspm) {
            (Found::Finding(d), _) => Ok((*d, Through::V2)),
            (Found::Unreadable, _) | (_, Found::Unreadable) => Err(UNREADABLE.into()),
            _ => Err(GONE.into()),
        }
    }

    /// GetFindings by `Id`.
    async fn finding_cspm(&self, quiet: &Sink, id: &str) -> Result<Found> {
        let filters = AwsSecurityFindingFilters::builder().id(equals(id)).build();
        let mut found = Found::Nothing;
        self.get_findings(quiet, filters, 1, |f, interner| match convert(f, interner) {
            Some(finding) => found = Found::Finding(Box::new(detail(f, finding))),
            None if matches!(found, Found::Nothing) => found = Found::Unreadable,
            None => {}
        })
        .await?;
        Ok(found)
    }

    /// GetFindingsV2 by `finding_info.uid` (authorised as, and named, `securityhub:GetFindings`,
    /// and paced by its rate limit), the document converted as the V2 reader converts it.
    async fn finding_v2(&self, quiet: &Sink, id: &str) -> Result<Found> {
        let caller = self.caller(quiet, SourceKind::SecurityHub);
        let filters = super::securityhub_v2::by_uid(id);
        let mut found = Found::Nothing;
        let request =
            |token| self.hub.get_findings_v2().filters(filters.clone()).max_results(100).set_next_token(token).send();
        let action = super::securityhub_v2::GET_FINDINGS_V2_ACTION;
        pages(&caller, &self.get_findings, action, 1, request, |page| {
            let mut interner = Interner::new();
            for document in page.findings() {
                let doc = super::ocsf::document_to_json(document);
                match super::ocsf::read_ocsf(&doc, &mut interner) {
                    Ok(_) if matches!(found, Found::Finding(_)) => {}
                    Ok(read) => found = Found::Finding(Box::new(super::ocsf::ocsf_detail(&doc, read))),
                    Err(why) => {
                        tracing::debug!(%why, "GetFindingsV2: the finding looked up cannot be read");
                        if matches!(found, Found::Nothing) {
                            found = Found::Unreadable;
                        }
                    }
                }
            }
            page.next_token().map(str::to_string)
        })
        .await?;
        Ok(found)
    }

    /// GetFindingHistory: the newest changes.
    async fn history(&self, quiet: &Sink, id: &str, product_arn: &str) -> Result<Vec<HistoryRecord>> {
        let caller = self.caller(quiet, SourceKind::SecurityHub);
        let identifier = AwsSecurityFindingIdentifier::builder().id(id).product_arn(product_arn).build();
        let mut out = Vec::new();
        let request = |token| {
            self.hub
                .get_finding_history()
                .finding_identifier(identifier.clone())
                .max_results(100)
                .set_next_token(token)
                .send()
        };
        pages(&caller, &self.hub_limit, "securityhub:GetFindingHistory", MAX_PAGES, request, |page| {
            for r in page.records() {
                let source = r
                    .update_source()
                    .map(|s| {
                        let kind = s.r#type().map(|t| t.as_str()).unwrap_or("");
                        match s.identity() {
                            Some(who) => format!("{kind} {who}"),
                            None => kind.to_string(),
                        }
                    })
                    .unwrap_or_default();
                out.push(HistoryRecord {
                    at: r.update_time().map(timestamp).unwrap_or(Timestamp::UNIX_EPOCH),
                    source: source.into(),
                    created: r.finding_created().unwrap_or(false),
                    changes: r
                        .updates()
                        .iter()
                        .map(|u| {
                            (
                                u.updated_field().unwrap_or_default().into(),
                                u.old_value().unwrap_or_default().into(),
                                u.new_value().unwrap_or_default().into(),
                            )
                        })
                        .collect(),
                });
            }
            page.next_token().map(str::to_string)
        })
        .await?;
        out.sort_by_key(|r| std::cmp::Reverse(r.at));
        out.truncate(HISTORY_RECORDS);
        Ok(out)
    }

    async fn write(&self, scope: &Scope, write: Write, sink: &Sink) {
        let Some(audit) = self.audit.clone() else {
            // update() never asks without --write; refuse all the same.
            let state = WriteState::Failed { reason: "vigil is read-only: start it with --write".into() };
            sink.answer(Answer::Write { write, at: sink.now(), state }).await;
            return;
        };
        let quiet = Sink::detached(sink.clock());
        // A remediation starts in its resource's own account and region; a finding's workflow
        // is set where the findings are read (an administrator updates its members' there).
        let (place, config) = match &write {
            Write::StartRemediation { resource, .. } => {
                let account = if resource.account.is_empty() { &*scope.account } else { &*resource.account };
                (
                    (account.to_string(), resource.region.to_string()),
                    Some(self.config_at(&quiet, scope, resource).await),
                )
            }
            Write::SetWorkflow { .. } => ((scope.account.clone(), scope.region.clone()), None),
        };
        let caller_arn = self.resolver.caller_arn().await.unwrap_or_else(|| "unknown".into());
        // Where the findings are read through the new Security Hub, a workflow change is made
        // through it: the audit log records that call's parameters, under the IAM action both
        // share.
        // So is one only the new Security Hub holds (an exposure finding), whatever the API.
        let new_hub_only = matches!(write, Write::SetWorkflow { new_hub_only: true, .. });
        let v2 = if self.api == HubApi::V2 || new_hub_only { WorkflowV2::of(&write) } else { None };
        let parameters = v2.as_ref().map_or_else(|| write.parameters(), WorkflowV2::parameters);
        let record = |outcome: String, request_id: Option<String>| AuditEntry {
            time: AuditEntry::time(sink.now()),
            caller: caller_arn.clone(),
            account: place.0.clone(),
            region: place.1.clone(),
            operation: write.operation().to_string(),
            target: write.target(),
            parameters: parameters.clone(),
            outcome,
            request_id,
        };
        sink.answer(Answer::Write { write: write.clone(), at: sink.now(), state: WriteState::Sent }).await;
        let (state, request_id, remediation) = match (&write, config) {
            (Write::StartRemediation { rule, resource, .. }, Some(Ok(config))) => {
                // The execution already there, if any, so that following the new one does not
                // take the old one's state for it (a FAILED one from before would end the
                // follow at once).
                let rules = std::slice::from_ref(rule);
                let history = self.executions(&quiet, &config, resource, rules).await.unwrap_or_default();
                let before = history.first().and_then(|x| x.invoked_at);
                let (state, request_id) = self.start_remediation(sink, &config, rule, resource).await;
                (state, request_id, Some((config, before)))
            }
            (Write::StartRemediation { .. }, config) => {
                let reason = config.and_then(|c| c.err()).unwrap_or_default();
                (WriteState::Failed { reason }, None, None)
            }
            (Write::SetWorkflow { finding, product_arn, status, note, .. }, _) => {
                let (state, request_id) = match &v2 {
                    Some(v2) => self.set_workflow_v2(sink, v2).await,
                    None => self.set_workflow(sink, finding, product_arn, *status, note).await,
                };
                (state, request_id, None)
            }
        };
        let outcome = match &state {
            WriteState::Failed { reason } => format!("refused: {reason}"),
            _ => "accepted".to_string(),
        };
        log_audit(&audit, &record(outcome, request_id));
        let accepted = !matches!(state, WriteState::Failed { .. });
        sink.answer(Answer::Write { write: write.clone(), at: sink.now(), state }).await;
        if let (true, Write::StartRemediation { rule, resource, .. }, Some((config, before))) =
            (accepted, &write, remediation)
        {
            let end = self.follow(sink, &config, &write, rule, resource, before).await;
            log_audit(&audit, &record(end, None));
        }
    }

    async fn start_remediation(
        &self,
        sink: &Sink,
        (client, limit): &ConfigAt,
        rule: &str,
        resource: &ResourceId,
    ) -> (WriteState, Option<String>) {
        let Some(key) = resource_key(resource) else {
            let reason = format!(
                "Config cannot start a remediation for {}: StartRemediationExecution takes only the resource types Config records",
                resource.kind
            );
            return (WriteState::Failed { reason }, None);
        };
        let quiet = Sink::detached(sink.clock());
        let caller = self.caller(&quiet, SourceKind::Config);
        let result = caller
            .call("config:StartRemediationExecution", limit, || {
                client.start_remediation_execution().config_rule_name(rule).resource_keys(key.clone()).send()
            })
            .await;
        match result {
            Ok(out) => {
                use aws_sdk_config::operation::RequestId;
                let request_id = out.request_id().map(str::to_string);
                if out.failed_items().is_empty() {
                    (WriteState::Accepted { execution: Some(ExecutionState::Queued), detail: None }, request_id)
                } else {
                    let reason = out.failure_message().unwrap_or("AWS did not start it (FailedItems)").to_string();
                    (WriteState::Failed { reason }, request_id)
                }
            }
            Err(e) => (WriteState::Failed { reason: e.error.to_string() }, None),
        }
    }

    /// Reads the execution's status until it ends, telling the screen each change. Returns the
    /// outcome for the audit log.
    async fn follow(
        &self,
        sink: &Sink,
        config: &ConfigAt,
        write: &Write,
        rule: &Sym,
        resource: &ResourceId,
        before: Option<Timestamp>,
    ) -> String {
        let quiet = Sink::detached(sink.clock());
        let started = tokio::time::Instant::now();
        let mut last: Option<ExecutionState> = None;
        while started.elapsed() < FOLLOW_FOR {
            tokio::time::sleep(self.follow_every).await;
            let history = match self.executions(&quiet, config, resource, std::slice::from_ref(rule)).await {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(error = %e, "following a remediation");
                    continue;
                }
            };
            // Only an execution invoked after the one that was there counts.
            let Some(latest) = history.first().filter(|x| before.is_none() || x.invoked_at > before) else {
                continue;
            };
            if last != Some(latest.state) {
                last = Some(latest.state);
                let detail = latest.steps.iter().find_map(|s| s.error.as_deref()).map(str::to_string);
                let state = WriteState::Accepted { execution: Some(latest.state), detail: detail.clone() };
                if !sink.answer(Answer::Write { write: write.clone(), at: sink.now(), state }).await {
                    return "not followed: vigil closed".into();
                }
                match latest.state {
                    ExecutionState::Succeeded => return "SUCCEEDED".into(),
                    ExecutionState::Failed => return format!("FAILED: {}", detail.unwrap_or_default()),
                    _ => {}
                }
            }
        }
        format!("still {} after {} minutes", last.map_or("QUEUED".into(), |s| s.to_string()), FOLLOW_FOR.as_secs() / 60)
    }

    async fn set_workflow(
        &self,
        sink: &Sink,
        finding: &str,
        product_arn: &str,
        status: crate::model::WorkflowStatus,
        note: &str,
    ) -> (WriteState, Option<String>) {
        let quiet = Sink::detached(sink.clock());
        let caller = self.caller(&quiet, SourceKind::SecurityHub);
        let identifier = AwsSecurityFindingIdentifier::builder().id(finding).product_arn(product_arn).build();
        let note = (!note.is_empty()).then(|| NoteUpdate::builder().text(note).updated_by("vigil").build());
        let workflow = WorkflowUpdate::builder().status(status.as_str().into()).build();
        let result = caller
            .call("securityhub:BatchUpdateFindings", &self.hub_limit, || {
                self.hub
                    .batch_update_findings()
                    .finding_identifiers(identifier.clone())
                    .workflow(workflow.clone())
                    .set_note(note.clone())
                    .send()
            })
            .await;
        match result {
            Ok(out) => {
                use aws_sdk_securityhub::operation::RequestId;
                let unprocessed = out
                    .unprocessed_findings()
                    .iter()
                    .map(|u| unprocessed(u.error_code().unwrap_or("?"), u.error_message()))
                    .collect();
                (workflow_outcome(status, unprocessed), out.request_id().map(str::to_string))
            }
            Err(e) => (WriteState::Failed { reason: e.error.to_string() }, None),
        }
    }

    /// BatchUpdateFindingsV2 (authorised as, and named, `securityhub:BatchUpdateFindings`): the
    /// finding by its account, id and product uid, refused before any call where the product's
    /// uid is not known. An unprocessed finding is refused with AWS's code and message, as
    /// BatchUpdateFindings' are.
    async fn set_workflow_v2(&self, sink: &Sink, v2: &WorkflowV2) -> (WriteState, Option<String>) {
        let identifier = match v2.identifier() {
            Ok(identifier) => identifier,
            Err(reason) => return (WriteState::Failed { reason }, None),
        };
        let quiet = Sink::detached(sink.clock());
        let caller = self.caller(&quiet, SourceKind::SecurityHub);
        let result = caller
            .call(super::securityhub_v2::BATCH_UPDATE_V2_ACTION, &self.hub_limit, || {
                self.hub
                    .batch_update_findings_v2()
                    .finding_identifiers(identifier.clone())
                    .status_id(v2.status_id)
                    .set_comment(v2.comment.clone())
                    .send()
            })
            .await;
        match result {
            Ok(out) => {
                use aws_sdk_securityhub::operation::RequestId;
                let unprocessed = out
                    .unprocessed_findings()
                    .iter()
                    .map(|u| unprocessed(u.error_code().map_or("?", |c| c.as_str()), u.error_message()))
                    .collect();
                (workflow_outcome(v2.status, unprocessed), out.request_id().map(str::to_string))
            }
            Err(e) => (WriteState::Failed { reason: e.error.to_string() }, None),
        }
    }
}

/// Which API a finding looked up was read through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Through {
    /// Security Hub CSPM's GetFindings: GetFindingHistory has its history.
    Cspm,
    /// The new Security Hub's GetFindingsV2: no history is readable.
    V2,
}

/// What a lookup by id found.
enum Found {
    Finding(Box<FindingDetail>),
    /// Only findings that lack what vigil needs (an id, a resource, a severity, a time).
    Unreadable,
    Nothing,
}

/// One unprocessed finding of a workflow change, as its refusal says it: AWS's code and message.
fn unprocessed(code: &str, message: Option<&str>) -> String {
    format!("{code}: {}", message.unwrap_or(""))
}

/// How a workflow change went, once AWS answered: accepted, or refused for its unprocessed
/// findings (BatchUpdateFindings' and BatchUpdateFindingsV2's `UnprocessedFindings`).
fn workflow_outcome(status: crate::model::WorkflowStatus, unprocessed: Vec<String>) -> WriteState {
    if unprocessed.is_empty() {
        WriteState::Accepted { execution: None, detail: Some(format!("workflow {status}")) }
    } else {
        WriteState::Failed { reason: format!("UnprocessedFindings: {}", unprocessed.join("; ")) }
    }
}

/// A workflow change as BatchUpdateFindingsV2 makes it: the finding by its account
/// (`CloudAccountUid`), id (`FindingInfoUid`) and product uid (`MetadataProductUid`, from the
/// product's name and the finding's region, as the reader asks for it), the status as its
/// `StatusId`, the note as its `Comment` (none when empty: the comment is kept).
struct WorkflowV2 {
    account: String,
    finding: String,
    product: String,
    region: String,
    /// `None` where the new Security Hub's uid of the product is not known.
    product_uid: Option<String>,
    status: crate::model::WorkflowStatus,
    status_id: i32,
    comment: Option<String>,
}

impl WorkflowV2 {
    /// The request for a [`Write::SetWorkflow`]; `None` for any other write.
    fn of(write: &Write) -> Option<WorkflowV2> {
        let Write::SetWorkflow { finding, account, region, product, status, note, .. } = write else {
            return None;
        };
        Some(WorkflowV2 {
            account: account.to_string(),
            finding: finding.to_string(),
            product: product.to_string(),
            region: region.to_string(),
            product_uid: super::securityhub_v2::product_uid(product, region),
            status: *status,
            status_id: super::ocsf::status_id(*status),
            comment: (!note.is_empty()).then(|| note.clone()),
        })
    }

    /// The finding's identifier, or why the finding cannot be named (before any call).
    fn identifier(&self) -> Result<OcsfFindingIdentifier> {
        if self.account.is_empty() {
            return Err("BatchUpdateFindingsV2 names a finding by its account, and this finding's is not known".into());
        }
        let Some(uid) = &self.product_uid else {
            let region = if self.region.is_empty() { "an unknown region" } else { &self.region };
            return Err(format!(
                "BatchUpdateFindingsV2 names a finding by its product's uid, and vigil does not know the new \
                 Security Hub's uid of the product {:?} in {region}",
                self.product
            ));
        };
        Ok(OcsfFindingIdentifier::builder()
            .cloud_account_uid(&self.account)
            .finding_info_uid(&self.finding)
            .metadata_product_uid(uid)
            .build())
    }

    /// The request's parameters, as the audit log records them.
    fn parameters(&self) -> serde_json::Value {
        let mut identifier = serde_json::json!({"CloudAccountUid": self.account, "FindingInfoUid": self.finding});
        if let Some(uid) = &self.product_uid {
            identifier["MetadataProductUid"] = serde_json::json!(uid);
        }
        let mut p = serde_json::json!({"FindingIdentifiers": [identifier], "StatusId": self.status_id});
        if let Some(comment) = &self.comment {
            p["Comment"] = serde_json::json!(comment);
        }
        p
    }
}

/// Every page of a paginated call, at most `max`, through [`every_page`]: `take` keeps a page
/// and returns the next token (an empty one ends the list, as AWS sometimes sends it).
async fn pages<O, E, R, F, Fut>(
    caller: &Caller<'_>,
    limit: &RateLimit,
    action: &str,
    max: usize,
    request: F,
    mut take: impl FnMut(O) -> Option<String>,
) -> Result<()>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<O, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    let mut calls = 0;
    let mut read = 0;
    let next = |page| {
        read += 1;
        take(page).filter(|t| !t.is_empty() && read < max)
    };
    every_page(caller, limit, &mut calls, action, request, next).await.map(|_| ()).map_err(|e| e.error.to_string())
}

fn log_audit(audit: &AuditLog, entry: &AuditEntry) {
    if let Err(e) = audit.record(entry) {
        tracing::error!(path = %audit.path().display(), error = %e, "cannot write the audit log");
    }
}

fn equals(value: &str) -> StringFilter {
    StringFilter::builder().value(value).comparison(StringFilterComparison::Equals).build()
}

/// The resource's key for Config's remediation calls, where Config records its type.
fn resource_key(id: &ResourceId) -> Option<ResourceKey> {
    let config_id = id.config_id()?;
    if !config_types::recorded(&id.kind) {
        return None;
    }
    ResourceKey::builder().resource_type(ResourceType::from(&*id.kind)).resource_id(config_id).build().ok()
}

fn history(rule: &Sym, x: &aws_sdk_config::types::RemediationExecutionStatus) -> ExecutionHistory {
    ExecutionHistory {
        rule: rule.clone(),
        state: x.state().and_then(|s| s.as_str().parse().ok()).unwrap_or(ExecutionState::Unknown),
        invoked_at: x.invocation_time().map(timestamp),
        updated_at: x.last_updated_time().map(timestamp),
        steps: x
            .step_details()
            .iter()
            .map(|s| ExecutionStep {
                name: s.name().unwrap_or_default().into(),
                state: s.state().map(|s| s.as_str()).unwrap_or_default().into(),
                error: s.error_message().map(Into::into),
                started_at: s.start_time().map(timestamp),
                stopped_at: s.stop_time().map(timestamp),
            })
            .collect(),
    }
}

/// The finding view's fields of a full ASFF finding.
fn detail(f: &AwsSecurityFinding, finding: Finding) -> FindingDetail {
    let time = |s: Option<&str>| s.and_then(|s| s.parse::<Timestamp>().ok());
    let recommendation = f.remediation().and_then(|r| r.recommendation());
    FindingDetail {
        finding,
        product_arn: f.product_arn().unwrap_or_default().into(),
        product_name: f.product_name().map(Into::into),
        description: f.description().unwrap_or_default().into(),
        types: f.types().iter().map(|t| t.as_str().into()).collect(),
        first_observed: time(f.first_observed_at()),
        last_observed: time(f.last_observed_at()),
        note: f.note().and_then(|n| n.text()).map(Into::into),
        remediation_text: recommendation.and_then(|r| r.text()).map(Into::into),
        remediation_url: recommendation.and_then(|r| r.url()).map(Into::into),
    }
}

/// A configuration item's time, status, and its configuration, tags and supplementary
/// configuration as one JSON value to compare.
fn item_json(item: &aws_sdk_config::types::ConfigurationItem) -> (Timestamp, String, Option<serde_json::Value>) {
    let mut whole = serde_json::Map::new();
    if let Some(c) = item.configuration().and_then(|c| serde_json::from_str(c).ok()) {
        whole.insert("configuration".into(), c);
    }
    if let Some(tags) = item.tags() {
        let tags: serde_json::Map<String, serde_json::Value> =
            tags.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        whole.insert("tags".into(), tags.into());
    }
    if let Some(s) = item.supplementary_configuration() {
        let s: serde_json::Map<String, serde_json::Value> = s
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::from_str(v).unwrap_or(serde_json::Value::String(v.clone()))))
            .collect();
        whole.insert("supplementaryConfiguration".into(), s.into());
    }
    (
        item.configuration_item_capture_time().map(timestamp).unwrap_or(Timestamp::UNIX_EPOCH),
        item.configuration_item_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        Some(serde_json::Value::Object(whole)),
    )
}

/// Configuration items (newest first) with the fields each changed from the one before it; the
/// oldest read only serves to say what the one after it changed, unless it is the first ever.
pub fn timeline_items(raw: Vec<(Timestamp, String, Option<serde_json::Value>)>) -> Vec<ConfigItem> {
    let mut items = Vec::with_capacity(raw.len().min(TIMELINE_ITEMS));
    for (i, (at, status, value)) in raw.iter().enumerate().take(TIMELINE_ITEMS) {
        let changed = match (value, raw.get(i + 1).and_then(|(_, _, v)| v.as_ref())) {
            (Some(now), Some(before)) => {
                let mut paths = Vec::new();
                diff("", now, before, 0, &mut paths);
                paths
            }
            _ => Vec::new(),
        };
        items.push(ConfigItem { captured_at: *at, status: status.as_str().into(), changed });
    }
    items
}

/// The dotted paths, at most three levels deep, where `a` and `b` differ.
fn diff(path: &str, a: &serde_json::Value, b: &serde_json::Value, depth: usize, out: &mut Vec<String>) {
    use serde_json::Value;
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if depth < 3 => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => diff(&p, v, w, depth + 1, out),
                    _ => out.push(p),
                }
            }
        }
        _ => out.push(if path.is_empty() { "(whole)".into() } else { path.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn a_timeline_says_which_fields_changed() {
        let v = |s: &str| Some(serde_json::from_str::<serde_json::Value>(s).unwrap());
        let raw = vec![
            (
                t(3),
                "OK".to_string(),
                v(r#"{"configuration":{"acl":"private","pab":{"block":true}},"tags":{"team":"ml"}}"#),
            ),
            (t(2), "OK".to_string(), v(r#"{"configuration":{"acl":"private","pab":{"block":false}},"tags":{}}"#)),
            (
                t(1),
                "ResourceDiscovered".to_string(),
                v(r#"{"configuration":{"acl":"public","pab":{"block":false}},"tags":{}}"#),
            ),
        ];
        let items = timeline_items(raw);
        assert_eq!(items[0].changed, vec!["configuration.pab.block", "tags.team"]);
        assert_eq!(items[1].changed, vec!["configuration.acl"]);
        assert!(items[2].changed.is_empty(), "the first item changed nothing");
        assert_eq!(&*items[2].status, "ResourceDiscovered");
    }

    #[test]
    fn only_recorded_types_get_a_resource_key() {
        let mut i = Interner::new();
        let bucket = ResourceId::from_config(&mut i, "AWS::S3::Bucket", "b", "1", "us-east-1");
        let key = resource_key(&bucket).unwrap();
        assert_eq!(key.resource_id(), "b");
        let notebook = ResourceId::from_config(&mut i, "AWS::SageMaker::NotebookInstance", "nb", "1", "us-east-1");
        assert!(resource_key(&notebook).is_none(), "Config does not record notebook instances");
    }
}
