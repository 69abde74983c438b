//! The fake's drill-down and corrective operations over real HTTP, with the SDK's own clients:
//! each answer is what the world holds, the writes change it as AWS documents, and every
//! request and answer keeps to AWS's models.

use aws_sdk_config::types::{ComplianceType, ResourceKey, ResourceType};
use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, StringFilter, StringFilterComparison,
    WorkflowStatus, WorkflowUpdate,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::fake_aws::world::{self, BUCKET, SCRATCH_BUCKET, VPC, World};
use crate::fake_aws::{FakeAws, Faults, REGION};

struct Clients {
    rt: tokio::runtime::Runtime,
    config: aws_sdk_config::Client,
    hub: aws_sdk_securityhub::Client,
}

fn clients(fake: &FakeAws) -> Clients {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let sdk = rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&fake.url)
            .credentials_provider(aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .load(),
    );
    Clients { config: aws_sdk_config::Client::new(&sdk), hub: aws_sdk_securityhub::Client::new(&sdk), rt }
}

fn code<E: ProvideErrorMetadata>(e: E) -> String {
    e.code().unwrap_or_default().to_string()
}

fn key(kind: &str, id: &str) -> ResourceKey {
    ResourceKey::builder().resource_type(ResourceType::from(kind)).resource_id(id).build().unwrap()
}

