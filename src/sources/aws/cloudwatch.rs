//! CloudWatch: every metric and composite alarm, and the last hours of the metrics the catalog
//! names (the guardrail-denials metric filter among them) for the sparklines.

use std::collections::{BTreeMap, HashMap};

use futures_util::StreamExt;
use std::time::Duration;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{AlarmType, Metric, MetricDataQuery, MetricStat, ScanBy, StateValue};

use super::limiter::RateLimit;
use super::limits::{ALARMS_PAGE, METRIC_QUERIES};
use super::members::{MEMBERS_AT_ONCE, Members, Places};
use super::poller::{Poll, Polled};
use super::retry::every_page;
use super::{PollerBase, sdk_time, timestamp};
use crate::model::{Alarm, AlarmKind, AlarmState, Interner, MetricId, MetricSeries, Part, PlaceRead, Timestamp};
use crate::sources::{Dataset, Payload, Sink, SourceError, SourceKind, Unread};

pub struct CloudWatchPoller {
    client: Client,
    base: PollerBase,
    limit: RateLimit,
    history: Duration,
    /// The catalog's metrics, as namespace and name.
    metrics: Vec<(String, String)>,
    interner: Interner,
    loaded: bool,
    /// Calls made, for the benchmark's count of calls per poll.
    pub calls: u64,
    /// The member roles (`--member-role`): each other account's and region's alarms are read
    /// there.
    pub members: Option<Members>,
    /// Where the organisation's aggregator found rules, as Config says it.
    pub places: Places,
    /// How long a poll waits for Config to say the places.
    pub patience: Duration,
    /// Each member place's last alarms and metrics read, kept while it cannot be read.
    last: HashMap<(String, String), (Vec<Alarm>, Vec<MetricSeries>)>,
}

impl CloudWatchPoller {
    pub fn new(
        client: Client,
        base: PollerBase,
        limit: RateLimit,
        history: Duration,
        mut metrics: Vec<(String, String)>,
    ) -> Self {
        debug_assert_eq!(base.kind, SourceKind::CloudWatch, "the base of another source");
        metrics.sort();
        metrics.dedup();
        CloudWatchPoller {
            client,
            base,
            limit,
            history,
            metrics,
            interner: Interner::new(),
            loaded: false,
            calls: 0,
            members: None,
            places: Places::default(),
            patience: Duration::from_secs(60),
            last: HashMap::new(),
        }
    }

    /// Reads the alarms and the metrics, each on its own: a part that cannot be read is marked
    /// so, and the error is the first call that failed.
    pub async fn fetch(&mut self, sink: &Sink) -> (Dataset, Option<SourceError>) {
        let now = sink.now();
        let mut unread = Vec::new();
        let scope = &self.base.scope;
        let home =
            (if scope.account.is_empty() { "unknown" } else { &scope.account }.to_string(), scope.region.clone());
        let at = (home.0.as_str(), home.1.as_str());
        let read = {
            let CloudWatchPoller { client, base, limit, interner, calls, .. } = &mut *self;
            read_alarms(client, limit, &base.caller(sink), calls, interner, at, now).await
        };
        let mut alarms = match read {
            Ok(alarms) => alarms,
            Err(e) => {
                unread.push(Unread { part: Part::Alarms, error: e });
                Vec::new()
            }
        };
        let mut member_metrics = Vec::new();
        let (members_error, places) = self.member_reads(sink, now, &mut alarms, &mut member_metrics).await;

        let rate = self.limit.current();
        self.base.first_load_progress(self.loaded, sink, self.calls, alarms.len() as u64, rate).await;
        let expired = unread.iter().any(|u| matches!(u.error, SourceError::ExpiredCredentials { .. }));
        let metrics = if expired {
            unread.push(Unread { part: Part::Metrics, error: unread[0].error.clone() });
            Vec::new()
        } else {
            let CloudWatchPoller { client, base, limit, interner, calls, metrics, history, .. } = &mut *self;
            match read_metrics(client, limit, &base.caller(sink), calls, interner, (metrics, *history), at, now).await {
                Ok(m) => m,
                Err(e) => {
                    unread.push(Unread { part: Part::Metrics, error: e });
                    Vec::new()
                }
            }
        };
        let mut metrics = metrics;
        metrics.extend(member_metrics);
        self.loaded = true;
        let error = unread.first().map(|u| u.error.clone()).or(members_error);
        (Dataset { alarms, metrics, unread, places, ..Default::default() }, error)
    }

