//! Security Hub: the enabled standards, and findings. A cold load reads every ACTIVE finding;
//! then each poll reads what changed since the watermark (with an overlap, without the
//! RecordState filter, so that archived findings leave) plus one page of a background pass over
//! the active set, which catches workflow changes that keep `UpdatedAt` and completes within
//! the reconcile window.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, DateFilter, StringFilter, StringFilterComparison,
};

use super::PollerBase;
use super::automation;
use super::limiter::RateLimit;
use super::limits::SECURITY_HUB_PAGE;
use super::poller::{Poll, Polled};
use super::retry::every_page;
use crate::config::HubApi;
use crate::model::{
    AutomationRules, Finding, FindingAggregator, FindingClass, FindingCompliance, HubScope, HubV2, Interner, Part,
    PartSet, RecordState, ResourceId, RuleApi, Severity, Sym, Timestamp, WorkflowStatus,
};
use crate::sources::{Dataset, Payload, Sink, SourceError, SourceKind, Standard};

/// Re-read the enabled standards and the organisation's scope every this many polls.
const STANDARDS_EVERY: u64 = 20;

/// ListMembers' largest page (its model: MaxResults 1 to 50).
const MEMBERS_PAGE: i32 = 50;

/// What only Security Hub's poller needs.
pub struct Settings {
    /// Asks for the organisation's members and finding aggregator.
    pub discover: bool,
    pub get_findings: RateLimit,
    pub other: RateLimit,
    /// A pass over the active set completes at least this often.
    pub reconcile: Duration,
    /// How far before the watermark incremental polls look.
    pub overlap: Duration,
    /// Which API the findings are read through (`[securityhub] api`).
    pub api: HubApi,
    /// Whether the automation rules are read (`[securityhub] automation_rules`).
    pub automation_rules: bool,
}

/// The API a page of findings is read through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Api {
    /// Security Hub CSPM's GetFindings.
    #[default]
    Cspm,
    /// The new Security Hub's GetFindingsV2.
    V2,
}

/// What a page of findings is asked for: the active set (a pass), or what changed since a time
/// (to a day past `now`, for clocks that run ahead).
#[derive(Clone, Copy)]
enum Wanted {
    Active,
    Changed { since: Timestamp, now: Timestamp },
}

/// The background pass over the active set (through each API read, one after the other).
#[derive(Default)]
struct Pass {
    /// The API the pass is going through now.
    api: Api,
    token: Option<String>,
    started_at: Option<Timestamp>,
    seen: Vec<Sym>,
    pages: u32,
    /// Malformed findings the pass met.
    skipped: u64,
}

pub struct SecurityHubPoller {
    client: Client,
    base: PollerBase,
    s: Settings,
    interner: Interner,
    /// When the last successful poll began: the next one asks for what changed since (less the
    /// overlap). The poll's own clock, not the newest `UpdatedAt`: a burst of updates long ago
    /// (Security Hub re-checking every control at once) is then not read again on every poll.
    watermark: Option<Timestamp>,
    pass: Pass,
    /// Pages the last complete pass took, to spread the next one over the window.
    last_pass_pages: u32,
    polls: u64,
    /// The account of the snapshot a warm start began from: checked against STS's before the
    /// first read, which starts cold when they differ.
    warm_account: Option<String>,
    /// Pages of the background pass the next poll reads, where not its share of the window: one
    /// on the first poll after a warm start, so that catching up costs what changed and a page.
    next_pass_pages: Option<u32>,
    /// The new Security Hub's reader, unless `[securityhub] api = "cspm"`.
    v2: Option<super::securityhub_v2::FindingsV2Reader>,
    /// Whether the new Security Hub was on when last asked.
    v2_on: Option<bool>,
    /// GetFindings (or GetFindingsV2) calls made, for the benchmark's count of calls per poll.
    pub get_findings_calls: u64,
    /// Other Security Hub calls made.
    pub other_calls: u64,
}

