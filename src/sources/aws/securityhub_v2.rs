//! The new Security Hub ("V2": OCSF findings, beside Security Hub CSPM's ASFF ones): whether it
//! is enabled in the account and region ([`detect`], DescribeSecurityHubV2), and a paged reader
//! of its findings ([`FindingsV2Reader`], GetFindingsV2), each document converted by
//! [`super::ocsf::read_ocsf`] into the same [`crate::model::Finding`] the ASFF reader makes.
//!
//! A reader only: it changes no store and no view. It reads as the ASFF reader does (see
//! [`super::securityhub`]): page by page through the same client, each call paced by GetFindings'
//! rate limit (GetFindingsV2 is authorised as `securityhub:GetFindings` and budgeted on its
//! bucket: AWS publishes no rate of its own for it), retried and classified by the same
//! [`Caller`], a first load's pages and findings told to the sink as progress, and documents
//! that cannot be read skipped and counted. A read that fails part of the way keeps what it read
//! and says where to go on from. Dropping the future of a read cancels it: it holds nothing
//! between pages but what it returns.

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::types::builders::CompositeFilterBuilder;
use aws_sdk_securityhub::types::{
    AllowedOperators, CompositeFilter, DateFilter, GroupByField, GroupByRule, NumberFilter, OcsfDateField,
    OcsfDateFilter, OcsfFindingFilters, OcsfNumberField, OcsfNumberFilter, OcsfStringField, OcsfStringFilter,
    StringFilter, StringFilterComparison,
};

use super::PollerBase;
use super::limiter::RateLimit;
use super::limits::SECURITY_HUB_PAGE;
use super::ocsf::{OcsfFinding, document_to_json, read_ocsf};
use super::retry::Caller;
use super::securityhub::iso;
use crate::catalog::Catalog;
use crate::model::{FindingClass, HubCounts, Interner, Timestamp};
use crate::sources::{Sink, SourceError};

/// The IAM action GetFindingsV2 is authorised as (the Service Authorization Reference): a call
/// refused names it, and its throttling is GetFindings'.
pub const GET_FINDINGS_V2_ACTION: &str = "securityhub:GetFindings";

/// The IAM action BatchUpdateFindingsV2 is authorised as (the Service Authorization Reference):
/// BatchUpdateFindings', so a `--write` policy needs nothing more, and a refusal names it.
pub const BATCH_UPDATE_V2_ACTION: &str = "securityhub:BatchUpdateFindings";

/// The IAM action GetFindingStatisticsV2 is authorised as (the Service Authorization Reference).
pub const STATISTICS_V2_ACTION: &str = "securityhub:GetAdhocInsightResults";

/// Values a statistics rule returns at most (GetFindingStatisticsV2's `MaxStatisticResults`).
const MAX_STATISTIC_RESULTS: i32 = 400;

/// DescribeSecurityHubV2's IAM action (its own name).
pub const DESCRIBE_V2_ACTION: &str = "securityhub:DescribeSecurityHubV2";

/// GetFindingsV2's `Filters`: at most this many composite filters (the API reference).
const MAX_COMPOSITES: usize = 10;

/// A composite filter's string filters: at most this many (the API reference).
const MAX_STRING_FILTERS: usize = 20;

/// The new Security Hub of an account and region, when it is enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubV2 {
    /// `HubV2Arn`.
    pub arn: String,
    /// When it was enabled (`SubscribedAt`), where Security Hub said so as a time.
    pub subscribed_at: Option<Timestamp>,
}

