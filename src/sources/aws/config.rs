//! AWS Config: rules, their compliance, the NON_COMPLIANT resources of each rule, evaluation
//! errors, remediation configurations and executions, read in full on every poll.

use std::collections::{HashMap, HashSet};

use aws_sdk_config::Client;
use aws_sdk_config::types::{ComplianceType, RemediationExecutionState};
use futures_util::StreamExt;

use super::error::CallError;
use super::limiter::RateLimit;
use super::limits::{
    AGGREGATE_COMPLIANCE_LIMIT, AGGREGATE_DETAILS_LIMIT, COMPLIANCE_DETAILS_LIMIT, COMPLIANCE_DETAILS_RULE_NAME,
    CONFIG_RULE_NAMES, REMEDIATION_EXECUTIONS_LIMIT, SELECT_EXPRESSION, SELECT_LIMIT,
};
use super::members::{MEMBERS_AT_ONCE, Members, Places};
use super::poller::{Poll, Polled};
use super::retry::{Caller, every_page};
use super::{PollerBase, timestamp};
use crate::model::PlaceRead;
use crate::model::{
    CappedCount, ConfigAggregator, ConfigCompliance, ConfigRule, Evaluation, ExecutionState, Interner, Part, PartSet,
    RemediationConfig, RemediationExecution, ResourceId, Timestamp,
};
use crate::sources::{Dataset, Payload, Sink, SourceError, SourceKind, Unread};

/// What a poll reads after the rule list, and what it could not.
#[derive(Default)]
struct Parts {
    summaries: HashMap<String, (Option<ConfigCompliance>, Option<CappedCount>)>,
    evaluations: Vec<Evaluation>,
    complete: HashSet<String>,
    errors: HashMap<String, String>,
    remediation_configs: Vec<RemediationConfig>,
    executions: Vec<RemediationExecution>,
    /// Per rule, the parts of its data not read.
    unread: HashMap<String, PartSet>,
    /// Each part not read in full, with the first error that kept it from being read.
    failures: Vec<Unread>,
    /// The failure the source reports: the first call that failed (a limit of AWS's model,
    /// such as a rule name too long to ask about, is not one).
    error: Option<SourceError>,
    /// Expired credentials: no later call can succeed.
    stopped: Option<SourceError>,
    /// How each other account's and region's read went.
    places: Vec<PlaceRead>,
}

impl Parts {
    /// A part that failed other than rule by rule (an aggregated rule's details): the poll's
    /// error, and why the part is not whole.
    fn failed(&mut self, part: Part, error: &SourceError) {
        if !self.failures.iter().any(|u| u.part == part) {
            self.failures.push(Unread { part, error: error.clone() });
        }
        self.noted(error);
    }

    /// A failure that leaves the part whole elsewhere (one member's remediation): the poll's
    /// error; the rules it concerns say they were not read.
    fn noted(&mut self, error: &SourceError) {
        self.error.get_or_insert_with(|| error.clone());
        if matches!(error, SourceError::ExpiredCredentials { .. }) {
            self.stopped = Some(error.clone());
        }
    }

    /// Whether the rule's compliance, as read, is NON_COMPLIANT (it has details to read).
    fn noncompliant(&self, rule: &str) -> bool {
        self.summaries.get(rule).and_then(|s| s.0) == Some(ConfigCompliance::NonCompliant)
    }

    /// Marks `part` (and the parts that depend on it) unread for `rules`, because of `error`.
    fn unread(&mut self, part: Part, rules: &[String], error: &SourceError, counts_as_failure: bool) {
        let mut parts = vec![part];
        match part {
            Part::Compliance => parts.push(Part::ComplianceDetails),
            Part::RemediationConfigs => parts.push(Part::RemediationExecutions),
            _ => {}
        }
        for p in parts {
            for rule in rules {
                self.unread.entry(rule.clone()).or_default().insert(p);
            }
            if !rules.is_empty() && !self.failures.iter().any(|u| u.part == p) {
                self.failures.push(Unread { part: p, error: error.clone() });
            }
        }
        if counts_as_failure && self.error.is_none() {
            self.error = Some(error.clone());
        }
        if matches!(error, SourceError::ExpiredCredentials { .. }) {
            self.stopped = Some(error.clone());
        }
    }
}

pub struct ConfigPoller {
    pub client: Client,
    pub base: PollerBase,
    pub limit: RateLimit,
    interner: Interner,
    loaded: bool,
    /// Calls made, for the benchmark's count of calls per poll.
    pub calls: u64,
    /// Asks for the account's Config aggregators (the organisation's scope).
    pub discover: bool,
    polls: u64,
    /// Reads compliance through this aggregator (`--config-aggregator`), whatever discovery finds.
    pub aggregator: Option<String>,
    /// The organisation aggregator discovery found: read through when none is named.
    discovered: Option<String>,
    /// How many rules' details an aggregated poll reads at most; `None` reads them all (a
    /// report). The others keep their last details, or a capped count.
    pub details_budget: Option<usize>,
    /// When each aggregated rule's details were last read (the poll's number), and its capped
    /// count then: changed and never-read rules are read first.
    details_read: HashMap<Placed, (u64, Option<CappedCount>)>,
    /// The member accounts' roles (`--member-role`): each other account's and region's
    /// remediation is read there. Without it, only the caller's own.
    pub members: Option<Members>,
    /// Where the aggregator found rules, told to the pollers that read in member accounts.
    pub places: Places,
    /// The calls the last aggregated poll made at this account's Config rate other than for
    /// details: they come first in the next poll's time.
    other_calls: u64,
    /// This account's rules whose names GetComplianceDetailsByConfigRule refused for their
    /// length: read through the ResourceCompliance query from then on.
    long_route: HashSet<String>,
    /// Other accounts' rules whose names their GetComplianceDetailsByConfigRule refused for
    /// their length: read through the aggregator (which takes 128) from then on.
    members_long_route: HashSet<Placed>,
    /// The poll at which AWS last refused the advanced query as not authorised (a role whose
    /// policy predates it): rule by rule until the aggregators are next re-read, without
    /// calling the source unauthorised for a route it does not need.
    query_refused_at: Option<u64>,
}

/// How many rules' details a dashboard's aggregated poll reads at most: an organisation has
/// thousands of non-compliant (rule, account, region)s, and Config's calls are few a second.
pub const AGGREGATE_DETAILS_PER_POLL: usize = 100;
/// The fewest it reads, however little of the poll's time the other calls leave.
pub const MIN_DETAILS_PER_POLL: usize = 10;

/// A rule as an aggregator names it: a name is unique only within one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Placed {
    name: String,
    account: String,
    region: String,
}

fn placed_at(name: &str, account: &str, region: &str) -> Placed {
    Placed { name: name.into(), account: account.into(), region: region.into() }
}

/// What an aggregator says of one rule in one account and region.
#[derive(Debug, Clone)]
struct AggregateRule {
    place: Placed,
    compliance: Option<ConfigCompliance>,
    capped: Option<CappedCount>,
}

/// The details an aggregated poll read: evaluations, the rules read in full, and per rule
/// what was not read.
#[derive(Default)]
struct AggregateDetails {
    evaluations: Vec<Evaluation>,
    complete: HashSet<Placed>,
    unread: HashMap<Placed, PartSet>,
}

/// Re-read the aggregators every this many polls.
const AGGREGATORS_EVERY: u64 = 20;

