//! AWS Config: rules, their compliance, the NON_COMPLIANT resources of each rule, evaluation
//! errors, remediation configurations and executions, read in full on every poll.

use std::collections::{HashMap, HashSet};

use aws_sdk_config::Client;
use aws_sdk_config::types::{ComplianceType, RemediationExecutionState};

use super::error::CallError;
use super::limiter::RateLimit;
use super::poller::{Poll, Polled};
use super::retry::every_page;
use super::{PollerBase, timestamp};
use crate::model::{
    CappedCount, ConfigCompliance, ConfigRule, Evaluation, ExecutionState, Interner, RemediationConfig,
    RemediationExecution, ResourceId, Timestamp,
};
use crate::sources::{Dataset, Payload, Sink, SourceError, SourceKind};

/// What a poll reads after the rule list.
#[derive(Default)]
struct Parts {
    summaries: HashMap<String, (Option<ConfigCompliance>, Option<CappedCount>)>,
    evaluations: Vec<Evaluation>,
    complete: HashSet<String>,
    errors: HashMap<String, String>,
    remediation_configs: Vec<RemediationConfig>,
    executions: Vec<RemediationExecution>,
}

/// Names per DescribeComplianceByConfigRule and DescribeRemediationConfigurations call.
const NAMES_PER_CALL: usize = 25;
/// GetComplianceDetailsByConfigRule's page size (its default is 10).
const DETAILS_PAGE: i32 = 100;

pub struct ConfigPoller {
    pub client: Client,
    pub base: PollerBase,
    pub limit: RateLimit,
    interner: Interner,
    loaded: bool,
    /// Calls made, for the benchmark's count of calls per poll.
    pub calls: u64,
}

impl ConfigPoller {
    pub fn new(client: Client, base: PollerBase, limit: RateLimit) -> Self {
        debug_assert_eq!(base.kind, SourceKind::Config, "the base of another source");
        ConfigPoller { client, base, limit, interner: Interner::new(), loaded: false, calls: 0 }
    }

    /// Reads everything. When a call after the rule list fails, what was read so far comes
    /// with the error (the rules, with what is known of their compliance).
    pub async fn fetch(&mut self, sink: Option<&Sink>) -> Result<Dataset, (Option<Dataset>, SourceError)> {
        let now = sink.map_or_else(Timestamp::now, Sink::now);
        let rules = self.rules(sink).await.map_err(|e| (None, e.error))?;
        self.progress(sink, rules.len() as u64).await;
        let names: Vec<String> = rules.iter().map(|(n, _)| n.clone()).collect();
        let mut parts = Parts::default();
        let outcome = self.read_parts(sink, &names, &mut parts).await;
        let dataset = self.assemble(rules, parts, now);
        self.loaded |= outcome.is_ok();
        match outcome {
            Ok(()) => Ok(dataset),
            Err(e) => Err((Some(dataset), e)),
        }
    }

    async fn progress(&self, sink: Option<&Sink>, items: u64) {
        self.base.first_load_progress(self.loaded, sink, self.calls, items).await;
    }