/// Whether the new Security Hub is enabled: its hub, or `None` when it is not (AWS answers
/// ResourceNotFoundException, or no `HubV2Arn`): an answer, not a failure. Any other error is
/// classified, retried and reported as every Security Hub call's is. `limit` is the rate of
/// Security Hub's calls other than GetFindings.
pub async fn detect(client: &Client, caller: &Caller<'_>, limit: &RateLimit) -> Result<Option<HubV2>, SourceError> {
    let described = caller
        .call(DESCRIBE_V2_ACTION, limit, || async {
            match client.describe_security_hub_v2().send().await {
                Ok(out) => Ok(Some(out)),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    Ok(described.and_then(|out| {
        let arn = out.hub_v2_arn().filter(|a| !a.is_empty())?;
        let subscribed_at = out.subscribed_at().and_then(|s| s.parse::<Timestamp>().ok());
        Some(HubV2 { arn: arn.to_string(), subscribed_at })
    }))
}

/// Which of the new Security Hub's findings are read: those of the catalog's Security Hub
/// controls and those of its finding products. Empty (the default): every finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingScope {
    /// Security Hub control ids (`SageMaker.1`), matched on `compliance.control`.
    pub controls: Vec<String>,
    /// Finding products, by the names vigil gives their findings (`GuardDuty`).
    pub products: Vec<String>,
    /// Finding classes (`Exposure`): matched on `class_name`, an exposure finding also on its
    /// product (the new Security Hub's own Detection Findings).
    pub classes: Vec<FindingClass>,
    /// The regions whose products' findings are read: a product's uid names the region of its
    /// findings (`arn:aws:securityhub:<region>::productv2/aws/guardduty`). The home region, and
    /// the regions a finding aggregator links to it.
    pub regions: Vec<String>,
}

impl FindingScope {
    /// Every finding.
    pub fn everything() -> Self {
        Self::default()
    }

    /// The catalog's Security Hub controls and finding products, in `regions`.
    pub fn of(catalog: &Catalog, regions: &[String]) -> Self {
        let mut controls: Vec<String> =
            catalog.controls.iter().flat_map(|c| c.evidence.security_hub_controls.iter().cloned()).collect();
        let mut products: Vec<String> =
            catalog.controls.iter().flat_map(|c| c.evidence.finding_products.iter().cloned()).collect();
        let mut classes: Vec<FindingClass> =
            catalog.controls.iter().flat_map(|c| c.evidence.finding_classes.iter().copied()).collect();
        controls.sort_unstable();
        controls.dedup();
        products.sort_unstable();
        products.dedup();
        classes.sort_unstable();
        classes.dedup();
        FindingScope { controls, products, classes, regions: regions.to_vec() }
    }

    pub fn is_everything(&self) -> bool {
        self.controls.is_empty() && self.products.is_empty() && self.classes.is_empty()
    }

    /// Each class's own fields: its `class_name` (a Detection Finding's, for an exposure
    /// finding), and for an exposure finding Security Hub's product uid (or name).
    fn class_fields(&self) -> Vec<Vec<(OcsfStringField, Vec<String>)>> {
        self.classes
            .iter()
            .map(|&class| {
                let name = if class == FindingClass::Exposure { FindingClass::Detection } else { class };
                let mut fields = vec![(OcsfStringField::ClassName, vec![name.to_string()])];
                if class == FindingClass::Exposure {
                    let uids: Vec<String> =
                        self.regions.iter().filter_map(|r| product_uid("Security Hub", r)).collect();
                    fields.push(match uids.is_empty() {
                        true => (OcsfStringField::MetadataProductName, vec!["Security Hub".to_string()]),
                        false => (OcsfStringField::MetadataProductUid, uids),
                    });
                }
                fields
            })
            .collect()
    }

    /// The values each field must equal one of: control ids, product uids (for the products
    /// whose uid is known, in each region), and product names (for the others, or when no
    /// region is given).
    fn wanted(&self) -> Vec<(OcsfStringField, Vec<String>)> {
        let mut uids = Vec::new();
        let mut names = Vec::new();
        for product in &self.products {
            match product_uid_name(product) {
                Some(_) if !self.regions.is_empty() => {
                    uids.extend(self.regions.iter().filter_map(|r| product_uid(product, r)))
                }
                _ => names.push(product.clone()),
            }
        }
        let fields = [
            (OcsfStringField::ComplianceControl, self.controls.clone()),
            (OcsfStringField::MetadataProductUid, uids),
            (OcsfStringField::MetadataProductName, names),
        ];
        fields
            .into_iter()
            .map(|(field, mut values)| {
                values.sort_unstable();
                values.dedup();
                (field, values)
            })
            .filter(|(_, values)| !values.is_empty())
            .collect()
    }
}

/// The last part of a product's `metadata.product.uid` (`productv2/aws/<name>`), for the
/// products whose findings the new Security Hub is documented to receive; the inverse of the
/// names [`read_ocsf`] gives them.
fn product_uid_name(product: &str) -> Option<&'static str> {
    Some(match product {
        "Security Hub" => "securityhub",
        "GuardDuty" => "guardduty",
        "Inspector" => "inspector",
        "Macie" => "macie",
        _ => return None,
    })
}

/// The `metadata.product.uid` the new Security Hub gives a product's findings in a region
/// (`arn:aws:securityhub:<region>::productv2/aws/guardduty`), for a product vigil names
/// (`GuardDuty`) whose uid is known; `None` for the others, or without a region. The uid the
/// reader asks for, and the third part of BatchUpdateFindingsV2's `FindingIdentifiers`.
pub fn product_uid(product: &str, region: &str) -> Option<String> {
    let slug = product_uid_name(product).filter(|_| !region.is_empty())?;
    Some(format!("arn:{}:securityhub:{region}::productv2/aws/{slug}", partition(region)))
}

/// The partition of a region's ARNs.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The filters of a read, within `scope`:
///
/// - without `since` (a first load), every finding not closed: `activity_id` at most 2 (Create,
///   Update; 3 is Close), the set the ASFF cold load reads as RecordState ACTIVE;
/// - with `since` (an incremental read), every finding whose `finding_info.modified_time_dt` is
///   from `since` (taken as it is: the caller subtracts its overlap) to a day past `now`, as the
///   ASFF incremental read asks for `UpdatedAt` (room for a clock behind AWS's); closed findings
///   included, so that those archived since arrive as such.
///
/// The scope: a finding whose `compliance.control` is one of the controls, or whose
/// `metadata.product.uid` (or, for a product whose uid is not known, `metadata.product.name`)
/// is one of the products'. Each composite filter is the read's condition AND one field's values
/// (EQUALS filters on one field are ORed, as the API reference says), at most 20 values a
/// composite; the composites are ORed. A scope that would take more than 10 composites (more
/// than 200 values) is not sent: every finding is read instead (the store binds findings to
/// controls itself). No `SortCriteria` (the fields AWS sorts on are undocumented, and a whole
/// read does not need an order) and no `Scopes` (a delegated administrator sees the whole
/// organisation without).
pub fn filters(scope: &FindingScope, since: Option<Timestamp>, now: Timestamp) -> OcsfFindingFilters {
    filters_with(scope, since, now, (&|c| c, 0))
}

/// A condition added to each composite of a read's filters, and how many string filters it adds
/// (a composite holds at most 20).
type Extra<'a> = (&'a dyn Fn(CompositeFilterBuilder) -> CompositeFilterBuilder, usize);