impl ConfigPoller {
    pub fn new(client: Client, base: PollerBase, limit: RateLimit) -> Self {
        debug_assert_eq!(base.kind, SourceKind::Config, "the base of another source");
        ConfigPoller {
            client,
            base,
            limit,
            interner: Interner::new(),
            loaded: false,
            calls: 0,
            discover: false,
            polls: 0,
            aggregator: None,
            discovered: None,
            details_budget: None,
            details_read: HashMap::new(),
            other_calls: 0,
            members: None,
            places: Places::default(),
            long_route: HashSet::new(),
            members_long_route: HashSet::new(),
            query_refused_at: None,
        }
    }

    /// The account's Config aggregators; `None` when they could not be read (logged): the held
    /// list stays, and no rule is affected.
    async fn aggregators(&mut self, sink: &Sink) -> Option<Vec<ConfigAggregator>> {
        let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let mut out = Vec::new();
        let read = every_page(
            &caller,
            limit,
            calls,
            "config:DescribeConfigurationAggregators",
            |token| client.describe_configuration_aggregators().set_next_token(token).send(),
            |page| {
                for a in page.configuration_aggregators() {
                    let org = a.organization_aggregation_source();
                    let sources = a.account_aggregation_sources();
                    out.push(ConfigAggregator {
                        name: a.configuration_aggregator_name().unwrap_or_default().to_string(),
                        arn: a.configuration_aggregator_arn().unwrap_or_default().to_string(),
                        organization: org.is_some(),
                        accounts: sources.iter().flat_map(|s| s.account_ids().iter().cloned()).collect(),
                        all_regions: org
                            .map_or_else(|| sources.iter().any(|s| s.all_aws_regions()), |o| o.all_aws_regions()),
                        regions: org.map_or_else(
                            || sources.iter().flat_map(|s| s.aws_regions().iter().cloned()).collect(),
                            |o| o.aws_regions().to_vec(),
                        ),
                    });
                }
                page.next_token().map(str::to_string)
            },
        )
        .await;
        match read {
            Ok(_) => Some(out),
            Err(e) => {
                tracing::warn!(error = %e.error, "Config's aggregators could not be read");
                None
            }
        }
    }

    /// Reads everything it can. Without the rule list there is nothing to show; after it, each
    /// part that cannot be read is marked so (its evidence stays unknown) and the others are
    /// read all the same. The error is the first call that failed.
    pub async fn fetch(&mut self, sink: &Sink) -> Result<(Dataset, Option<SourceError>), SourceError> {
        let now = sink.now();
        let rules = self.rules(sink).await.map_err(|e| e.error)?;
        self.progress(sink, rules.len() as u64).await;
        let names: Vec<String> = rules.iter().map(|(n, _)| n.clone()).collect();
        let mut parts = Parts::default();
        self.read_parts(sink, &names, &mut parts, now).await;
        self.loaded = true;
        let error = parts.error.clone();
        Ok((self.assemble(rules, parts, now), error))
    }

    async fn progress(&self, sink: &Sink, items: u64) {
        self.base.first_load_progress(self.loaded, sink, self.calls, items, self.limit.current()).await;
    }

    /// Every rule, with its managed source identifier.
    async fn rules(&mut self, sink: &Sink) -> Result<Vec<(String, Option<String>)>, CallError> {
        let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let mut rules = Vec::new();
        let mut arn_account = None;
        let read = every_page(
            &caller,
            limit,
            calls,
            "config:DescribeConfigRules",
            |token| client.describe_config_rules().set_next_token(token).send(),
            |page| {
                for r in page.config_rules() {
                    if arn_account.is_none() {
                        arn_account =
                            r.config_rule_arn().and_then(crate::policy::context::arn_account).map(String::from);
                    }
                    if let Some(name) = r.config_rule_name() {
                        let source = r.source().and_then(|s| s.source_identifier()).map(str::to_string);
                        rules.push((name.to_string(), source));
                    }
                }
                page.next_token().map(str::to_string)
            },
        )
        .await;
        // Without STS, the rules' ARNs say which account this is (from the pages read, even
        // when a later one failed).
        if let Some(account) = arn_account
            && self.base.scope.account.is_empty()
        {
            self.base.scope.account = account;
        }
        read?;
        Ok(rules)
    }

    /// Compliance, details, evaluation errors and remediation, into `parts` as they are read;
    /// a part whose call fails is marked unread for the rules it did not reach, and the next
    /// part is read all the same (unless the credentials expired).
    async fn read_parts(&mut self, sink: &Sink, names: &[String], parts: &mut Parts, now: Timestamp) {
        // Compliance summaries, 25 names a call.
        for (k, chunk) in names.chunks(CONFIG_RULE_NAMES).enumerate() {
            let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
            let caller = base.caller(sink);
            let read = every_page(
                &caller,
                limit,
                calls,
                "config:DescribeComplianceByConfigRule",
                |token| {
                    client
                        .describe_compliance_by_config_rule()
                        .set_config_rule_names(Some(chunk.to_vec()))
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    for c in page.compliance_by_config_rules() {
                        let Some(name) = c.config_rule_name() else { continue };
                        let compliance = c.compliance().and_then(|c| c.compliance_type()).and_then(compliance);
                        let capped = c.compliance().and_then(|c| c.compliance_contributor_count()).map(|n| {
                            CappedCount { count: n.capped_count().max(0) as u32, cap_exceeded: n.cap_exceeded() }
                        });
                        parts.summaries.insert(name.to_string(), (compliance, capped));
                    }
                    page.next_token().map(str::to_string)
                },
            )
            .await;
            if let Err(e) = read {
                parts.unread(Part::Compliance, &names[k * CONFIG_RULE_NAMES..], &e.error, true);
                break;
            }
        }
        self.progress(sink, names.len() as u64).await;
        if self.stop(names, parts, Part::Compliance) {
            return;
        }

        // The NON_COMPLIANT resources of each non-compliant rule.
        let noncompliant: Vec<String> = names.iter().filter(|n| parts.noncompliant(n)).cloned().collect();
        self.read_details(sink, &noncompliant, parts).await;
        if self.stop(names, parts, Part::ComplianceDetails) {
            return;
        }
        self.read_local(sink, names, parts, now).await;
    }