    /// Every rule, with its managed source identifier.
    async fn rules(&mut self, sink: Option<&Sink>) -> Result<Vec<(String, Option<String>)>, CallError> {
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

    /// Compliance, details, evaluation errors and remediation, into `parts` as they are read.
    async fn read_parts(
        &mut self,
        sink: Option<&Sink>,
        names: &[String],
        parts: &mut Parts,
    ) -> Result<(), SourceError> {
        let now = sink.map_or_else(Timestamp::now, Sink::now);
        {
            let ConfigPoller { client, base, limit, calls, .. } = &mut *self;
            let caller = base.caller(sink);
            // Compliance summaries, 25 names a call.
            for chunk in names.chunks(NAMES_PER_CALL) {
                every_page(
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
                .await?;
            }
        }
        self.progress(sink, names.len() as u64).await;

        // The NON_COMPLIANT resources of each non-compliant rule, every page.
        for name in names {
            if parts.summaries.get(name).and_then(|s| s.0) != Some(ConfigCompliance::NonCompliant) {
                continue;
            }
            match self.details(sink, name, &mut parts.evaluations).await {
                Ok(_) => {
                    parts.complete.insert(name.clone());
                }
                // Throttled or failing details leave the rule with its capped count ("N+").
                Err(CallError {
                    error: e @ (SourceError::Unauthorized { .. } | SourceError::ExpiredCredentials { .. }),
                    ..
                }) => return Err(e),
                Err(e) => tracing::warn!(rule = %name, error = %e.error, "details not read; showing the capped count"),
            }
            self.progress(sink, parts.evaluations.len() as u64).await;
        }

        let ConfigPoller { client, base, limit, interner, calls, .. } = &mut *self;
        let caller = base.caller(sink);
        let scope = &base.scope;
        // Evaluation errors.
        for chunk in names.chunks(50) {
            every_page(
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
            .await?;
        }

        // Remediation configurations, 25 names a call, not paginated.
        for chunk in names.chunks(NAMES_PER_CALL) {
            every_page(
                &caller,
                limit,
                calls,
                "config:DescribeRemediationConfigurations",
                |_| client.describe_remediation_configurations().set_config_rule_names(Some(chunk.to_vec())).send(),
                |page| {
                    for rc in page.remediation_configurations() {
                        parts.remediation_configs.push(RemediationConfig {
                            rule: interner.intern(rc.config_rule_name()),
                            target: interner.intern(rc.target_id()),
                            automatic: rc.automatic(),
                            observed_at: now,
                        });
                    }
                    None
                },
            )
            .await?;
        }

        // Their executions.
        let with_remediation: Vec<String> = parts.remediation_configs.iter().map(|r| r.rule.to_string()).collect();
        for rule in &with_remediation {
            every_page(
                &caller,
                limit,
                calls,
                "config:DescribeRemediationExecutionStatus",
                |token| {
                    client
                        .describe_remediation_execution_status()
                        .config_rule_name(rule)
                        .limit(100)
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
                            &scope.account,
                            &scope.region,
                        );
                        let message = x.step_details().iter().filter_map(|s| s.error_message()).next().map(Into::into);
                        parts.executions.push(RemediationExecution {
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
            .await?;
        }
        Ok(())
    }

    fn assemble(&mut self, rules: Vec<(String, Option<String>)>, parts: Parts, now: Timestamp) -> Dataset {
        let account = self.interner.intern(&self.base.scope.account);
        let region = self.interner.intern(&self.base.scope.region);
        let rules = rules
            .into_iter()
            .map(|(name, source)| {
                let (compliance, noncompliant) = parts.summaries.get(&name).cloned().unwrap_or((None, None));
                ConfigRule {
                    source_identifier: source.map(|s| self.interner.intern(&s)),
                    compliance,
                    noncompliant,
                    details_complete: parts.complete.contains(&name)
                        || compliance.is_some_and(|c| c != ConfigCompliance::NonCompliant),
                    evaluation_error: parts.errors.get(&name).map(|e| e.as_str().into()),
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
            ..Default::default()
        }
    }

    /// Every page of one rule's NON_COMPLIANT evaluations.
    async fn details(&mut self, sink: Option<&Sink>, rule: &str, out: &mut Vec<Evaluation>) -> Result<u32, CallError> {
        let ConfigPoller { client, base, limit, interner, calls, .. } = self;
        let caller = base.caller(sink);
        let scope = &base.scope;
        every_page(
            &caller,
            limit,
            calls,
            "config:GetComplianceDetailsByConfigRule",
            |token| {
                client
                    .get_compliance_details_by_config_rule()
                    .config_rule_name(rule)
                    .compliance_types(ComplianceType::NonCompliant)
                    .limit(DETAILS_PAGE)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                for e in page.evaluation_results() {
                    let Some(q) = e.evaluation_result_identifier().and_then(|i| i.evaluation_result_qualifier()) else {
                        continue;
                    };
                    let (Some(kind), Some(id)) = (q.resource_type(), q.resource_id()) else { continue };
                    out.push(Evaluation {
                        rule: interner.intern(rule),
                        resource: ResourceId::from_config(interner, kind, id, &scope.account, &scope.region),
                        compliance: e.compliance_type().and_then(compliance).unwrap_or(ConfigCompliance::NonCompliant),
                        annotation: e.annotation().map(Into::into),
                        recorded_at: e.result_recorded_time().map(timestamp).unwrap_or(Timestamp::UNIX_EPOCH),
                    });
                }
                page.next_token().map(str::to_string)
            },
        )
        .await
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

    async fn poll(&mut self, sink: Option<&Sink>) -> Polled {
        self.base.resolve_scope().await;
        let first = !self.loaded;
        match self.fetch(sink).await {
            Ok(data) => Polled { payloads: vec![Payload::Replace(data)], error: None },
            // A first load shows what it read; later ones keep the last good data.
            Err((Some(partial), e)) if first => Polled::partial(vec![Payload::Replace(partial)], e),
            Err((_, e)) => Polled { payloads: Vec::new(), error: Some(e) },
        }
    }
}