impl SecurityHubPoller {
    pub fn new(client: Client, base: PollerBase, s: Settings) -> Self {
        debug_assert_eq!(base.kind, SourceKind::SecurityHub, "the base of another source");
        // The new API's calls are authorised as GetFindings, and paced by its limiter.
        let v2 = (s.api != HubApi::Cspm)
            .then(|| super::securityhub_v2::FindingsV2Reader::new(client.clone(), s.get_findings.clone()));
        SecurityHubPoller {
            v2,
            v2_on: None,
            client,
            base,
            s,
            interner: Interner::repeated_only(),
            watermark: None,
            pass: Pass::default(),
            last_pass_pages: 1,
            polls: 0,
            warm_account: None,
            next_pass_pages: None,
            get_findings_calls: 0,
            other_calls: 0,
        }
    }

    /// GetFindings' rate limit and the other calls', shared with whoever else calls them.
    pub fn limits(&self) -> (RateLimit, RateLimit) {
        (self.s.get_findings.clone(), self.s.other.clone())
    }

    pub async fn standards(&mut self, sink: &Sink) -> Result<Vec<Standard>, SourceError> {
        let SecurityHubPoller { client, base, s, other_calls, .. } = self;
        let caller = base.caller(sink);
        let mut out = Vec::new();
        every_page(
            &caller,
            &s.other,
            other_calls,
            "securityhub:GetEnabledStandards",
            |token| client.get_enabled_standards().set_next_token(token).max_results(SECURITY_HUB_PAGE).send(),
            |page| {
                for sub in page.standards_subscriptions() {
                    let Some(arn) = sub.standards_arn() else { continue };
                    let status = sub.standards_status().map(|s| s.as_str()).unwrap_or_default();
                    out.push(Standard {
                        arn: arn.to_string(),
                        name: Standard::short_name(arn),
                        enabled: matches!(status, "READY" | "PENDING" | "INCOMPLETE"),
                    });
                }
                page.next_token().map(str::to_string)
            },
        )
        .await?;
        Ok(out)
    }