    /// What only the rules' own account and region can say, aggregator or not: evaluation
    /// errors, remediation configurations and their executions.
    async fn read_local(&mut self, sink: &Sink, names: &[String], parts: &mut Parts, now: Timestamp) {
        // Evaluation errors, 25 names a call.
        for (k, chunk) in names.chunks(CONFIG_RULE_NAMES).enumerate() {
            let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
            let caller = base.caller(sink);
            let read = every_page(
                &caller,
                limit,
                calls,
                "config:DescribeConfigRuleEvaluationStatus",
                |token| {
                    client
                        .describe_config_rule_evaluation_status()
                        .set_config_rule_names(Some(chunk.to_vec()))
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    for s in page.config_rules_evaluation_status() {
                        let (Some(name), Some(code)) = (s.config_rule_name(), s.last_error_code()) else { continue };
                        // An error counts while the last failure is newer than the last success.
                        let failing = match (s.last_failed_evaluation_time(), s.last_successful_evaluation_time()) {
                            (Some(f), Some(ok)) => timestamp(f) > timestamp(ok),
                            _ => true,
                        };
                        if failing && !code.is_empty() {
                            let message = s.last_error_message().unwrap_or_default();
                            parts.errors.insert(name.to_string(), format!("{code}: {message}"));
                        }
                    }
                    page.next_token().map(str::to_string)
                },
            )
            .await;
            if let Err(e) = read {
                parts.unread(Part::EvaluationStatus, &names[k * CONFIG_RULE_NAMES..], &e.error, true);
                break;
            }
        }
        if self.stop(names, parts, Part::EvaluationStatus) {
            return;
        }

        let ConfigPoller { client, base, limit, interner, calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let place = Place { client, limit, account: &base.scope.account, region: &base.scope.region };
        let read = read_remediation(place, &caller, calls, interner, names, now).await;
        parts.remediation_configs.extend(read.configs);
        parts.executions.extend(read.executions);
        for (part, rules, error) in read.failed {
            parts.unread(part, &rules, &error, true);
        }
    }

    /// After expired credentials nothing more can be read: every part after `after` is unread.
    fn stop(&self, names: &[String], parts: &mut Parts, after: Part) -> bool {
        let Some(e) = parts.stopped.clone() else { return false };
        let later: &[Part] = match after {
            Part::Compliance => &[Part::ComplianceDetails, Part::EvaluationStatus, Part::RemediationConfigs],
            Part::ComplianceDetails => &[Part::EvaluationStatus, Part::RemediationConfigs],
            Part::EvaluationStatus => &[Part::RemediationConfigs],
            _ => &[],
        };
        for &part in later {
            let rules: Vec<String> = match part {
                // Only non-compliant rules have details to read.
                Part::ComplianceDetails => {
                    names.iter().filter(|n| parts.noncompliant(n) && !parts.complete.contains(*n)).cloned().collect()
                }
                _ => names.to_vec(),
            };
            parts.unread(part, &rules, &e, false);
        }
        true
    }

    fn assemble(&mut self, rules: Vec<(String, Option<String>)>, parts: Parts, now: Timestamp) -> Dataset {
        let account = self.interner.intern(&self.base.scope.account);
        let region = self.interner.intern(&self.base.scope.region);
        let rules = rules
            .into_iter()
            .map(|(name, source)| {
                let (compliance, noncompliant) = parts.summaries.get(&name).cloned().unwrap_or((None, None));
                let unread = parts.unread.get(&name).copied().unwrap_or_default();
                ConfigRule {
                    source_identifier: source.map(|s| self.interner.intern(&s)),
                    compliance,
                    noncompliant,
                    details_complete: parts.complete.contains(&name)
                        || compliance.is_some_and(|c| c != ConfigCompliance::NonCompliant),
                    evaluation_error: parts.errors.get(&name).map(|e| e.as_str().into()),
                    unread,
                    account: account.clone(),
                    region: region.clone(),
                    observed_at: now,
                    name: self.interner.intern(&name),
                }
            })
            .collect();
        Dataset {
            rules,
            evaluations: parts.evaluations,
            remediation_configs: parts.remediation_configs,
            executions: parts.executions,
            unread: parts.failures,
            ..Default::default()
        }
    }

    /// The NON_COMPLIANT resources of this account's non-compliant rules: through the advanced
    /// query over the account's ResourceCompliance items where one query costs fewer calls than
    /// asking rule by rule, else rule by rule (GetComplianceDetailsByConfigRule, every page);
    /// a rule whose name that call refused for its length is read through the query, now and on
    /// later polls. Each rule the query reads is cross-checked against the count
    /// DescribeComplianceByConfigRule gave; one it does not account for (an account that does not
    /// record ResourceCompliance) is read rule by rule, where its name can be sent.
    async fn read_details(&mut self, sink: &Sink, noncompliant: &[String], parts: &mut Parts) {
        if noncompliant.is_empty() {
            return;
        }
        let counts: Vec<(String, Option<CappedCount>)> =
            noncompliant.iter().map(|n| (n.clone(), parts.summaries.get(n).and_then(|s| s.1))).collect();
        let whole = self.may_query() && query_saves_calls(&counts, &self.long_route);
        let (mut by_query, by_rule): (Vec<String>, Vec<String>) = if whole {
            (noncompliant.to_vec(), Vec::new())
        } else {
            noncompliant.iter().cloned().partition(|n| self.long_route.contains(n))
        };
        self.rule_by_rule(sink, &by_rule, parts, &mut by_query).await;
        if by_query.is_empty() || parts.stopped.is_some() {
            return;
        }
        let found = self.query_own(sink, if whole { None } else { Some(&by_query) }).await;
        let (account, region) = (self.base.scope.account.clone(), self.base.scope.region.clone());
        let mut again = Vec::new();
        let mut unaccounted = Vec::new();
        match found {
            Ok(found) => {
                for name in by_query {
                    let key = Placed { name: name.clone(), account: String::new(), region: String::new() };
                    let rows = found.get(&key).map_or(&[][..], Vec::as_slice);
                    let capped = parts.summaries.get(&name).and_then(|s| s.1);
                    if agrees(rows.len(), capped) {
                        let rule = self.interner.intern(&name);
                        for (kind, id, at) in rows {
                            let place = (account.as_str(), region.as_str());
                            parts.evaluations.push(queried(&mut self.interner, &rule, (kind, id), place, *at));
                        }
                        parts.complete.insert(name);
                    } else if self.long_route.contains(&name) {
                        unaccounted.push(name);
                    } else {
                        tracing::info!(rule = %name, found = rows.len(), ?capped,
                            "the ResourceCompliance query does not account for the rule's count: read rule by rule");
                        again.push(name);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.error, "the ResourceCompliance query failed: rules read one by one");
                let (long, short): (Vec<String>, Vec<String>) =
                    by_query.into_iter().partition(|n| self.long_route.contains(n));
                if !long.is_empty() {
                    parts.unread(Part::ComplianceDetails, &long, &e.error, true);
                }
                self.query_failed(&e.error, parts);
                again = short;
            }
        }
        let mut refused = Vec::new();
        self.rule_by_rule(sink, &again, parts, &mut refused).await;
        unaccounted.extend(refused);
        if !unaccounted.is_empty() {
            let why = SourceError::Failed {
                message: format!(
                    "{} non-compliant rules have names longer than the {COMPLIANCE_DETAILS_RULE_NAME} characters \
                     GetComplianceDetailsByConfigRule takes, and Config's ResourceCompliance items do not account \
                     for their resources (is AWS::Config::ResourceCompliance recorded?): their counts stay capped",
                    unaccounted.len()
                ),
            };
            parts.unread(Part::ComplianceDetails, &unaccounted, &why, false);
        }
    }

    /// Every page of each rule's NON_COMPLIANT evaluations, one rule after the other. A name
    /// refused for its length goes to `refused`, and the route through the query is kept for
    /// it; any other failure leaves that rule and the rest unread.
    async fn rule_by_rule(&mut self, sink: &Sink, rules: &[String], parts: &mut Parts, refused: &mut Vec<String>) {
        for (k, name) in rules.iter().enumerate() {
            let before = parts.evaluations.len();
            match self.details(sink, name, &mut parts.evaluations).await {
                Ok(_) => {
                    parts.complete.insert(name.clone());
                }
                Err(e) if refused_for_length(&e, name) => {
                    parts.evaluations.truncate(before);
                    tracing::info!(rule = %name, error = %e.error,
                        "the rule's name was refused for its length: read through the ResourceCompliance query");
                    self.long_route.insert(name.clone());
                    refused.push(name.clone());
                }
                Err(e) => {
                    tracing::warn!(rule = %name, error = %e.error, "details not read; counts stay capped");
                    parts.unread(Part::ComplianceDetails, &rules[k..], &e.error, true);
                    break;
                }
            }
            self.progress(sink, parts.evaluations.len() as u64).await;
        }
    }

    /// Every page of the advanced query over this account's ResourceCompliance items: the
    /// NON_COMPLIANT resources of `rules` (of every rule: `None`), by rule name.
    async fn query_own(&mut self, sink: &Sink, rules: Option<&[String]>) -> Result<Found, CallError> {
        let mut found = Found::new();
        for expression in compliance_queries(rules.unwrap_or_default()) {
            let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
            let caller = base.caller(sink);
            every_page(
                &caller,
                limit,
                calls,
                "config:SelectResourceConfig",
                |token| {
                    client
                        .select_resource_config()
                        .expression(&expression)
                        .limit(SELECT_LIMIT)
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    for row in page.results() {
                        take_row(row, false, &mut found);
                    }
                    page.next_token().map(str::to_string)
                },
            )
            .await?;
        }
        Ok(found)
    }

    /// Whether the advanced query may be tried this poll: not while a refusal as unauthorised
    /// is recent (it is tried again when the aggregators are re-read).
    fn may_query(&self) -> bool {
        self.query_refused_at.is_none_or(|at| self.polls.saturating_sub(at) >= AGGREGATORS_EVERY)
    }

    /// The single account's query failed: the rules are read one by one instead, so only expired
    /// credentials (no later call can succeed) are the poll's error; a refusal as unauthorised
    /// is remembered, so as not to ask again every poll.
    fn query_failed(&mut self, error: &SourceError, parts: &mut Parts) {
        match error {
            SourceError::ExpiredCredentials { .. } => parts.noted(error),
            SourceError::Unauthorized { .. } => self.query_refused_at = Some(self.polls),
            _ => {}
        }
    }

    /// Every page of one rule's NON_COMPLIANT evaluations.
    async fn details(&mut self, sink: &Sink, rule: &str, out: &mut Vec<Evaluation>) -> Result<u32, CallError> {
        let ConfigPoller { client, base, limit, interner, calls, .. } = self;
        let caller = base.caller(sink);
        let place = Place { client, limit, account: &base.scope.account, region: &base.scope.region };
        rule_details(&place, &caller, calls, interner, rule, out).await
    }
}

/// Reading through an aggregator: every account's and region's rule compliance and
/// non-compliant resources from the aggregator, and from the caller's own account what no
/// aggregator carries (managed identifiers, evaluation errors, remediation).
impl ConfigPoller {
    /// The aggregator to read through, if any: the one named, else the one discovered.
    fn through(&self) -> Option<String> {
        self.aggregator.clone().or_else(|| self.discovered.clone())
    }

    pub async fn fetch_through(
        &mut self,
        sink: &Sink,
        aggregator: &str,
    ) -> Result<(Dataset, Option<SourceError>), SourceError> {
        let now = sink.now();
        let start = self.calls;
        let placed = self.aggregate_compliance(sink, aggregator).await.map_err(|e| e.error)?;
        self.places.set(placed.iter().map(|a| (a.place.account.clone(), a.place.region.clone())).collect());
        self.progress(sink, placed.len() as u64).await;
        let mut parts = Parts::default();
        let own = match self.rules(sink).await {
            Ok(rules) => rules,
            Err(e) => {
                // The aggregator's rules still count; those of this account and region bind by
                // name and lack what only the account says.
                tracing::warn!(error = %e.error, "this account's own rules could not be read");
                let home: Vec<String> =
                    placed.iter().filter(|a| self.is_home(&a.place)).map(|a| a.place.name.clone()).collect();
                for part in [Part::EvaluationStatus, Part::RemediationConfigs] {
                    parts.unread(part, &home, &e.error, true);
                }
                Vec::new()
            }
        };
        // Every rule's non-compliant resources at once through the advanced query, where it
        // saves calls; then, one (rule, account, region) at a time, those it does not account for.
        let mut details = AggregateDetails::default();
        let (found, query_error) = match self.query_through(sink, aggregator, &placed).await {
            Ok(found) => (found, None),
            Err(e) => (None, Some(e.error)),
        };
        let due = self.cross_check(&placed, found, &mut details);
        // With member roles, another account's or region's tuples are read there, at its own
        // rate: the administrator's rate is the organisation's bottleneck. What cannot be read
        // there (no role, a refusal) falls back to the aggregator.
        let (mut here, there): (Vec<_>, Vec<_>) = due.into_iter().partition(|a| {
            self.members.is_none() || self.is_home(&a.place) || self.members_long_route.contains(&a.place)
        });
        let before_members = self.calls;
        let (remediated, left) = self.read_members(sink, &placed, &mut parts, &mut details, there, now).await;
        let member_calls = self.calls - before_members;
        here.extend(left);
        let before_details = self.calls;
        self.aggregate_details(sink, aggregator, &placed, here, &mut details, &mut parts).await;
        let details_calls = self.calls - before_details;
        // Without the query every rule's details were asked for one by one: its failure is the
        // poll's only where some were left unread (a dashboard's poll reads a share of them).
        if let Some(e) = query_error
            && !details.unread.is_empty()
        {
            parts.noted(&e);
        }
        let names: Vec<String> = own.iter().map(|(n, _)| n.clone()).collect();
        if !self.stop(&names, &mut parts, Part::ComplianceDetails) {
            self.read_local(sink, &names, &mut parts, now).await;
        }
        // The members' calls go to their own limiters: not counted against this one.
        self.other_calls = (self.calls - start).saturating_sub(details_calls + member_calls);
        self.loaded = true;
        let error = parts.error.clone();
        Ok((self.assemble_through(own, placed, parts, details, &remediated, now), error))
    }

    /// In every other account and region, through the member role: its rules' remediation, and
    /// the details of its rules in `due`. A role that cannot be assumed leaves that account's
    /// remediation unread and is the poll's error; the other accounts go on. The places read,
    /// and the rules of `due` left for the aggregator.
    async fn read_members<'a>(
        &mut self,
        sink: &Sink,
        placed: &[AggregateRule],
        parts: &mut Parts,
        details: &mut AggregateDetails,
        due: Vec<&'a AggregateRule>,
        now: Timestamp,
    ) -> (HashSet<(String, String)>, Vec<&'a AggregateRule>) {
        let mut read = HashSet::new();
        let mut by_place: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
        for a in placed.iter().filter(|a| !self.is_home(&a.place)) {
            by_place.entry((a.place.account.clone(), a.place.region.clone())).or_default().push(a.place.name.clone());
        }
        let mut due_at: HashMap<(String, String), Vec<&'a AggregateRule>> = HashMap::new();
        for a in &due {
            due_at.entry((a.place.account.clone(), a.place.region.clone())).or_default().push(*a);
        }
        let due_by_place: HashMap<&Placed, &'a AggregateRule> = due.iter().map(|a| (&a.place, *a)).collect();
        let mut left: Vec<&'a AggregateRule> = Vec::new();
        let polls = self.polls;
        let ConfigPoller { base, members, calls, details_read, members_long_route: long_route, .. } = &mut *self;
        let Some(members) = members.as_mut() else { return (read, due) };
        let caller = base.caller(sink);
        let own_account = base.scope.account.clone();
        // The clients first, one account at a time (one AssumeRole each; an account whose role
        // could not be assumed is not asked again in its other regions); then the reads,
        // several places at once, each within its own account's and region's rate limit.
        let mut refused: HashMap<String, SourceError> = HashMap::new();
        let mut reachable = Vec::new();
        for ((account, region), names) in by_place {
            let place_due = due_at.remove(&(account.clone(), region.clone())).unwrap_or_default();
            let unreached = parts.stopped.clone().or_else(|| refused.get(&account).cloned());
            if let Some(error) = unreached {
                left.extend(place_due);
                parts.places.push(PlaceRead { account, region, error: Some(error) });
                continue;
            }
            let own = account == own_account;
            match members.config(&caller, &account, &region, own).await {
                Ok((client, limit)) => {
                    let due: Vec<String> = place_due.iter().map(|a| a.place.name.clone()).collect();
                    reachable.push(((account, region), names, due, client, limit))
                }
                Err(error) => {
                    tracing::warn!(%account, %error, "member role not assumed: its remediation stays unknown");
                    left.extend(place_due);
                    parts.noted(&error);
                    parts.places.push(PlaceRead { account: account.clone(), region, error: Some(error.clone()) });
                    refused.insert(account, error);
                }
            }
        }
        let caller = &caller;
        let reads =
            futures_util::stream::iter(reachable.into_iter().map(|(at, names, place_due, client, limit)| async move {
                let (mut n, mut strings) = (0, Interner::new());
                let place = Place { client: &client, limit: &limit, account: &at.0, region: &at.1 };
                let got = read_remediation(place, caller, &mut n, &mut strings, &names, now).await;
                let found = read_place_details(&place, caller, &mut n, &mut strings, &place_due).await;
                (at, n, got, found)
            }));
        let mut reads: Vec<_> = reads.buffer_unordered(MEMBERS_AT_ONCE).collect().await;
        reads.sort_by(|a, b| a.0.cmp(&b.0));
        for ((account, region), n, got, found) in reads {
            *calls += n;
            let error = got.failed.first().map(|(_, _, e)| e.clone());
            parts.places.push(PlaceRead { account: account.clone(), region: region.clone(), error });
            parts.remediation_configs.extend(got.configs);
            parts.executions.extend(got.executions);
            for (part, rules, error) in got.failed {
                parts.noted(&error);
                for name in rules {
                    let unread =
                        details.unread.entry(Placed { name, account: account.clone(), region: region.clone() });
                    let unread = unread.or_default();
                    unread.insert(part);
                    unread.insert(Part::RemediationExecutions);
                }
            }
            details.evaluations.extend(found.evaluations);
            for name in &found.read {
                let Some(a) = due_by_place.get(&placed_at(name, &account, &region)) else { continue };
                details.complete.insert(a.place.clone());
                details_read.insert(a.place.clone(), (polls, a.capped));
            }
            left.extend(found.left.iter().filter_map(|n| due_by_place.get(&placed_at(n, &account, &region)).copied()));
            long_route.extend(found.too_long.iter().map(|n| placed_at(n, &account, &region)));
            read.insert((account, region));
        }
        parts.places.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
        (read, left)
    }

    /// The details budget for this poll: `share`, lowered so that the poll fits in its
    /// interval at the Config rate allowed now, after the calls the rest of the last poll
    /// made; never under [`MIN_DETAILS_PER_POLL`]. Unlimited rates leave it whole.
    pub fn fitted_budget(&self, share: usize) -> usize {
        let (Some(rate), interval) = (self.limit.current(), self.base.interval) else { return share };
        if rate <= 0.0 || interval.is_zero() {
            return share;
        }
        let room = (rate * interval.as_secs_f64()) as u64;
        let left = usize::try_from(room.saturating_sub(self.other_calls)).unwrap_or(usize::MAX);
        left.clamp(MIN_DETAILS_PER_POLL.min(share), share)
    }

    fn is_home(&self, place: &Placed) -> bool {
        place.account == self.base.scope.account && place.region == self.base.scope.region
    }

    /// Every page of DescribeAggregateComplianceByConfigRules: each rule's compliance in each
    /// account and region.
    async fn aggregate_compliance(&mut self, sink: &Sink, aggregator: &str) -> Result<Vec<AggregateRule>, CallError> {
        let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let mut out = Vec::new();
        every_page(
            &caller,
            limit,
            calls,
            "config:DescribeAggregateComplianceByConfigRules",
            |token| {
                client
                    .describe_aggregate_compliance_by_config_rules()
                    .configuration_aggregator_name(aggregator)
                    .limit(AGGREGATE_COMPLIANCE_LIMIT)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                for c in page.aggregate_compliance_by_config_rules() {
                    let (Some(name), Some(account), Some(region)) =
                        (c.config_rule_name(), c.account_id(), c.aws_region())
                    else {
                        continue;
                    };
                    let compliance = c.compliance().and_then(|c| c.compliance_type()).and_then(compliance);
                    let capped = c
                        .compliance()
                        .and_then(|c| c.compliance_contributor_count())
                        .map(|n| CappedCount { count: n.capped_count().max(0) as u32, cap_exceeded: n.cap_exceeded() });
                    let place = Placed { name: name.into(), account: account.into(), region: region.into() };
                    out.push(AggregateRule { place, compliance, capped });
                }
                page.next_token().map(str::to_string)
            },
        )
        .await?;
        Ok(out)
    }

    /// The advanced query across the aggregator for every NON_COMPLIANT resource of every
    /// account and region, every page; `None` where it would not save calls (a few rules'
    /// details cost fewer). Where it fails, the rules are read one by one, as without it.
    async fn query_through(
        &mut self,
        sink: &Sink,
        aggregator: &str,
        placed: &[AggregateRule],
    ) -> Result<Option<Found>, CallError> {
        let counts: Vec<(String, Option<CappedCount>)> = placed
            .iter()
            .filter(|a| a.compliance == Some(ConfigCompliance::NonCompliant))
            .map(|a| (String::new(), a.capped))
            .collect();
        if counts.is_empty() || !self.may_query() || !query_saves_calls(&counts, &HashSet::new()) {
            return Ok(None);
        }
        let mut found = Found::new();
        let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let expression = compliance_queries(&[]).remove(0);
        let read = every_page(
            &caller,
            limit,
            calls,
            "config:SelectAggregateResourceConfig",
            |token| {
                client
                    .select_aggregate_resource_config()
                    .configuration_aggregator_name(aggregator)
                    .expression(&expression)
                    .limit(SELECT_LIMIT)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                for row in page.results() {
                    take_row(row, true, &mut found);
                }
                page.next_token().map(str::to_string)
            },
        )
        .await;
        self.progress(sink, found.values().map(|v| v.len() as u64).sum()).await;
        match read {
            Ok(_) => Ok(Some(found)),
            Err(e) => {
                tracing::warn!(error = %e.error, "the aggregated ResourceCompliance query failed: rules read one by one");
                if matches!(e.error, SourceError::Unauthorized { .. }) {
                    self.query_refused_at = Some(self.polls);
                }
                Err(e)
            }
        }
    }

    /// The non-compliant rules the query accounts for get their evaluations from its rows, their
    /// details whole: those for which it found as many NON_COMPLIANT resources as
    /// DescribeAggregateComplianceByConfigRules counts (more than the cap, where it was
    /// exceeded). The others (an account that does not record ResourceCompliance, aggregation
    /// lag), or all of them without the query, are returned: due for their own details.
    fn cross_check<'a>(
        &mut self,
        placed: &'a [AggregateRule],
        found: Option<Found>,
        details: &mut AggregateDetails,
    ) -> Vec<&'a AggregateRule> {
        let noncompliant = placed.iter().filter(|a| a.compliance == Some(ConfigCompliance::NonCompliant));
        let Some(found) = found else { return noncompliant.collect() };
        let mut due = Vec::new();
        for a in noncompliant {
            let rows = found.get(&a.place).map_or(&[][..], Vec::as_slice);
            if !agrees(rows.len(), a.capped) {
                due.push(a);
                continue;
            }
            let rule = self.interner.intern(&a.place.name);
            let place = (a.place.account.as_str(), a.place.region.as_str());
            for (kind, id, at) in rows {
                details.evaluations.push(queried(&mut self.interner, &rule, (kind, id), place, *at));
            }
            details.complete.insert(a.place.clone());
            self.details_read.insert(a.place.clone(), (self.polls, a.capped));
        }
        if !due.is_empty() {
            tracing::info!(due = due.len(), "rules the ResourceCompliance query does not account for: read one by one");
        }
        due
    }

    /// The NON_COMPLIANT resources of the rules `due`, every page, within the poll's budget:
    /// rules never read and rules whose count changed first, then those read longest ago.
    async fn aggregate_details(
        &mut self,
        sink: &Sink,
        aggregator: &str,
        placed: &[AggregateRule],
        mut due: Vec<&AggregateRule>,
        details: &mut AggregateDetails,
        parts: &mut Parts,
    ) {
        due.sort_by_key(|a| match self.details_read.get(&a.place) {
            None => (0, 0),
            Some((_, capped)) if *capped != a.capped => (1, 0),
            Some((poll, _)) => (2, *poll),
        });
        let budget = self.details_budget.map_or(usize::MAX, |share| self.fitted_budget(share));
        let mut failed: Option<SourceError> = None;
        for (k, a) in due.iter().enumerate() {
            if k >= budget || failed.is_some() {
                details.unread.entry(a.place.clone()).or_default().insert(Part::ComplianceDetails);
                continue;
            }
            let before = details.evaluations.len();
            match self.placed_details(sink, aggregator, &a.place, &mut details.evaluations).await {
                Ok(_) => {
                    details.complete.insert(a.place.clone());
                    self.details_read.insert(a.place.clone(), (self.polls, a.capped));
                }
                Err(e) => {
                    tracing::warn!(rule = %a.place.name, account = %a.place.account, region = %a.place.region,
                        error = %e.error, "aggregated details not read; counts stay capped");
                    details.evaluations.truncate(before);
                    details.unread.entry(a.place.clone()).or_default().insert(Part::ComplianceDetails);
                    parts.failed(Part::ComplianceDetails, &e.error);
                    failed = Some(e.error);
                }
            }
            self.progress(sink, details.evaluations.len() as u64).await;
        }
        // Forget rules no longer reported, so that the map stays the organisation's size.
        let reported: HashSet<&Placed> = placed.iter().map(|a| &a.place).collect();
        self.details_read.retain(|p, _| reported.contains(p));
    }

    /// Every page of one rule's NON_COMPLIANT evaluations in one account and region.
    async fn placed_details(
        &mut self,
        sink: &Sink,
        aggregator: &str,
        place: &Placed,
        out: &mut Vec<Evaluation>,
    ) -> Result<u32, CallError> {
        let ConfigPoller { client, base, limit, interner, calls, .. } = self;
        let caller = base.caller(sink);
        let rule = interner.intern(&place.name);
        every_page(
            &caller,
            limit,
            calls,
            "config:GetAggregateComplianceDetailsByConfigRule",
            |token| {
                client
                    .get_aggregate_compliance_details_by_config_rule()
                    .configuration_aggregator_name(aggregator)
                    .config_rule_name(&place.name)
                    .account_id(&place.account)
                    .aws_region(&place.region)
                    .compliance_type(ComplianceType::NonCompliant)
                    .limit(AGGREGATE_DETAILS_LIMIT)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                for e in page.aggregate_evaluation_results() {
                    let result = EvaluationRow {
                        identifier: e.evaluation_result_identifier(),
                        compliance: e.compliance_type(),
                        annotation: e.annotation(),
                        recorded: e.result_recorded_time(),
                    };
                    // The rule's place, whatever the result says of its own.
                    out.extend(result.evaluation(interner, &rule, (&place.account, &place.region)));
                }
                page.next_token().map(str::to_string)
            },
        )
        .await
    }

    /// One rule per account and region the aggregator reported. Those of the caller's own
    /// account and region carry what the account said of them; the others' remediation is
    /// unknown (no aggregator carries it).
    fn assemble_through(
        &mut self,
        own: Vec<(String, Option<String>)>,
        placed: Vec<AggregateRule>,
        parts: Parts,
        details: AggregateDetails,
        remediated: &HashSet<(String, String)>,
        now: Timestamp,
    ) -> Dataset {
        let sources: HashMap<&str, Option<&str>> = own.iter().map(|(n, s)| (n.as_str(), s.as_deref())).collect();
        let elsewhere = PartSet::of(&[Part::RemediationConfigs, Part::RemediationExecutions]);
        let rules = placed
            .iter()
            .map(|a| {
                let home = self.is_home(&a.place);
                let name = a.place.name.as_str();
                let mut unread = details.unread.get(&a.place).copied().unwrap_or_default();
                let extra = if home {
                    parts.unread.get(name).copied().unwrap_or_default()
                } else if remediated.contains(&(a.place.account.clone(), a.place.region.clone())) {
                    PartSet::EMPTY
                } else {
                    elsewhere
                };
                for p in extra.iter() {
                    unread.insert(p);
                }
                let source = if home { sources.get(name).copied().flatten() } else { None };
                let error = if home { parts.errors.get(name) } else { None };
                ConfigRule {
                    name: self.interner.intern(name),
                    source_identifier: source.map(|s| self.interner.intern(s)),
                    compliance: a.compliance,
                    noncompliant: a.capped,
                    details_complete: details.complete.contains(&a.place)
                        || a.compliance.is_some_and(|c| c != ConfigCompliance::NonCompliant),
                    evaluation_error: error.map(|e| e.as_str().into()),
                    unread,
                    account: self.interner.intern(&a.place.account),
                    region: self.interner.intern(&a.place.region),
                    observed_at: now,
                }
            })
            .collect();
        Dataset {
            rules,
            evaluations: details.evaluations,
            remediation_configs: parts.remediation_configs,
            executions: parts.executions,
            unread: parts.failures,
            places: parts.places,
            ..Default::default()
        }
    }
}