#[test]
fn a_resources_evaluations_and_configuration_history() {
    let fake = FakeAws::start(World::account(300), Faults::default());
    let c = clients(&fake);

    // Every rule's evaluation of the scratch bucket, over several pages.
    let mut got = Vec::new();
    let mut token = None;
    loop {
        let page =
            c.rt.block_on(
                c.config
                    .get_compliance_details_by_resource()
                    .resource_type(BUCKET)
                    .resource_id(SCRATCH_BUCKET)
                    .set_next_token(token)
                    .send(),
            )
            .unwrap();
        for e in page.evaluation_results() {
            let q = e.evaluation_result_identifier().unwrap().evaluation_result_qualifier().unwrap();
            got.push((q.config_rule_name().unwrap().to_string(), e.compliance_type().unwrap().as_str().to_string()));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let truth: Vec<(String, String)> = fake
        .world()
        .evaluations_of(BUCKET, SCRATCH_BUCKET)
        .into_iter()
        .map(|e| (e.rule, e.compliance.to_string()))
        .collect();
    assert_eq!(got, truth);
    assert!(got.iter().any(|(_, c)| c == "COMPLIANT") && got.iter().any(|(_, c)| c == "NON_COMPLIANT"), "{got:?}");
    assert!(fake.calls()["GetComplianceDetailsByResource"] >= 3, "several pages: {:?}", fake.calls());
    let failing =
        c.rt.block_on(
            c.config
                .get_compliance_details_by_resource()
                .resource_type(VPC)
                .resource_id(world::flow_logs_vpc())
                .compliance_types(ComplianceType::NonCompliant)
                .send(),
        )
        .unwrap();
    assert!(!failing.evaluation_results().is_empty());
    assert!(failing.evaluation_results().iter().all(|e| e.compliance_type() == Some(&ComplianceType::NonCompliant)));

    // The bucket's history, newest first; a page spans seven days at most.
    let mut items = Vec::new();
    let mut first_page = None;
    let mut token = None;
    loop {
        let page =
            c.rt.block_on(
                c.config
                    .get_resource_config_history()
                    .resource_type(ResourceType::from(BUCKET))
                    .resource_id(SCRATCH_BUCKET)
                    .set_next_token(token)
                    .send(),
            )
            .unwrap();
        first_page.get_or_insert(page.configuration_items().len());
        items.extend(page.configuration_items().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(items.len(), 12);
    assert!(first_page.unwrap() < 10, "fewer than the default 10: {first_page:?}");
    let times: Vec<_> = items.iter().map(|i| i.configuration_item_capture_time().unwrap().secs()).collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]), "reverse chronological: {times:?}");
    assert_eq!(items.last().unwrap().configuration_item_status().unwrap().as_str(), "ResourceDiscovered");
    for i in &items {
        serde_json::from_str::<serde_json::Value>(i.configuration().unwrap()).unwrap();
        let pab = &i.supplementary_configuration().unwrap()["PublicAccessBlockConfiguration"];
        serde_json::from_str::<serde_json::Value>(pab).unwrap();
    }
    let forward =
        c.rt.block_on(
            c.config
                .get_resource_config_history()
                .resource_type(ResourceType::from(VPC))
                .resource_id(world::flow_logs_vpc())
                .chronological_order(aws_sdk_config::types::ChronologicalOrder::Forward)
                .limit(100)
                .send(),
        )
        .unwrap();
    assert_eq!(forward.configuration_items()[0].configuration_item_status().unwrap().as_str(), "ResourceDiscovered");

    // A recorded resource without history, one never discovered, a type Config does not record.
    let none =
        c.rt.block_on(
            c.config
                .get_resource_config_history()
                .resource_type(ResourceType::from(BUCKET))
                .resource_id(world::EXPORTS_BUCKET)
                .send(),
        )
        .unwrap();
    assert!(none.configuration_items().is_empty() && none.next_token().is_none());
    let err =
        c.rt.block_on(
            c.config.get_resource_config_history().resource_type(ResourceType::from(BUCKET)).resource_id("nope").send(),
        )
        .unwrap_err();
    assert_eq!(code(err), "ResourceNotDiscoveredException");
    let err =
        c.rt.block_on(
            c.config
                .get_resource_config_history()
                .resource_type(ResourceType::from(world::NOTEBOOK))
                .resource_id("nb-000000")
                .send(),
        )
        .unwrap_err();
    assert_eq!(code(err), "ValidationException");
    assert_eq!(fake.checks().refused.len(), 1);
    fake.assert_checked();
}

#[test]
fn a_remediation_runs_and_the_resource_turns_compliant_or_fails_when_told() {
    let fake = FakeAws::start(World::account(0), Faults::default());
    let c = clients(&fake);
    let (rule, public_read, without) = {
        let w = fake.world();
        let first = |source: &str| {
            w.rules.iter().find(|r| r.source == source && w.remediation(&r.name).is_some()).unwrap().name.clone()
        };
        let without = w
            .rules
            .iter()
            .find(|r| r.source == "VPC_FLOW_LOGS_ENABLED" && w.remediation(&r.name).is_none())
            .unwrap()
            .name
            .clone();
        (first("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"), first("S3_BUCKET_PUBLIC_READ_PROHIBITED"), without)
    };
    let count = |rule: &str| {
        let out = c.rt.block_on(c.config.describe_compliance_by_config_rule().config_rule_names(rule).send()).unwrap();
        // No count once nothing is NON_COMPLIANT.
        let compliance = out.compliance_by_config_rules()[0].compliance().unwrap();
        compliance.compliance_contributor_count().map_or(0, |n| n.capped_count())
    };
    let before = count(&rule);
    let started =
        c.rt.block_on(
            c.config
                .start_remediation_execution()
                .config_rule_name(&rule)
                .resource_keys(key(BUCKET, SCRATCH_BUCKET))
                .send(),
        )
        .unwrap();
    assert!(started.failed_items().is_empty() && started.failure_message().is_none());
    let status = |rule: &str| {
        let out =
            c.rt.block_on(
                c.config
                    .describe_remediation_execution_status()
                    .config_rule_name(rule)
                    .resource_keys(key(BUCKET, SCRATCH_BUCKET))
                    .send(),
            )
            .unwrap();
        assert_eq!(out.remediation_execution_statuses().len(), 1, "only the key asked for");
        out.remediation_execution_statuses()[0].clone()
    };
    let s = status(&rule);
    assert_eq!(s.state().unwrap().as_str(), "IN_PROGRESS");
    assert_eq!(s.step_details()[0].state().unwrap().as_str(), "IN_PROGRESS");
    assert!(s.step_details()[0].start_time().is_some());
    let s = status(&rule);
    assert_eq!(s.state().unwrap().as_str(), "SUCCEEDED");
    assert!(s.step_details().iter().all(|d| d.stop_time().is_some() && d.error_message().is_none()));
    assert_eq!(count(&rule), before - 1);
    let failing =
        c.rt.block_on(
            c.config
                .get_compliance_details_by_config_rule()
                .config_rule_name(&rule)
                .compliance_types(ComplianceType::NonCompliant)
                .limit(100)
                .send(),
        )
        .unwrap();
    assert!(failing.evaluation_results().iter().all(|e| {
        e.evaluation_result_identifier().unwrap().evaluation_result_qualifier().unwrap().resource_id()
            != Some(SCRATCH_BUCKET)
    }));
    assert_eq!(fake.world().histories_of(BUCKET, SCRATCH_BUCKET).len(), 13, "the fix is recorded");
    let again =
        c.rt.block_on(
            c.config
                .start_remediation_execution()
                .config_rule_name(&rule)
                .resource_keys(key(BUCKET, SCRATCH_BUCKET))
                .send(),
        )
        .unwrap();
    assert_eq!(again.failed_items().len(), 1, "already compliant");
    assert!(again.failure_message().is_some());

    // The switch: the public-read rule's remediation is denied.
    fake.change(|w| w.fail_remediations(&public_read));
    c.rt.block_on(
        c.config
            .start_remediation_execution()
            .config_rule_name(&public_read)
            .resource_keys(key(BUCKET, SCRATCH_BUCKET))
            .send(),
    )
    .unwrap();
    assert_eq!(status(&public_read).state().unwrap().as_str(), "IN_PROGRESS");
    let s = status(&public_read);
    assert_eq!(s.state().unwrap().as_str(), "FAILED");
    let step = &s.step_details()[0];
    assert_eq!(step.state().unwrap().as_str(), "FAILED");
    assert!(step.error_message().unwrap().contains("AccessDenied"), "{step:?}");
    assert!(step.start_time().is_some() && step.stop_time().is_some() && step.name().is_some());
    assert!(fake.world().rule(&public_read).unwrap().noncompliant.iter().any(|x| x == SCRATCH_BUCKET));

    let err =
        c.rt.block_on(
            c.config
                .start_remediation_execution()
                .config_rule_name(&without)
                .resource_keys(key(VPC, &world::flow_logs_vpc()))
                .send(),
        )
        .unwrap_err();
    assert_eq!(code(err), "NoSuchRemediationConfigurationException");
    fake.assert_checked();
}

#[test]
fn a_findings_workflow_and_note_change_without_its_updated_at_and_show_in_its_history() {
    let fake = FakeAws::start(World::account(2_000), Faults::default());
    let c = clients(&fake);
    let on_bucket = fake.world().findings_on(BUCKET, SCRATCH_BUCKET);
    assert_eq!(on_bucket.len(), 2);
    let f = on_bucket[0].clone();
    let equals = |v: &str| StringFilter::builder().value(v).comparison(StringFilterComparison::Equals).build();
    let find = |filters: AwsSecurityFindingFilters| {
        c.rt.block_on(c.hub.get_findings().filters(filters).max_results(100).send()).unwrap().findings().to_vec()
    };
    let by_resource = find(
        AwsSecurityFindingFilters::builder()
            .resource_id(equals(&f.resource_hub_id()))
            .record_state(equals("ACTIVE"))
            .build(),
    );
    assert_eq!(by_resource.len(), 2);
    let other = on_bucket[1].id();
    let none =
        find(AwsSecurityFindingFilters::builder().resource_id(equals(&f.resource_hub_id())).id(equals("x")).build());
    assert!(none.is_empty(), "filters on different fields are ANDed");
    let one = find(AwsSecurityFindingFilters::builder().id(equals(&other)).build());
    assert_eq!(one.len(), 1);
    let before = find(AwsSecurityFindingFilters::builder().id(equals(&f.id())).build())[0].clone();

    let identifier = |id: &str| AwsSecurityFindingIdentifier::builder().id(id).product_arn(f.product_arn()).build();
    let out =
        c.rt.block_on(
            c.hub
                .batch_update_findings()
                .finding_identifiers(identifier(&f.id()))
                .finding_identifiers(identifier("arn:aws:securityhub:us-east-1:123456789012:nope"))
                .workflow(WorkflowUpdate::builder().status(WorkflowStatus::Resolved).build())
                .note(NoteUpdate::builder().text("fixed by the platform team").updated_by("vigil").build())
                .send(),
        )
        .unwrap();
    assert_eq!(out.processed_findings().len(), 1);
    assert_eq!(out.unprocessed_findings().len(), 1);
    assert_eq!(out.unprocessed_findings()[0].error_code(), Some("FindingNotFound"));
    let after = find(AwsSecurityFindingFilters::builder().id(equals(&f.id())).build())[0].clone();
    assert_eq!(after.workflow().unwrap().status().unwrap().as_str(), "RESOLVED");
    assert_eq!(after.note().unwrap().text(), Some("fixed by the platform team"));
    assert_eq!(after.updated_at(), before.updated_at(), "BatchUpdateFindings keeps UpdatedAt");

    let history = c.rt.block_on(c.hub.get_finding_history().finding_identifier(identifier(&f.id())).send()).unwrap();
    let records = history.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].finding_created(), Some(true));
    let update = &records[1];
    assert_eq!(update.update_source().unwrap().r#type().unwrap().as_str(), "BATCH_UPDATE_FINDINGS");
    let fields: Vec<&str> = update.updates().iter().filter_map(|u| u.updated_field()).collect();
    assert!(fields.contains(&"Workflow.Status") && fields.contains(&"Note.Text"), "{fields:?}");

    let err =
        c.rt.block_on(
            c.hub
                .batch_update_findings()
                .finding_identifiers(identifier(&f.id()))
                .note(NoteUpdate::builder().text("x".repeat(513)).updated_by("vigil").build())
                .send(),
        )
        .unwrap_err();
    assert_eq!(code(err), "InvalidInputException");
    assert_eq!(fake.checks().refused.len(), 1);
    fake.assert_checked();
}