/// As [`filters`], each composite's condition with `extra`'s filters besides.
fn filters_with(
    scope: &FindingScope,
    since: Option<Timestamp>,
    now: Timestamp,
    extra: Extra<'_>,
) -> OcsfFindingFilters {
    let (extra, extra_strings) = extra;
    let room = MAX_STRING_FILTERS - extra_strings;
    let condition = || {
        let composite = extra(CompositeFilter::builder().operator(AllowedOperators::And));
        match since {
            Some(since) => composite.date_filters(
                OcsfDateFilter::builder()
                    .field_name(OcsfDateField::FindingInfoModifiedTimeDt)
                    .filter(
                        DateFilter::builder()
                            .start(iso(since))
                            .end(iso(now + jiff::SignedDuration::from_hours(24)))
                            .build(),
                    )
                    .build(),
            ),
            None => composite.number_filters(
                OcsfNumberFilter::builder()
                    .field_name(OcsfNumberField::ActivityId)
                    .filter(NumberFilter::builder().lte(2.0).build())
                    .build(),
            ),
        }
    };
    let mut scoped = Vec::new();
    for (field, values) in scope.wanted() {
        for chunk in values.chunks(room) {
            let composite = chunk.iter().fold(condition(), |c, value| c.string_filters(equals(field.clone(), value)));
            scoped.push(composite.build());
        }
    }
    // A class's fields together in one composite (each field's values ORed, the fields ANDed).
    for fields in scope.class_fields() {
        let composite = fields.iter().fold(condition(), |c, (field, values)| {
            values.iter().take(room).fold(c, |c, value| c.string_filters(equals(field.clone(), value)))
        });
        scoped.push(composite.build());
    }
    if scoped.len() > MAX_COMPOSITES {
        tracing::warn!(
            composites = scoped.len(),
            "the catalog's scope is too large for GetFindingsV2's filters: every finding is read"
        );
        scoped.clear();
    }
    if scoped.is_empty() {
        return OcsfFindingFilters::builder()
            .composite_filters(condition().build())
            .composite_operator(AllowedOperators::And)
            .build();
    }
    OcsfFindingFilters::builder().set_composite_filters(Some(scoped)).composite_operator(AllowedOperators::Or).build()
}