/// Where a place's own calls go: a client, its rate limiter, and the account and region they reach.
#[derive(Clone, Copy)]
struct Place<'a> {
    client: &'a Client,
    limit: &'a RateLimit,
    account: &'a str,
    region: &'a str,
}

/// What a read of remediation brought, and each part that failed with the rules it left unread.
#[derive(Default)]
struct RemediationRead {
    configs: Vec<RemediationConfig>,
    executions: Vec<RemediationExecution>,
    failed: Vec<(Part, Vec<String>, SourceError)>,
}

/// The remediation configurations of `names` (25 names a call, not paginated) and the
/// executions of each configured rule (every page), in one account and region.
async fn read_remediation(
    place: Place<'_>,
    caller: &Caller<'_>,
    calls: &mut u64,
    interner: &mut Interner,
    names: &[String],
    now: Timestamp,
) -> RemediationRead {
    let mut out = RemediationRead::default();
    let (account, region) = (interner.intern(place.account), interner.intern(place.region));
    for (k, chunk) in names.chunks(CONFIG_RULE_NAMES).enumerate() {
        let read = every_page(
            caller,
            place.limit,
            calls,
            "config:DescribeRemediationConfigurations",
            |_| place.client.describe_remediation_configurations().set_config_rule_names(Some(chunk.to_vec())).send(),
            |page| {
                for rc in page.remediation_configurations() {
                    out.configs.push(RemediationConfig {
                        rule: interner.intern(rc.config_rule_name()),
                        target: interner.intern(rc.target_id()),
                        automatic: rc.automatic(),
                        resource_type: rc.resource_type().map(|t| interner.intern(t)),
                        retry_window: retry_window(rc.maximum_automatic_attempts(), rc.retry_attempt_seconds()),
                        observed_at: now,
                        account: account.clone(),
                        region: region.clone(),
                    });
                }
                None
            },
        )
        .await;
        if let Err(e) = read {
            if matches!(e.error, SourceError::ExpiredCredentials { .. }) {
                // No later call can succeed: the executions of the rules configured so far are
                // unknown too, not none.
                let configured: Vec<String> = out.configs.iter().map(|r| r.rule.to_string()).collect();
                if !configured.is_empty() {
                    out.failed.push((Part::RemediationExecutions, configured, e.error.clone()));
                }
                out.failed.push((Part::RemediationConfigs, names[k * CONFIG_RULE_NAMES..].to_vec(), e.error));
                return out;
            }
            out.failed.push((Part::RemediationConfigs, names[k * CONFIG_RULE_NAMES..].to_vec(), e.error));
            break;
        }
    }
    let configured: Vec<String> = out.configs.iter().map(|r| r.rule.to_string()).collect();
    for (k, rule) in configured.iter().enumerate() {
        let read = every_page(
            caller,
            place.limit,
            calls,
            "config:DescribeRemediationExecutionStatus",
            |token| {
                place
                    .client
                    .describe_remediation_execution_status()
                    .config_rule_name(rule)
                    .limit(REMEDIATION_EXECUTIONS_LIMIT)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                for x in page.remediation_execution_statuses() {
                    let Some(key) = x.resource_key() else { continue };
                    let invoked = x.invocation_time().map(timestamp).unwrap_or(now);
                    let resource = ResourceId::from_config(
                        interner,
                        key.resource_type().as_str(),
                        key.resource_id(),
                        place.account,
                        place.region,
                    );
                    let message = x.step_details().iter().filter_map(|s| s.error_message()).next().map(Into::into);
                    out.executions.push(RemediationExecution {
                        rule: interner.intern(rule),
                        resource,
                        state: execution_state(x.state()),
                        invoked_at: invoked,
                        updated_at: x.last_updated_time().map(timestamp).unwrap_or(invoked),
                        message,
                    });
                }
                page.next_token().map(str::to_string)
            },
        )
        .await;
        if let Err(e) = read {
            out.failed.push((Part::RemediationExecutions, configured[k..].to_vec(), e.error));
            break;
        }
    }
    out
}