    /// Through the member roles, each other account's and region's alarms and the catalog's
    /// metrics (where the organisation's aggregator reported rules, once Config has said them).
    /// A member that cannot be read keeps its last alarms and metrics and is the poll's error;
    /// the others go on.
    async fn member_reads(
        &mut self,
        sink: &Sink,
        now: Timestamp,
        alarms: &mut Vec<Alarm>,
        metrics: &mut Vec<MetricSeries>,
    ) -> (Option<SourceError>, Vec<PlaceRead>) {
        if self.members.is_none() {
            return (None, Vec::new());
        }
        let places = self.places.get(self.patience).await;
        let CloudWatchPoller { base, members, calls, last, metrics: catalog, history, .. } = &mut *self;
        let catalog = (catalog.as_slice(), *history);
        let Some(members) = members.as_mut() else { return (None, Vec::new()) };
        let caller = base.caller(sink);
        let home = (base.scope.account.clone(), base.scope.region.clone());
        let mut error = None;
        // The clients first, one account at a time (one AssumeRole each); then the reads,
        // several places at once, each within its own account's and region's rate limit.
        let mut refused: HashMap<String, SourceError> = HashMap::new();
        let mut reachable = Vec::new();
        let mut results = Vec::new();
        for (account, region) in places.into_iter().filter(|p| *p != home) {
            if let Some(e) = refused.get(&account) {
                results.push(((account, region), Err(e.clone())));
                continue;
            }
            match members.cloudwatch(&caller, &account, &region, account == home.0).await {
                Ok((client, limit)) => reachable.push(((account, region), client, limit)),
                Err(e) => {
                    refused.insert(account.clone(), e.clone());
                    results.push(((account, region), Err(e)));
                }
            }
        }
        let caller = &caller;
        let reads = futures_util::stream::iter(reachable.into_iter().map(|(place, client, limit)| async move {
            let (mut n, mut strings) = (0, Interner::new());
            let at = (place.0.as_str(), place.1.as_str());
            let read = match read_alarms(&client, &limit, caller, &mut n, &mut strings, at, now).await {
                Ok(alarms) => read_metrics(&client, &limit, caller, &mut n, &mut strings, catalog, at, now)
                    .await
                    .map(|metrics| (alarms, metrics)),
                Err(e) => Err(e),
            };
            (place, n, read)
        }));
        let reads: Vec<_> = reads.buffer_unordered(MEMBERS_AT_ONCE).collect().await;
        for (place, n, read) in reads {
            *calls += n;
            results.push((place, read));
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        let mut outcomes = Vec::with_capacity(results.len());
        for ((account, region), read) in results {
            let place = (account, region);
            let failure = match read {
                Ok(read) => {
                    alarms.extend(read.0.iter().cloned());
                    metrics.extend(read.1.iter().cloned());
                    last.insert(place.clone(), read);
                    None
                }
                Err(e) => {
                    tracing::warn!(account = %place.0, region = %place.1, error = %e, "member alarms and metrics not read");
                    error.get_or_insert(e.clone());
                    if let Some((held_alarms, held_metrics)) = last.get(&place) {
                        alarms.extend(held_alarms.iter().cloned());
                        metrics.extend(held_metrics.iter().cloned());
                    }
                    Some(e)
                }
            };
            outcomes.push(PlaceRead { account: place.0, region: place.1, error: failure });
        }
        (error, outcomes)
    }
}

/// The catalog's metrics (`catalog`: namespaces and names, and the history window) in one
/// account and region, one point a minute (sums).
#[allow(clippy::too_many_arguments)]
async fn read_metrics(
    client: &Client,
    limit: &RateLimit,
    caller: &super::retry::Caller<'_>,
    calls: &mut u64,
    interner: &mut Interner,
    (metrics, history): (&[(String, String)], Duration),
    (account, region): (&str, &str),
    now: Timestamp,
) -> Result<Vec<MetricSeries>, SourceError> {
    let start = now - jiff::SignedDuration::try_from(history).unwrap_or_default();
    let mut series: BTreeMap<usize, Vec<(Timestamp, f64)>> = BTreeMap::new();
    let indexed: Vec<(usize, &(String, String))> = metrics.iter().enumerate().collect();
    for chunk in indexed.chunks(METRIC_QUERIES) {
        let queries: Vec<MetricDataQuery> = chunk
            .iter()
            .map(|(i, (ns, name))| {
                MetricDataQuery::builder()
                    .id(format!("m{i}"))
                    .metric_stat(
                        MetricStat::builder()
                            .metric(Metric::builder().namespace(ns).metric_name(name).build())
                            .period(60)
                            .stat("Sum")
                            .build(),
                    )
                    .return_data(true)
                    .build()
            })
            .collect();
        every_page(
            caller,
            limit,
            calls,
            "cloudwatch:GetMetricData",
            |token| {
                client
                    .get_metric_data()
                    .set_metric_data_queries(Some(queries.clone()))
                    .start_time(sdk_time(start))
                    .end_time(sdk_time(now))
                    .scan_by(ScanBy::TimestampAscending)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                for r in page.metric_data_results() {
                    let Some(i) = r.id().and_then(|id| id.strip_prefix('m')).and_then(|n| n.parse::<usize>().ok())
                    else {
                        continue;
                    };
                    series
                        .entry(i)
                        .or_default()
                        .extend(r.timestamps().iter().map(timestamp).zip(r.values().iter().copied()));
                }
                page.next_token().map(str::to_string)
            },
        )
        .await?;
    }
    Ok(series
        .into_iter()
        .filter_map(|(i, mut points)| {
            let (ns, name) = metrics.get(i)?;
            points.sort_by_key(|(t, _)| *t);
            Some(MetricSeries {
                metric: MetricId {
                    namespace: interner.intern(ns),
                    name: interner.intern(name),
                    account: interner.intern(account),
                    region: interner.intern(region),
                },
                points,
            })
        })
        .collect())
}

/// Every metric and composite alarm of one account and region.
async fn read_alarms(
    client: &Client,
    limit: &RateLimit,
    caller: &super::retry::Caller<'_>,
    calls: &mut u64,
    interner: &mut Interner,
    (account, region): (&str, &str),
    now: Timestamp,
) -> Result<Vec<Alarm>, SourceError> {
    let mut alarms = Vec::new();
    let (account, region) = (interner.intern(account), interner.intern(region));
    every_page(
        caller,
        limit,
        calls,
        "cloudwatch:DescribeAlarms",
        |token| {
            client
                .describe_alarms()
                .alarm_types(AlarmType::MetricAlarm)
                .alarm_types(AlarmType::CompositeAlarm)
                .max_records(ALARMS_PAGE)
                .set_next_token(token)
                .send()
        },
        |page| {
            for a in page.metric_alarms() {
                let Some(name) = a.alarm_name() else { continue };
                let metric = match (a.namespace(), a.metric_name()) {
                    (Some(ns), Some(m)) => Some(MetricId {
                        namespace: interner.intern(ns),
                        name: interner.intern(m),
                        account: account.clone(),
                        region: region.clone(),
                    }),
                    _ => None,
                };
                alarms.push(Alarm {
                    name: interner.intern(name),
                    kind: AlarmKind::Metric,
                    state: state(a.state_value()),
                    reason: a.state_reason().unwrap_or_default().into(),
                    metric,
                    threshold: a.threshold(),
                    state_updated_at: a.state_updated_timestamp().map(timestamp).unwrap_or(now),
                    account: account.clone(),
                    region: region.clone(),
                });
            }
            for a in page.composite_alarms() {
                let Some(name) = a.alarm_name() else { continue };
                alarms.push(Alarm {
                    name: interner.intern(name),
                    kind: AlarmKind::Composite,
                    state: state(a.state_value()),
                    reason: a.state_reason().unwrap_or_default().into(),
                    metric: None,
                    threshold: None,
                    state_updated_at: a.state_updated_timestamp().map(timestamp).unwrap_or(now),
                    account: account.clone(),
                    region: region.clone(),
                });
            }
            page.next_token().map(str::to_string)
        },
    )
    .await
    .map_err(|e| e.error)?;
    Ok(alarms)
}

fn state(s: Option<&StateValue>) -> AlarmState {
    s.and_then(|s| s.as_str().parse().ok()).unwrap_or(AlarmState::InsufficientData)
}

impl Poll for CloudWatchPoller {
    fn base(&self) -> &PollerBase {
        &self.base
    }

    async fn poll(&mut self, sink: &Sink) -> Polled {
        self.base.resolve_scope().await;
        let (data, error) = self.fetch(sink).await;
        // Nothing read at all keeps the last good data as it is.
        if data.unread.len() == SourceKind::CloudWatch.parts().len() {
            return Polled {
                payloads: vec![Payload::Merge(Dataset { unread: data.unread, ..Default::default() })],
                error,
            };
        }
        Polled { payloads: vec![Payload::Replace(data)], error }
    }
}