/// What the new Security Hub counts at once, in one GetFindingStatisticsV2 call of three rules,
/// each within `scope` and over findings not closed: failing findings (compliance `status_id`
/// 3, not suppressed) by `compliance.control`; open ones (`status_id` 1 or 2) by `severity`;
/// and open activity (Detection, Vulnerability and Data Security Findings) by `severity`. For a
/// cold start, before the findings themselves: paced on GetFindings' limiter (`limit`).
pub async fn counts(
    client: &Client,
    caller: &Caller<'_>,
    limit: &RateLimit,
    scope: &FindingScope,
    now: Timestamp,
) -> Result<HubCounts, SourceError> {
    let number = |field: OcsfNumberField, filter: NumberFilter| {
        OcsfNumberFilter::builder().field_name(field).filter(filter).build()
    };
    let failing = filters_with(
        scope,
        None,
        now,
        (
            &|c| {
                c.number_filters(number(OcsfNumberField::ComplianceStatusId, NumberFilter::builder().eq(3.0).build()))
                    .string_filters(compared(OcsfStringField::Status, StringFilterComparison::NotEquals, "Suppressed"))
            },
            1,
        ),
    );
    let open = |c: CompositeFilterBuilder| {
        c.number_filters(number(OcsfNumberField::StatusId, NumberFilter::builder().gte(1.0).lte(2.0).build()))
    };
    let open_all = filters_with(scope, None, now, (&open, 0));
    let activity = ["Detection Finding", "Vulnerability Finding", "Data Security Finding"];
    let open_activity = filters_with(
        scope,
        None,
        now,
        (
            &|c| {
                activity
                    .into_iter()
                    .fold(open(c), |c, class| c.string_filters(equals(OcsfStringField::ClassName, class)))
            },
            3,
        ),
    );
    let rule = |field: GroupByField, filters: OcsfFindingFilters| {
        GroupByRule::builder().group_by_field(field).filters(filters).build()
    };
    let rules = vec![
        rule(GroupByField::ComplianceControl, failing),
        rule(GroupByField::Severity, open_all),
        rule(GroupByField::Severity, open_activity),
    ];
    let out = caller
        .call(STATISTICS_V2_ACTION, limit, || {
            client
                .get_finding_statistics_v2()
                .set_group_by_rules(Some(rules.clone()))
                .max_statistic_results(MAX_STATISTIC_RESULTS)
                .send()
        })
        .await?;
    let values = |k: usize| -> Vec<(String, u64)> {
        out.group_by_results()
            .get(k)
            .map(|r| {
                r.group_by_values()
                    .iter()
                    .filter_map(|v| Some((v.field_value()?.to_string(), u64::try_from(v.count()?).ok()?)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let by_severity = |k: usize| {
        let mut counts = [0u64; 5];
        for (label, n) in values(k) {
            if let Some(s) = super::ocsf::severity_of_label(&label) {
                counts[s.index()] += n;
            }
        }
        counts
    };
    Ok(HubCounts {
        failing_by_control: values(0),
        open_by_severity: by_severity(1),
        open_activity_by_severity: by_severity(2),
    })
}

/// The filters of one finding, by its id (`finding_info.uid` EQUALS `uid`): the drill-down's
/// lookup of a finding that Security Hub CSPM's GetFindings does not have (an exposure finding),
/// or of any finding where the findings are read through the new Security Hub only. Closed
/// findings included, as GetFindings by `Id` includes archived ones.
pub fn by_uid(uid: &str) -> OcsfFindingFilters {
    let composite = CompositeFilter::builder()
        .operator(AllowedOperators::And)
        .string_filters(equals(OcsfStringField::FindingInfoUid, uid))
        .build();
    OcsfFindingFilters::builder().composite_filters(composite).composite_operator(AllowedOperators::And).build()
}

/// A string filter: `field` EQUALS `value`.
fn equals(field: OcsfStringField, value: &str) -> OcsfStringFilter {
    compared(field, StringFilterComparison::Equals, value)
}

/// A string filter: `field` compared with `value`.
fn compared(field: OcsfStringField, comparison: StringFilterComparison, value: &str) -> OcsfStringFilter {
    OcsfStringFilter::builder()
        .field_name(field)
        .filter(StringFilter::builder().comparison(comparison).value(value).build())
        .build()
}

/// What a read asks for, and from where.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadV2 {
    pub filters: OcsfFindingFilters,
    /// Tell the sink the pages and findings read as they come, as the ASFF cold load does (later
    /// reads keep the source's health as it is).
    pub progress: bool,
    /// The token of the page to begin with; `None`: the first.
    pub from: Option<String>,
}

impl ReadV2 {
    /// A read within `scope`: what is not closed, or what changed since `since` (see
    /// [`filters`]); progress told for a first load (no `since`).
    pub fn new(scope: &FindingScope, since: Option<Timestamp>, now: Timestamp) -> Self {
        ReadV2 { filters: filters(scope, since, now), progress: since.is_none(), from: None }
    }
}

/// What a read gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingsV2 {
    /// Each finding with its `metadata.uid` (for BatchUpdateFindingsV2), product uid and class,
    /// in the order Security Hub gave them.
    pub findings: Vec<OcsfFinding>,
    /// Documents that could not be read (no `finding_info.uid`, time, account, severity or
    /// resource): skipped and counted, as the ASFF reader counts malformed findings.
    pub skipped: u64,
    /// Pages read.
    pub pages: u32,
}

/// A read that failed part of the way: what it read before, the same read from the page that
/// failed (give it to [`FindingsV2Reader::read`] to go on), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Interrupted {
    pub read: FindingsV2,
    pub resume: ReadV2,
    pub error: SourceError,
}

/// One page of GetFindingsV2, converted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageV2 {
    pub findings: Vec<OcsfFinding>,
    pub skipped: u64,
    /// The next page's token; `None` after the last.
    pub next: Option<String>,
}

/// Reads the new Security Hub's findings, page by page.
pub struct FindingsV2Reader {
    client: Client,
    get_findings: RateLimit,
    interner: Interner,
    /// GetFindingsV2 calls made (each attempt's retries aside), as the ASFF poller counts its
    /// GetFindings calls.
    pub calls: u64,
}

impl FindingsV2Reader {
    /// `get_findings` is GetFindings' own rate limit, shared with the ASFF poller
    /// ([`super::securityhub::SecurityHubPoller::limits`], [`super::SharedLimits`]): AWS counts
    /// the two calls as one.
    pub fn new(client: Client, get_findings: RateLimit) -> Self {
        FindingsV2Reader { client, get_findings, interner: Interner::repeated_only(), calls: 0 }
    }

    /// The rate limit each call waits its turn under.
    pub fn limit(&self) -> &RateLimit {
        &self.get_findings
    }

    /// One page of GetFindingsV2 (100 findings at most, the model's largest), converted as it
    /// arrives: each document through [`document_to_json`] and [`read_ocsf`].
    pub async fn page(
        &mut self,
        caller: &Caller<'_>,
        filters: &OcsfFindingFilters,
        token: Option<String>,
    ) -> Result<PageV2, SourceError> {
        self.calls += 1;
        let out = caller
            .call(GET_FINDINGS_V2_ACTION, &self.get_findings, || {
                self.client
                    .get_findings_v2()
                    .filters(filters.clone())
                    .max_results(SECURITY_HUB_PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let mut page = PageV2 { findings: Vec::with_capacity(out.findings().len()), ..PageV2::default() };
        for document in out.findings() {
            match read_ocsf(&document_to_json(document), &mut self.interner) {
                Ok(finding) => page.findings.push(finding),
                Err(why) => {
                    tracing::debug!(%why, "GetFindingsV2: a finding skipped");
                    page.skipped += 1;
                }
            }
        }
        page.next = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        Ok(page)
    }

    /// Every page of `request`. On a failure, what was read before it, and the read to go on
    /// with from the page that failed (asked for again, as the ASFF cold load does: a throttle
    /// near the end of a long first load must not start it over).
    pub async fn read(&mut self, base: &PollerBase, sink: &Sink, request: ReadV2) -> Result<FindingsV2, Interrupted> {
        let caller = base.caller(sink);
        let mut read = FindingsV2::default();
        let mut token = request.from.clone();
        loop {
            let page = match self.page(&caller, &request.filters, token.clone()).await {
                Ok(page) => page,
                Err(error) => return Err(Interrupted { read, resume: ReadV2 { from: token, ..request }, error }),
            };
            read.pages += 1;
            read.skipped += page.skipped;
            read.findings.extend(page.findings);
            if request.progress {
                let items = read.findings.len() as u64;
                super::progress(sink, base.kind, read.pages, items, self.get_findings.current()).await;
            }
            token = page.next;
            if token.is_none() {
                return Ok(read);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Each composite's operator, number, date and string filters, as (field, comparison, value).
    fn shown(f: &OcsfFindingFilters) -> Vec<(String, Vec<String>)> {
        f.composite_filters()
            .iter()
            .map(|c| {
                let mut leaves = Vec::new();
                for n in c.number_filters() {
                    let lte = n.filter().and_then(|f| f.lte());
                    leaves.push(format!("{} <= {}", n.field_name().unwrap().as_str(), lte.unwrap()));
                }
                for d in c.date_filters() {
                    let f = d.filter().unwrap();
                    leaves.push(format!(
                        "{} {}..{}",
                        d.field_name().unwrap().as_str(),
                        f.start().unwrap(),
                        f.end().unwrap()
                    ));
                }
                for s in c.string_filters() {
                    let f = s.filter().unwrap();
                    leaves.push(format!(
                        "{} {} {}",
                        s.field_name().unwrap().as_str(),
                        f.comparison().unwrap().as_str(),
                        f.value().unwrap()
                    ));
                }
                (c.operator().unwrap().as_str().to_string(), leaves)
            })
            .collect()
    }

    #[test]
    fn a_first_load_reads_what_is_not_closed_and_a_later_read_what_changed() {
        let now = t("2026-11-20T12:00:00Z");
        let cold = filters(&FindingScope::everything(), None, now);
        assert_eq!(cold.composite_operator(), Some(&AllowedOperators::And));
        assert_eq!(shown(&cold), [("AND".to_string(), vec!["activity_id <= 2".to_string()])]);
        let since = t("2026-11-20T11:55:00.250Z");
        let changed = filters(&FindingScope::everything(), Some(since), now);
        assert_eq!(
            shown(&changed),
            [(
                "AND".to_string(),
                vec!["finding_info.modified_time_dt 2026-11-20T11:55:00.250Z..2026-11-21T12:00:00.000Z".to_string()]
            )],
            "no activity filter: what closed since arrives"
        );
        assert!(ReadV2::new(&FindingScope::everything(), None, now).progress);
        assert!(!ReadV2::new(&FindingScope::everything(), Some(since), now).progress);
    }

    #[test]
    fn the_catalogs_scope_is_each_fields_values_anded_with_the_reads_condition() {
        let catalog = Catalog::default_catalog();
        let scope = FindingScope::of(&catalog, &["us-east-1".to_string(), "eu-west-1".to_string()]);
        assert!(scope.controls.contains(&"SageMaker.1".to_string()) && scope.controls.len() <= 20, "{scope:?}");
        assert_eq!(scope.products, ["GuardDuty", "IAM Access Analyzer", "Inspector", "Macie"]);
        let f = filters(&scope, None, t("2026-11-20T12:00:00Z"));
        assert_eq!(f.composite_operator(), Some(&AllowedOperators::Or));
        let composites = shown(&f);
        assert_eq!(composites.len(), 4, "{composites:#?}");
        for (operator, leaves) in &composites {
            assert_eq!(operator, "AND");
            assert_eq!(leaves[0], "activity_id <= 2", "each composite holds the read's condition");
        }
        let controls: Vec<&str> = composites[0].1[1..].iter().map(String::as_str).collect();
        assert_eq!(controls.len(), scope.controls.len());
        assert!(controls.contains(&"compliance.control EQUALS SageMaker.1"), "{controls:?}");
        assert_eq!(
            composites[1].1[1..],
            [
                "metadata.product.uid EQUALS arn:aws:securityhub:eu-west-1::productv2/aws/guardduty",
                "metadata.product.uid EQUALS arn:aws:securityhub:eu-west-1::productv2/aws/inspector",
                "metadata.product.uid EQUALS arn:aws:securityhub:eu-west-1::productv2/aws/macie",
                "metadata.product.uid EQUALS arn:aws:securityhub:us-east-1::productv2/aws/guardduty",
                "metadata.product.uid EQUALS arn:aws:securityhub:us-east-1::productv2/aws/inspector",
                "metadata.product.uid EQUALS arn:aws:securityhub:us-east-1::productv2/aws/macie",
            ]
        );
        assert_eq!(composites[2].1[1..], ["metadata.product.name EQUALS IAM Access Analyzer"], "no known uid");
        // Exposure findings: Security Hub's own Detection Findings, the two fields ANDed.
        assert_eq!(scope.classes, [FindingClass::Exposure]);
        assert_eq!(
            composites[3].1[1..],
            [
                "class_name EQUALS Detection Finding",
                "metadata.product.uid EQUALS arn:aws:securityhub:us-east-1::productv2/aws/securityhub",
                "metadata.product.uid EQUALS arn:aws:securityhub:eu-west-1::productv2/aws/securityhub",
            ]
        );
    }

    #[test]
    fn a_scope_is_split_twenty_values_a_composite_and_dropped_past_ten_composites() {
        let now = t("2026-11-20T12:00:00Z");
        let controls = |n: usize| (0..n).map(|i| format!("SageMaker.{i}")).collect::<Vec<_>>();
        let scope = FindingScope { controls: controls(45), ..FindingScope::default() };
        let sizes: Vec<usize> = shown(&filters(&scope, None, now)).iter().map(|(_, l)| l.len() - 1).collect();
        assert_eq!(sizes, [20, 20, 5]);
        let scope = FindingScope { controls: controls(200), ..FindingScope::default() };
        assert_eq!(filters(&scope, None, now).composite_filters().len(), 10, "200 values: ten composites");
        let scope = FindingScope { controls: controls(201), ..FindingScope::default() };
        assert_eq!(filters(&scope, None, now), filters(&FindingScope::everything(), None, now), "too many: everything");
        // Without a region, a product is asked for by name.
        let scope = FindingScope { products: vec!["GuardDuty".into()], ..FindingScope::default() };
        assert_eq!(shown(&filters(&scope, None, now))[0].1[1], "metadata.product.name EQUALS GuardDuty");
        let scope = FindingScope {
            products: vec!["Macie".into()],
            regions: vec!["cn-north-1".into()],
            ..FindingScope::default()
        };
        assert_eq!(
            shown(&filters(&scope, None, now))[0].1[1],
            "metadata.product.uid EQUALS arn:aws-cn:securityhub:cn-north-1::productv2/aws/macie"
        );
    }

    #[test]
    fn a_finding_is_looked_up_by_its_uid_closed_or_not() {
        let uid = "arn:aws:securityhub:us-east-1:123456789012:exposure-finding/00000000-0000-4000-9000-000000000000";
        let f = by_uid(uid);
        assert_eq!(f.composite_operator(), Some(&AllowedOperators::And));
        assert_eq!(shown(&f), [("AND".to_string(), vec![format!("finding_info.uid EQUALS {uid}")])]);
    }

    #[test]
    fn the_product_uids_asked_for_read_back_as_the_products_named() {
        for product in ["Security Hub", "GuardDuty", "Inspector", "Macie"] {
            let uid = product_uid(product, "us-east-1").unwrap();
            let doc = serde_json::json!({
                "finding_info": {"uid": "x", "modified_time_dt": "2026-11-20T12:00:00Z"},
                "cloud": {"account": {"uid": "123456789012"}},
                "severity_id": 2,
                "resources": [{"type": "AWS::S3::Bucket", "uid": "b"}],
                "metadata": {"product": {"uid": uid, "name": "something else"}},
            });
            let f = read_ocsf(&doc, &mut Interner::new()).unwrap();
            assert_eq!(&*f.finding.product, product);
        }
        assert_eq!(
            product_uid("GuardDuty", "us-gov-west-1").as_deref(),
            Some("arn:aws-us-gov:securityhub:us-gov-west-1::productv2/aws/guardduty")
        );
        assert_eq!(product_uid("GuardDuty", ""), None, "no region, no uid");
        assert_eq!(product_uid("IAM Access Analyzer", "us-east-1"), None, "a product whose uid is not known");
    }
}