/// Every page of one rule's NON_COMPLIANT evaluations in one account and region, through that
/// place's own client (GetComplianceDetailsByConfigRule: its default page is 10).
async fn rule_details(
    place: &Place<'_>,
    caller: &Caller<'_>,
    calls: &mut u64,
    interner: &mut Interner,
    rule: &str,
    out: &mut Vec<Evaluation>,
) -> Result<u32, CallError> {
    let name = interner.intern(rule);
    every_page(
        caller,
        place.limit,
        calls,
        "config:GetComplianceDetailsByConfigRule",
        |token| {
            place
                .client
                .get_compliance_details_by_config_rule()
                .config_rule_name(rule)
                .compliance_types(ComplianceType::NonCompliant)
                .limit(COMPLIANCE_DETAILS_LIMIT)
                .set_next_token(token)
                .send()
        },
        |page| {
            for e in page.evaluation_results() {
                let result = EvaluationRow {
                    identifier: e.evaluation_result_identifier(),
                    compliance: e.compliance_type(),
                    annotation: e.annotation(),
                    recorded: e.result_recorded_time(),
                };
                out.extend(result.evaluation(interner, &name, (place.account, place.region)));
            }
            page.next_token().map(str::to_string)
        },
    )
    .await
}

/// What reading rules' details in one place brought: the evaluations, the rules read whole, and
/// those left for the aggregator to read.
#[derive(Default)]
struct PlaceDetails {
    evaluations: Vec<Evaluation>,
    read: Vec<String>,
    left: Vec<String>,
    /// Of those left, the names AWS refused for their length.
    too_long: Vec<String>,
}