    /// One page of findings, converted as it arrives (the SDK's values are large): through
    /// GetFindingsV2 where the new Security Hub is read, else GetFindings.
    async fn page(
        &mut self,
        sink: &Sink,
        api: Api,
        wanted: Wanted,
        token: Option<String>,
    ) -> Result<(Vec<Finding>, u64, Option<String>), SourceError> {
        self.get_findings_calls += 1;
        if api == Api::V2 {
            if self.v2_on == Some(false) {
                return Err(SourceError::Failed {
                    message: format!(
                        "the new Security Hub is not on in this account and region; [securityhub] api = \"{}\" \
                         reads nothing through it until it is (\"auto\" reads Security Hub CSPM's alone then)",
                        if self.s.api == HubApi::Both { "both" } else { "v2" }
                    ),
                });
            }
            let reader = self.v2.as_mut().expect("a reader wherever the new API is read");
            let (since, now) = match wanted {
                Wanted::Active => (None, sink.now()),
                Wanted::Changed { since, now } => (Some(since), now),
            };
            let filters =
                super::securityhub_v2::filters(&super::securityhub_v2::FindingScope::everything(), since, now);
            let page = reader.page(&self.base.caller(sink), &filters, token).await?;
            let findings = page.findings.into_iter().map(|f| f.finding).collect();
            return Ok((findings, page.skipped, page.next));
        }
        let filters = match wanted {
            Wanted::Active => active(),
            Wanted::Changed { since, now } => AwsSecurityFindingFilters::builder()
                .updated_at(
                    DateFilter::builder()
                        .start(iso(since))
                        .end(iso(now + jiff::SignedDuration::from_hours(24)))
                        .build(),
                )
                .build(),
        };
        let out = self
            .base
            .caller(sink)
            .call("securityhub:GetFindings", &self.s.get_findings, || {
                self.client
                    .get_findings()
                    .filters(filters.clone())
                    .max_results(SECURITY_HUB_PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let mut findings = Vec::with_capacity(out.findings().len());
        let mut skipped = 0;
        for f in out.findings() {
            match convert(f, &mut self.interner) {
                Some(f) => findings.push(f),
                None => skipped += 1,
            }
        }
        Ok((findings, skipped, out.next_token().map(str::to_string)))
    }

    /// Whether the findings are read through `api`: `auto` reads the new API where it is on.
    fn reads(&self, api: Api) -> bool {
        match (self.s.api, api) {
            (HubApi::Cspm, a) => a == Api::Cspm,
            (HubApi::V2, a) => a == Api::V2,
            (HubApi::Both, _) | (HubApi::Auto, Api::Cspm) => true,
            (HubApi::Auto, Api::V2) => self.v2_on == Some(true),
        }
    }

    /// The APIs the findings are read through, in the order a pass goes through them.
    fn apis(&self) -> Vec<Api> {
        [Api::Cspm, Api::V2].into_iter().filter(|a| self.reads(*a)).collect()
    }

    /// Whether the new Security Hub is on, where its API is read or `auto` asks; `None` where
    /// it is not asked about or the question failed (logged: the findings are read all the same).
    async fn hub_v2_payload(&mut self, sink: &Sink) -> Option<Payload> {
        if self.s.api == HubApi::Cspm {
            return None;
        }
        self.other_calls += 1;
        let caller = self.base.caller(sink);
        match super::securityhub_v2::detect(&self.client, &caller, &self.s.other).await {
            Ok(hub) => {
                self.v2_on = Some(hub.is_some());
                let hub_v2 = HubV2 { on: hub.is_some(), read: self.reads(Api::V2), cspm: self.reads(Api::Cspm) };
                Some(Payload::Merge(Dataset { hub_v2: Some(hub_v2), ..Default::default() }))
            }
            Err(e) => {
                tracing::warn!(error = %e, "DescribeSecurityHubV2 failed; findings are read all the same");
                None
            }
        }
    }

    /// The enabled standards, as a payload: read, or marked unread. No control's status rests
    /// on them (they name what the header shows), so their failure is not the source's: the
    /// findings are read all the same.
    async fn standards_payload(&mut self, sink: &Sink) -> Payload {
        match self.standards(sink).await {
            Ok(standards) => {
                Payload::Merge(Dataset { standards, fresh: PartSet::of(&[Part::Standards]), ..Default::default() })
            }
            Err(e) => {
                tracing::warn!(error = %e, "GetEnabledStandards failed; findings are read all the same");
                Payload::Merge(Dataset::not_read(&[Part::Standards], &e))
            }
        }
    }

    /// What Security Hub says of the organisation: the members the caller administers, and this
    /// region's finding aggregator. `None` when it could not be asked (logged): the scope stays
    /// as last read, and no finding is affected. A caller that is not an administrator has no
    /// members.
    async fn scope(&mut self, sink: &Sink) -> Option<HubScope> {
        let SecurityHubPoller { client, base, s, other_calls, .. } = self;
        let caller = base.caller(sink);
        let mut members = Vec::new();
        let listed = every_page(
            &caller,
            &s.other,
            other_calls,
            "securityhub:ListMembers",
            |token| client.list_members().only_associated(true).max_results(MEMBERS_PAGE).set_next_token(token).send(),
            |page| {
                members.extend(page.members().iter().filter_map(|m| m.account_id().map(str::to_string)));
                page.next_token().map(str::to_string)
            },
        )
        .await;
        let mut arns = Vec::new();
        let aggregators = every_page(
            &caller,
            &s.other,
            other_calls,
            "securityhub:ListFindingAggregators",
            |token| client.list_finding_aggregators().set_next_token(token).send(),
            |page| {
                arns.extend(
                    page.finding_aggregators().iter().filter_map(|a| a.finding_aggregator_arn().map(str::to_string)),
                );
                page.next_token().map(str::to_string)
            },
        )
        .await;
        if let Err(e) = listed.map_err(SourceError::from).and(aggregators.map_err(SourceError::from)) {
            tracing::warn!(error = %e, "Security Hub's members or finding aggregators could not be read");
            return None;
        }
        // One aggregator per account at most (Security Hub's limit).
        let aggregator = match arns.first() {
            Some(arn) => {
                *other_calls += 1;
                let got = caller
                    .call("securityhub:GetFindingAggregator", &s.other, || {
                        client.get_finding_aggregator().finding_aggregator_arn(arn).send()
                    })
                    .await;
                match got {
                    Ok(a) => Some(FindingAggregator {
                        arn: arn.clone(),
                        home_region: a.finding_aggregation_region().unwrap_or_default().to_string(),
                        linking_mode: a.region_linking_mode().unwrap_or_default().to_string(),
                        regions: a.regions().to_vec(),
                    }),
                    Err(e) => {
                        tracing::warn!(error = %SourceError::from(e), "GetFindingAggregator failed");
                        return None;
                    }
                }
            }
            None => None,
        };
        Some(HubScope { members, aggregator })
    }

    /// The automation rules of each service whose findings are read, as a payload; a service
    /// whose rules could not be read (a role without `securityhub:ListAutomationRules`, say)
    /// keeps its last rules, logged: no finding's data rests on them.
    async fn rules_payload(&mut self, sink: &Sink) -> Option<Payload> {
        if !self.s.automation_rules {
            return None;
        }
        let apis = self.apis();
        let SecurityHubPoller { client, base, s, other_calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let mut read = AutomationRules::default();
        for api in apis {
            let (rule_api, got) = match api {
                Api::Cspm => (RuleApi::Cspm, automation::read_cspm(client, &caller, &s.other, other_calls).await),
                Api::V2 => (RuleApi::V2, automation::read_v2(client, &caller, &s.other, other_calls).await),
            };
            match got {
                Ok(rules) => {
                    read.apis.push(rule_api);
                    read.rules.extend(rules);
                }
                Err(e) => {
                    tracing::warn!(error = %e, api = rule_api.name(), "automation rules not read; the last ones kept")
                }
            }
        }
        (!read.apis.is_empty()).then(|| Payload::Merge(Dataset { automation_rules: Some(read), ..Default::default() }))
    }

    /// The enabled standards, whether the new Security Hub is on, the automation rules and the
    /// organisation's scope, as payloads.
    async fn standing_payloads(&mut self, sink: &Sink) -> Vec<Payload> {
        let mut payloads = vec![self.standards_payload(sink).await];
        payloads.extend(self.hub_v2_payload(sink).await);
        payloads.extend(self.rules_payload(sink).await);
        if !self.s.discover {
            return payloads;
        }
        if let Some(scope) = self.scope(sink).await {
            payloads.push(Payload::Merge(Dataset { hub_scope: Some(scope), ..Default::default() }));
        }
        payloads
    }

    /// The next page of the pass over the active set (begun at `started` if none is under way):
    /// its findings, how far the pass has come, and the sweep that ends it after its last page.
    /// A page that fails is asked for again next time.
    async fn pass_page(&mut self, sink: &Sink, started: Timestamp) -> Result<PassPage, SourceError> {
        let apis = self.apis();
        // An API no longer read (`auto`, the new Security Hub turned off): the pass starts over.
        if self.pass.started_at.is_some() && !apis.contains(&self.pass.api) {
            self.pass = Pass::default();
        }
        if self.pass.started_at.is_none() {
            let api = apis.first().copied().unwrap_or_default();
            self.pass = Pass { api, started_at: Some(started), ..Pass::default() };
        }
        let token = self.pass.token.clone();
        let api = self.pass.api;
        let (findings, skipped, next) = self.page(sink, api, Wanted::Active, token).await?;
        self.pass.pages += 1;
        self.pass.skipped += skipped;
        self.pass.seen.extend(findings.iter().map(|f| f.id.clone()));
        let last_of_api = next.is_none();
        self.pass.token = next;
        // Through both APIs, the pass goes on through the next one's active set before it ends:
        // its sweep removes only what neither has.
        let then = apis.iter().skip_while(|a| **a != api).nth(1).copied();
        if last_of_api && let Some(then) = then {
            self.pass.api = then;
        }
        let (pages, items) = (self.pass.pages, self.pass.seen.len() as u64);
        let sweep = if last_of_api && then.is_none() {
            let pass = std::mem::take(&mut self.pass);
            self.last_pass_pages = pass.pages.max(1);
            let started_at = pass.started_at.expect("a pass that ran has a start");
            Some(Payload::Sweep { seen: pass.seen, started_at, skipped: pass.skipped })
        } else {
            None
        };
        // The first load counts its skips as it goes; later passes say theirs in the sweep, as
        // the polls between them re-read the same malformed findings.
        let skipped = if self.watermark.is_none() { skipped } else { 0 };
        Ok(PassPage { data: Dataset { findings, skipped, ..Default::default() }, pages, items, sweep })
    }

    /// The new Security Hub's counts, sent at once, where its findings are read: a cold load of
    /// 100,000 findings takes minutes, its counts one call. A failure is logged and costs nothing
    /// else (the findings are read all the same).
    async fn send_counts(&mut self, sink: &Sink) {
        if !self.reads(Api::V2) {
            return;
        }
        // The findings are read whole (the store binds them to controls): so are they counted.
        let scope = super::securityhub_v2::FindingScope::everything();
        self.get_findings_calls += 1;
        let caller = self.base.caller(sink);
        let now = sink.now();
        match super::securityhub_v2::counts(&self.client, &caller, &self.s.get_findings, &scope, now).await {
            Ok(counts) => {
                let data = Dataset { hub_counts: Some(counts), ..Default::default() };
                let event = crate::sources::SourceEvent {
                    source: SourceKind::SecurityHub,
                    fetched_at: now,
                    result: Ok(Payload::Merge(data)),
                };
                sink.send(event).await;
            }
            Err(e) => tracing::warn!(error = %e, "GetFindingStatisticsV2 failed; the findings are read all the same"),
        }
    }

    /// Every ACTIVE finding, page by page, then a sweep of what is no longer there. What was
    /// read before a failure is kept, the findings are marked not read in full, and the next
    /// poll goes on from the page that failed (a cold load of 100,000 findings takes minutes at
    /// AWS's rate: a throttle near the end must not start it over).
    pub async fn cold_load(&mut self, sink: &Sink) -> Polled {
        let mut payloads = self.standing_payloads(sink).await;
        if self.watermark.is_none() && self.pass.started_at.is_none() {
            self.send_counts(sink).await;
        }
        let started = self.pass.started_at.unwrap_or_else(|| sink.now());
        loop {
            let page = match self.pass_page(sink, started).await {
                Ok(page) => page,
                Err(e) => return findings_not_read(payloads, e),
            };
            // Each page shows at once (and a long load keeps little in memory).
            let event = crate::sources::SourceEvent {
                source: SourceKind::SecurityHub,
                fetched_at: sink.now(),
                result: Ok(Payload::Merge(page.data)),
            };
            sink.send(event).await;
            super::progress(sink, SourceKind::SecurityHub, page.pages, page.items, self.s.get_findings.current()).await;
            if let Some(sweep) = page.sweep {
                // Later polls look for changes since the load began, not since it ended.
                self.watermark = Some(started);
                payloads.extend([sweep, findings_read()]);
                return Polled { payloads, error: None };
            }
        }
    }

    /// What changed since the watermark, and the next page(s) of the background pass.
    pub async fn incremental(&mut self, sink: &Sink) -> Polled {
        let now = sink.now();
        let mut payloads = Vec::new();
        if self.polls.is_multiple_of(STANDARDS_EVERY) {
            payloads.extend(self.standing_payloads(sink).await);
        }
        let since = self.watermark.unwrap_or(now) - jiff::SignedDuration::try_from(self.s.overlap).unwrap_or_default();
        let changed = Wanted::Changed { since, now };
        for api in self.apis() {
            let mut token = None;
            loop {
                // Malformed findings are counted by the pass that meets them (see `pass_page`).
                let (findings, _, next) = match self.page(sink, api, changed, token).await {
                    Ok(page) => page,
                    Err(e) => return findings_not_read(payloads, e),
                };
                payloads.push(Payload::Merge(Dataset { findings, ..Default::default() }));
                token = next;
                if token.is_none() {
                    break;
                }
            }
        }
        // The background pass: enough pages per poll to finish within the window.
        let polls_per_window = (self.s.reconcile.as_secs_f64() / self.base.interval.as_secs_f64().max(1.0)).max(1.0);
        let share = (f64::from(self.last_pass_pages) / polls_per_window).ceil().max(1.0) as u32;
        let pages_per_poll = self.next_pass_pages.take().unwrap_or(share);
        for _ in 0..pages_per_poll {
            let page = match self.pass_page(sink, now).await {
                Ok(page) => page,
                Err(e) => return findings_not_read(payloads, e),
            };
            payloads.push(Payload::Merge(page.data));
            if let Some(sweep) = page.sweep {
                payloads.push(sweep);
                break;
            }
        }
        payloads.push(findings_read());
        Polled { payloads, error: None }
    }
}

/// One page of a pass over the active set.
struct PassPage {
    data: Dataset,
    /// Pages and findings the pass has read so far.
    pages: u32,
    items: u64,
    /// After the last page: the sweep of what the pass did not see.
    sweep: Option<Payload>,
}

/// The findings were read in full.
fn findings_read() -> Payload {
    Payload::Merge(Dataset { fresh: PartSet::of(&[Part::Findings]), ..Default::default() })
}

/// A poll that could not read the findings in full: what it read, then that.
fn findings_not_read(mut payloads: Vec<Payload>, error: SourceError) -> Polled {
    payloads.push(Payload::Merge(Dataset::not_read(&[Part::Findings], &error)));
    Polled::partial(payloads, error)
}

impl SecurityHubPoller {
    /// Starts warm from a snapshot that held `findings` findings, the newest updated at
    /// `watermark`: the first poll reads what changed since (less the overlap) instead of
    /// every finding, and the background pass re-reads the rest over its window (a workflow
    /// change made through BatchUpdateFindings does not move `UpdatedAt`).
    pub fn warm(&mut self, watermark: Timestamp, findings: u64, account: Option<String>) {
        self.warm_account = account;
        self.watermark = Some(watermark);
        self.polls = 1;
        self.last_pass_pages = u32::try_from(findings.div_ceil(100)).unwrap_or(u32::MAX).max(1);
        self.next_pass_pages = Some(1);
    }
}

impl Poll for SecurityHubPoller {
    fn base(&self) -> &PollerBase {
        &self.base
    }

    async fn poll(&mut self, sink: &Sink) -> Polled {
        self.base.resolve_scope().await;
        let started = sink.now();
        // A snapshot of another account would hide every finding it does not hold.
        if let Some(theirs) = self.warm_account.take()
            && !self.base.scope.account.is_empty()
            && theirs != self.base.scope.account
        {
            self.polls = 0;
            self.watermark = None;
        }
        if self.polls == 0 {
            let polled = self.cold_load(sink).await;
            if polled.error.is_none() {
                self.polls += 1;
            }
            return polled;
        }
        let polled = self.incremental(sink).await;
        if polled.error.is_none() {
            self.polls += 1;
            self.watermark = Some(started);
        }
        polled
    }
}

fn active() -> AwsSecurityFindingFilters {
    AwsSecurityFindingFilters::builder()
        .record_state(StringFilter::builder().value("ACTIVE").comparison(StringFilterComparison::Equals).build())
        .build()
}

/// A time as Security Hub's filters take it (ISO 8601, milliseconds, UTC).
pub(super) fn iso(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A finding as vigil keeps it; `None` when it lacks what vigil needs (an id, a resource, a
/// severity, a time): skipped and counted.
pub fn convert(f: &AwsSecurityFinding, interner: &mut Interner) -> Option<Finding> {
    let id = f.id().filter(|id| !id.is_empty())?;
    let updated_at = f.updated_at()?.parse::<Timestamp>().ok()?;
    let severity = severity(f)?;
    let account = f.aws_account_id().unwrap_or_default();
    // `Region` may be absent (as in AWS's own GetFindings example): the product's ARN, then the
    // finding's, says where it was generated.
    fn arn_region(arn: Option<&str>) -> Option<&str> {
        arn.and_then(|a| a.split(':').nth(3)).filter(|r| !r.is_empty())
    }
    let region =
        f.region().or_else(|| arn_region(f.product_arn())).or_else(|| arn_region(Some(id))).unwrap_or_default();
    let resources: Vec<ResourceId> = f
        .resources()
        .iter()
        .filter_map(|r| {
            let (kind, rid) = (r.r#type()?, r.id()?);
            let region = r.region().unwrap_or(region);
            Some(ResourceId::from_security_hub(interner, kind, rid, account, region))
        })
        .collect();
    if resources.is_empty() {
        return None;
    }
    let fields: Option<&HashMap<String, String>> = f.product_fields();
    let field = |k: &str| fields.and_then(|m| m.get(k)).map(String::as_str).filter(|v| !v.is_empty());
    let control_id = f
        .compliance()
        .and_then(|c| c.security_control_id())
        .filter(|c| !c.is_empty())
        .or_else(|| field("ControlId"))
        .or_else(|| f.generator_id().and_then(control_from_generator));
    let related_rule = match field("RelatedAWSResources:0/type") {
        Some("AWS::Config::ConfigRule") => field("RelatedAWSResources:0/name"),
        _ => None,
    };
    let product = f
        .product_name()
        .filter(|p| !p.is_empty())
        .or_else(|| field("aws/securityhub/ProductName"))
        .or_else(|| f.product_arn().and_then(|a| a.rsplit('/').next()))
        .unwrap_or("unknown");
    let workflow = f
        .workflow()
        .and_then(|w| w.status())
        .and_then(|s| s.as_str().parse::<WorkflowStatus>().ok())
        .or_else(|| {
            f.workflow_state().map(|s| match s.as_str() {
                "RESOLVED" | "DEFERRED" => WorkflowStatus::Resolved,
                _ => WorkflowStatus::New,
            })
        })
        .unwrap_or(WorkflowStatus::New);
    let compliance = f.compliance().and_then(|c| c.status()).and_then(|s| s.as_str().parse::<FindingCompliance>().ok());
    Some(Finding {
        id: interner.id(id),
        product: interner.intern(product),
        control_id: control_id.map(|c| interner.intern(c)),
        related_rule: related_rule.map(|r| interner.intern(r)),
        title: interner.intern(f.title().unwrap_or_default()),
        severity,
        workflow,
        record_state: f.record_state().and_then(|s| s.as_str().parse().ok()).unwrap_or(RecordState::Active),
        compliance,
        resources: resources.into(),
        account: interner.intern(account),
        region: interner.intern(region),
        updated_at: updated_at.into(),
        // ASFF requires CreatedAt; FirstObservedAt is optional.
        first_observed: [f.first_observed_at(), f.created_at()]
            .into_iter()
            .flatten()
            .find_map(|t| t.parse::<Timestamp>().ok())
            .map(Into::into),
        class: FindingClass::of_asff(product, compliance.is_some()),
    })
}

/// `security-control/SageMaker.1` or `aws-foundational-security-best-practices/v/1.0.0/SageMaker.1`.
pub(super) fn control_from_generator(generator: &str) -> Option<&str> {
    let last = generator.rsplit('/').next()?;
    let (service, number) = last.split_once('.')?;
    (!service.is_empty()
        && service.chars().all(|c| c.is_ascii_alphanumeric())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit()))
    .then_some(last)
}

/// The label, else the normalized score (as Security Hub maps it), else the provider's label.
fn severity(f: &AwsSecurityFinding) -> Option<Severity> {
    let s = f.severity();
    if let Some(label) = s.and_then(|s| s.label()).and_then(|l| l.as_str().parse().ok()) {
        return Some(label);
    }
    if let Some(n) = s.and_then(|s| s.normalized()) {
        return Some(match n {
            i32::MIN..=0 => Severity::Informational,
            1..=39 => Severity::Low,
            40..=69 => Severity::Medium,
            70..=89 => Severity::High,
            _ => Severity::Critical,
        });
    }
    f.finding_provider_fields().and_then(|p| p.severity()).and_then(|s| s.label()).and_then(|l| l.as_str().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_securityhub::types::{Compliance, ComplianceStatus, Resource, SeverityLabel, Workflow};

    fn finding() -> aws_sdk_securityhub::types::builders::AwsSecurityFindingBuilder {
        AwsSecurityFinding::builder()
            .id("arn:aws:securityhub:us-east-1:123456789012:subscription/x/finding/1")
            .product_arn("arn:aws:securityhub:us-east-1::product/aws/securityhub")
            .generator_id("aws-foundational-security-best-practices/v/1.0.0/SageMaker.1")
            .aws_account_id("123456789012")
            .region("us-east-1")
            .updated_at("2026-11-26T12:00:00.000Z")
            .title("SageMaker.1 notebook instances should not have direct internet access")
            .severity(aws_sdk_securityhub::types::Severity::builder().label(SeverityLabel::High).build())
            .resources(
                Resource::builder()
                    .r#type("AwsSageMakerNotebookInstance")
                    .id("arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb")
                    .build(),
            )
    }

    #[test]
    fn control_ids_come_from_any_of_their_places() {
        let mut i = Interner::new();
        let f = convert(&finding().build(), &mut i).unwrap();
        assert_eq!(f.control_id.as_deref(), Some("SageMaker.1"), "from the GeneratorId");
        let f = convert(
            &finding()
                .generator_id("security-control/SageMaker.2")
                .compliance(
                    Compliance::builder().security_control_id("SageMaker.3").status(ComplianceStatus::Failed).build(),
                )
                .build(),
            &mut i,
        )
        .unwrap();
        assert_eq!(f.control_id.as_deref(), Some("SageMaker.3"), "SecurityControlId first");
        assert_eq!(f.compliance, Some(FindingCompliance::Failed));
        let f = convert(
            &finding()
                .generator_id("arn:aws:guardduty:x")
                .product_fields("ControlId", "CloudTrail.2")
                .product_fields("RelatedAWSResources:0/name", "securityhub-cloud-trail-encryption-enabled-fe95bf3f")
                .product_fields("RelatedAWSResources:0/type", "AWS::Config::ConfigRule")
                .build(),
            &mut i,
        )
        .unwrap();
        assert_eq!(f.control_id.as_deref(), Some("CloudTrail.2"));
        assert_eq!(f.related_rule.as_deref(), Some("securityhub-cloud-trail-encryption-enabled-fe95bf3f"));
        assert_eq!(&*f.product, "securityhub", "the product ARN's name when ProductName is absent");
        assert_eq!(f.workflow, WorkflowStatus::New);
        let f = convert(&finding().workflow(Workflow::builder().status("SUPPRESSED".into()).build()).build(), &mut i)
            .unwrap();
        assert_eq!(f.workflow, WorkflowStatus::Suppressed);
    }

    #[test]
    fn first_observed_is_first_observed_at_else_created_at() {
        let mut i = Interner::new();
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let both = finding().created_at("2026-11-20T08:00:00.000Z").first_observed_at("2026-11-19T07:00:00Z");
        assert_eq!(convert(&both.build(), &mut i).unwrap().first_observed, Some(t("2026-11-19T07:00:00Z").into()));
        let created = finding().created_at("2026-11-20T08:00:00.000Z").first_observed_at("not a time");
        assert_eq!(convert(&created.build(), &mut i).unwrap().first_observed, Some(t("2026-11-20T08:00:00Z").into()));
        assert_eq!(convert(&finding().build(), &mut i).unwrap().first_observed, None, "neither given");
    }

    #[test]
    fn findings_without_what_vigil_needs_are_skipped() {
        let mut i = Interner::new();
        assert!(convert(&finding().id("").build(), &mut i).is_none(), "empty id");
        assert!(convert(&finding().set_resources(Some(vec![])).build(), &mut i).is_none(), "no resource");
        assert!(convert(&finding().set_severity(None).build(), &mut i).is_none(), "no severity");
        assert!(convert(&finding().updated_at("yesterday").build(), &mut i).is_none(), "no usable time");
        let normalized =
            finding().severity(aws_sdk_securityhub::types::Severity::builder().normalized(95).build()).build();
        assert_eq!(convert(&normalized, &mut i).unwrap().severity, Severity::Critical);
    }
}