#[test]
fn batch_update_findings_v2_changes_what_the_new_security_hub_holds_and_keeps_its_modified_time() {
    use aws_sdk_securityhub::types::{
        CompositeFilter, OcsfFindingFilters, OcsfFindingIdentifier, OcsfStringField, OcsfStringFilter,
    };
    let mut w = World::account(2_000);
    w.hub_v2 = true;
    let exposure = w.add_exposure_finding();
    let fake = FakeAws::start(w, Faults::default());
    let c = clients(&fake);
    let f = fake.world().findings_on(BUCKET, SCRATCH_BUCKET)[0].clone();
    let equals = |v: &str| StringFilter::builder().value(v).comparison(StringFilterComparison::Equals).build();
    let v2 = |uid: &str| {
        let by_uid =
            OcsfStringFilter::builder().field_name(OcsfStringField::FindingInfoUid).filter(equals(uid)).build();
        let filters =
            OcsfFindingFilters::builder().composite_filters(CompositeFilter::builder().string_filters(by_uid).build());
        let out = c.rt.block_on(c.hub.get_findings_v2().filters(filters.build()).send()).unwrap();
        vigil::sources::aws::ocsf::document_to_json(&out.findings()[0])
    };
    let asff = |id: &str| {
        let filters = AwsSecurityFindingFilters::builder().id(equals(id)).build();
        c.rt.block_on(c.hub.get_findings().filters(filters).send()).unwrap().findings()[0].clone()
    };
    let (before, before_asff) = (v2(&f.id()), asff(&f.id()));
    let identifier = |product: &str| {
        OcsfFindingIdentifier::builder()
            .cloud_account_uid(f.account)
            .finding_info_uid(f.id())
            .metadata_product_uid(product)
            .build()
    };

    // By identifiers: the finding's; the same id under another product is not one it holds.
    let guardduty = f.product_uid().replace("/securityhub", "/guardduty");
    let out =
        c.rt.block_on(
            c.hub
                .batch_update_findings_v2()
                .finding_identifiers(identifier(&f.product_uid()))
                .finding_identifiers(identifier(&guardduty))
                .status_id(4)
                .comment("fixed by the platform team")
                .send(),
        )
        .unwrap();
    assert_eq!(out.processed_findings().len(), 1);
    let [refused] = out.unprocessed_findings() else { panic!("{out:?}") };
    assert_eq!(refused.error_code().map(|c| c.as_str()), Some("ResourceNotFoundException"));
    assert_eq!(refused.error_message(), Some("Finding Not Found"));
    assert_eq!(refused.finding_identifier().and_then(|i| i.metadata_product_uid()), Some(guardduty.as_str()));
    let after = v2(&f.id());
    assert_eq!((&after["status_id"], &after["status"]), (&serde_json::json!(4), &serde_json::json!("Resolved")));
    assert_eq!(after["comment"], "fixed by the platform team");
    assert_eq!(after["finding_info"]["modified_time_dt"], before["finding_info"]["modified_time_dt"]);
    let after_asff = asff(&f.id());
    assert_eq!(after_asff.workflow().unwrap().status().unwrap().as_str(), "RESOLVED");
    assert_eq!(after_asff.note().unwrap().text(), Some("fixed by the platform team"));
    assert_eq!(after_asff.updated_at(), before_asff.updated_at(), "UpdatedAt as it was");

    // By metadata.uid: a finding only the new Security Hub has.
    let metadata_uid = v2(&exposure)["metadata"]["uid"].as_str().unwrap().to_string();
    let out = c.rt.block_on(c.hub.batch_update_findings_v2().metadata_uids(&metadata_uid).status_id(3).send()).unwrap();
    assert_eq!(out.processed_findings()[0].metadata_uid(), Some(metadata_uid.as_str()));
    assert_eq!(v2(&exposure)["status"], "Suppressed");

    // Both kinds of name, or a status ASFF's workflow lacks: refused.
    let both =
        c.hub.batch_update_findings_v2().metadata_uids(&metadata_uid).finding_identifiers(identifier(&guardduty));
    assert_eq!(code(c.rt.block_on(both.status_id(1).send()).unwrap_err()), "ValidationException");
    let archived = c.hub.batch_update_findings_v2().metadata_uids(&metadata_uid).status_id(5);
    assert_eq!(code(c.rt.block_on(archived.send()).unwrap_err()), "ValidationException");

    // Where the new Security Hub is off, it holds no finding to change.
    fake.change(|w| w.hub_v2 = false);
    let out =
        c.rt.block_on(c.hub.batch_update_findings_v2().finding_identifiers(identifier(&f.product_uid())).send())
            .unwrap();
    assert_eq!((out.processed_findings().len(), out.unprocessed_findings().len()), (0, 1));
    fake.assert_checked();
}