/// The details of the rules `due` in one place, read there, at that place's own rate. Left for
/// the aggregator: from the first rule that failed on, or only a rule whose name AWS refused for
/// its length (the aggregate call takes 128 characters).
async fn read_place_details(
    place: &Place<'_>,
    caller: &Caller<'_>,
    calls: &mut u64,
    interner: &mut Interner,
    due: &[String],
) -> PlaceDetails {
    let mut out = PlaceDetails::default();
    for (k, rule) in due.iter().enumerate() {
        let before = out.evaluations.len();
        match rule_details(place, caller, calls, interner, rule, &mut out.evaluations).await {
            Ok(_) => out.read.push(rule.clone()),
            Err(e) => {
                out.evaluations.truncate(before);
                if refused_for_length(&e, rule) {
                    out.left.push(rule.clone());
                    out.too_long.push(rule.clone());
                    continue;
                }
                tracing::warn!(%rule, account = place.account, region = place.region, error = %e.error,
                    "details not read in the member account: read through the aggregator");
                out.left.extend(due[k..].iter().cloned());
                break;
            }
        }
    }
    out
}

/// How long automatic remediation keeps trying, with AWS's defaults where a value is not set.
fn retry_window(attempts: Option<i32>, seconds: Option<i64>) -> std::time::Duration {
    let attempts = attempts.filter(|a| *a > 0).unwrap_or(5) as u64;
    let seconds = seconds.filter(|s| *s > 0).unwrap_or(60) as u64;
    std::time::Duration::from_secs(attempts.saturating_mul(seconds))
}

/// What Config's advanced query found: by rule (with its account and region through an
/// aggregator; empty for the caller's own), the NON_COMPLIANT resources (type, id) and when
/// their ResourceCompliance items were captured.
type Found = HashMap<Placed, Vec<(String, String, Option<Timestamp>)>>;

/// The properties of a ResourceCompliance item vigil reads.
const COMPLIANCE_FIELDS: &str = "accountId, awsRegion, configurationItemCaptureTime, \
     configuration.targetResourceType, configuration.targetResourceId, configuration.configRuleList";

/// The advanced queries for the NON_COMPLIANT resources of `rules` (of every rule: none named),
/// each within the 4,096 characters an expression may have. The resource's own status narrows
/// the rows; a condition on the rule list's members would not correlate with another one
/// (a resource compliant with rule A and failing B matches `configRuleName = 'A' AND
/// complianceType = 'NON_COMPLIANT'`), so the names only select the resources a rule evaluated,
/// and each rule's verdict is read from the list.
fn compliance_queries(rules: &[String]) -> Vec<String> {
    let base = format!(
        "SELECT {COMPLIANCE_FIELDS} WHERE resourceType = 'AWS::Config::ResourceCompliance' \
         AND configuration.complianceType = 'NON_COMPLIANT'"
    );
    if rules.is_empty() {
        return vec![base];
    }
    let open = format!("{base} AND configuration.configRuleList.configRuleName IN (");
    let mut out = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut length = open.len() + 1;
    for rule in rules {
        let quoted = format!("'{}'", rule.replace('\'', "''"));
        if !names.is_empty() && length + quoted.len() + 2 > SELECT_EXPRESSION {
            out.push(format!("{open}{})", names.join(", ")));
            names.clear();
            length = open.len() + 1;
        }
        length += quoted.len() + 2;
        names.push(quoted);
    }
    out.push(format!("{open}{})", names.join(", ")));
    out
}

/// Adds one row of the query (a ResourceCompliance item, as JSON text) to `found`: a
/// (rule, resource) for each member of its rule list that is NON_COMPLIANT. Through an
/// aggregator (`through`) each is keyed with the row's account and region; a row that does not
/// parse is skipped.
fn take_row(row: &str, through: bool, found: &mut Found) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(row) else {
        tracing::warn!(row, "a ResourceCompliance row that does not parse: skipped");
        return;
    };
    let c = &v["configuration"];
    let (Some(kind), Some(id)) = (c["targetResourceType"].as_str(), c["targetResourceId"].as_str()) else { return };
    let (account, region) = if through {
        (v["accountId"].as_str().unwrap_or_default(), v["awsRegion"].as_str().unwrap_or_default())
    } else {
        ("", "")
    };
    let captured = v["configurationItemCaptureTime"].as_str().and_then(|t| t.parse::<Timestamp>().ok());
    for member in c["configRuleList"].as_array().into_iter().flatten() {
        if member["complianceType"].as_str() != Some("NON_COMPLIANT") {
            continue;
        }
        let Some(name) = member["configRuleName"].as_str() else { continue };
        let key = Placed { name: name.to_string(), account: account.to_string(), region: region.to_string() };
        found.entry(key).or_default().push((kind.to_string(), id.to_string(), captured));
    }
}

/// Whether the query found what the rule's count says: as many NON_COMPLIANT resources, or
/// more than the cap where the count was capped. A rule without a count cannot be checked.
fn agrees(found: usize, capped: Option<CappedCount>) -> bool {
    match capped {
        Some(c) if c.cap_exceeded => found > c.count as usize,
        Some(c) => found == c.count as usize,
        None => false,
    }
}

/// Whether one query for every rule's NON_COMPLIANT resources costs fewer calls than reading
/// the rules one by one: each rule's own pages (100 resources a page, at least two for a
/// capped count) and a query for those read through it already, against the query's pages
/// (100 resources a page at most, however many rules find each one).
fn query_saves_calls(counts: &[(String, Option<CappedCount>)], queried: &HashSet<String>) -> bool {
    let (mut by_rule, mut all, mut long) = (0u64, 0u64, 0u64);
    for (name, capped) in counts {
        let n = capped.map_or(1, |c| u64::from(c.count).max(1) + u64::from(c.cap_exceeded));
        all += n;
        if queried.contains(name) {
            long += n;
        } else {
            by_rule += n.div_ceil(100);
        }
    }
    all.div_ceil(100) < by_rule + long.div_ceil(100)
}

/// Whether AWS refused the rule's name for its length: a ValidationException for a name over the
/// 64 characters GetComplianceDetailsByConfigRule's model allows.
fn refused_for_length(e: &CallError, name: &str) -> bool {
    name.chars().count() > COMPLIANCE_DETAILS_RULE_NAME
        && matches!(&e.error, SourceError::Failed { message } if message.contains("ValidationException"))
}

/// A NON_COMPLIANT evaluation as the query gives it: no annotation (the drill-down reads it when
/// the resource is opened), recorded when its ResourceCompliance item was captured.
fn queried(
    interner: &mut Interner,
    rule: &crate::model::Sym,
    (kind, id): (&str, &str),
    (account, region): (&str, &str),
    captured: Option<Timestamp>,
) -> Evaluation {
    Evaluation {
        rule: rule.clone(),
        resource: ResourceId::from_config(interner, kind, id, account, region),
        compliance: ConfigCompliance::NonCompliant,
        annotation: None,
        recorded_at: captured.unwrap_or(Timestamp::UNIX_EPOCH),
    }
}

/// One evaluation result as both detail calls give it (GetComplianceDetailsByConfigRule and its
/// aggregate form).
struct EvaluationRow<'a> {
    identifier: Option<&'a aws_sdk_config::types::EvaluationResultIdentifier>,
    compliance: Option<&'a ComplianceType>,
    annotation: Option<&'a str>,
    recorded: Option<&'a aws_smithy_types::DateTime>,
}

impl EvaluationRow<'_> {
    /// The evaluation of a rule in its account and region; `None` without a resource type and id.
    fn evaluation(&self, interner: &mut Interner, rule: &crate::model::Sym, place: (&str, &str)) -> Option<Evaluation> {
        let q = self.identifier.and_then(|i| i.evaluation_result_qualifier())?;
        let (Some(kind), Some(id)) = (q.resource_type(), q.resource_id()) else { return None };
        Some(Evaluation {
            rule: rule.clone(),
            resource: ResourceId::from_config(interner, kind, id, place.0, place.1),
            compliance: self.compliance.and_then(compliance).unwrap_or(ConfigCompliance::NonCompliant),
            annotation: self.annotation.map(Into::into),
            recorded_at: self.recorded.map(timestamp).unwrap_or(Timestamp::UNIX_EPOCH),
        })
    }
}

fn compliance(c: &ComplianceType) -> Option<ConfigCompliance> {
    c.as_str().parse().ok()
}

fn execution_state(s: Option<&RemediationExecutionState>) -> ExecutionState {
    s.and_then(|s| s.as_str().parse().ok()).unwrap_or(ExecutionState::Unknown)
}

impl Poll for ConfigPoller {
    fn base(&self) -> &PollerBase {
        &self.base
    }

    async fn poll(&mut self, sink: &Sink) -> Polled {
        self.base.resolve_scope().await;
        let mut first = Vec::new();
        if self.discover
            && self.polls.is_multiple_of(AGGREGATORS_EVERY)
            && let Some(aggregators) = self.aggregators(sink).await
        {
            // An organisation's aggregator covers every account; else the only one there is.
            let organization = aggregators.iter().find(|a| a.organization);
            let only = if aggregators.len() == 1 { aggregators.first() } else { None };
            self.discovered = organization.or(only).map(|a| a.name.clone());
            first.push(Payload::Merge(Dataset { config_aggregators: Some(aggregators), ..Default::default() }));
        }
        self.polls += 1;
        let mut polled = self.poll_rules(sink).await;
        first.append(&mut polled.payloads);
        polled.payloads = first;
        polled
    }
}

impl ConfigPoller {
    /// Rules and everything read through them.
    async fn poll_rules(&mut self, sink: &Sink) -> Polled {
        let fetched = match self.through() {
            Some(aggregator) => self.fetch_through(sink, &aggregator).await,
            None => self.fetch(sink).await,
        };
        // Without an aggregator's places (none, or it could not be read): the members' pollers
        // wait no longer.
        self.places.known_or_none();
        match fetched {
            // What could not be read is marked in the data set: the store keeps its last good
            // value, or shows it unknown.
            Ok((data, error)) => Polled { payloads: vec![Payload::Replace(data)], error },
            // Nothing read: the last good data stays, and every part says why it is not newer.
            Err(e) => {
                let unread = Dataset::not_read(SourceKind::Config.parts(), &e);
                Polled { payloads: vec![Payload::Merge(unread)], error: Some(e) }
            }
        }
    }
}
