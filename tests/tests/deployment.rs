//! The deployment definition and the code cannot drift apart: `template.yaml` declares exactly
//! the routes the routers serve and the table the store expects, and the committed OpenAPI
//! document is the one the code generates.

use std::collections::BTreeSet;

use erp_shared::auth::Access;
use erp_shared::store::TABLE;
use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml"))
        .expect("template.yaml parses")
}

fn resources_of_type<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(k, r)| (k.as_str().unwrap(), r))
        .collect()
}

#[test]
fn template_routes_are_the_routers_routes() {
    let t = template();
    let mut declared = BTreeSet::new();
    for (_, f) in resources_of_type(&t, "AWS::Serverless::Function") {
        let Some(events) = f["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, e) in events {
            if e["Type"].as_str() == Some("HttpApi") {
                let p = &e["Properties"];
                declared.insert((
                    p["Method"].as_str().unwrap().to_uppercase(),
                    p["Path"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    let served: BTreeSet<(String, String)> = erp_local::function_routes()
        .specs()
        .iter()
        .map(|s| (s.method.as_str().to_string(), s.path.to_string()))
        .collect();
    assert_eq!(
        declared, served,
        "template.yaml routes differ from the code's routes"
    );
}

#[test]
fn each_function_binary_serves_its_own_routes() {
    let t = template();
    let binary_routes = |binary: &str| -> BTreeSet<String> {
        resources_of_type(&t, "AWS::Serverless::Function")
            .into_iter()
            .filter(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
            .flat_map(|(_, f)| {
                f["Properties"]["Events"]
                    .as_mapping()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|(_, e)| e["Type"].as_str() == Some("HttpApi"))
            .map(|(_, e)| {
                format!(
                    "{} {}",
                    e["Properties"]["Method"].as_str().unwrap(),
                    e["Properties"]["Path"].as_str().unwrap()
                )
            })
            .collect()
    };
    let code = |r: erp_shared::http::ApiRouter| -> BTreeSet<String> {
        r.specs()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    };
    assert_eq!(binary_routes("auth"), code(erp_auth::routes()));
    assert_eq!(binary_routes("users"), code(erp_users::routes()));
    assert_eq!(binary_routes("customers"), code(erp_customers::routes()));
    assert_eq!(binary_routes("products"), code(erp_products::routes()));
    assert_eq!(binary_routes("audit"), code(erp_audit::routes()));
    assert_eq!(binary_routes("orders"), code(erp_orders::routes()));
    assert_eq!(binary_routes("invoices"), code(erp_invoices::routes()));
    assert_eq!(binary_routes("payments"), code(erp_payments::routes()));
    assert_eq!(binary_routes("dashboard"), code(erp_dashboard::routes()));
    assert_eq!(binary_routes("salesforce"), code(erp_salesforce::routes()));
    assert!(binary_routes("notifier").is_empty());
    assert!(binary_routes("reminders").is_empty());
}

#[test]
fn template_table_matches_the_store_definition() {
    let t = template();
    let tables = resources_of_type(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "one table");
    let p = &tables[0].1["Properties"];
    let key = |schema: &Value, kind: &str| -> String {
        schema
            .as_sequence()
            .unwrap()
            .iter()
            .find(|k| k["KeyType"].as_str() == Some(kind))
            .map(|k| k["AttributeName"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(key(&p["KeySchema"], "HASH"), TABLE.partition_key);
    assert_eq!(key(&p["KeySchema"], "RANGE"), TABLE.sort_key);
    let declared: BTreeSet<(String, String, String)> = p["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|g| {
            assert_eq!(g["Projection"]["ProjectionType"].as_str(), Some("ALL"));
            (
                g["IndexName"].as_str().unwrap().to_string(),
                key(&g["KeySchema"], "HASH"),
                key(&g["KeySchema"], "RANGE"),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = TABLE
        .indexes
        .iter()
        .map(|i| {
            (
                i.name().to_string(),
                i.attributes().0.to_string(),
                i.attributes().1.to_string(),
            )
        })
        .collect();
    assert_eq!(declared, expected);
    assert_eq!(
        p["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(TABLE.ttl_attribute)
    );
    assert_eq!(
        p["TimeToLiveSpecification"]["Enabled"].as_bool(),
        Some(true)
    );
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(p["DeletionProtectionEnabled"].as_bool(), Some(true));
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
}

#[test]
fn cors_never_allows_every_origin() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let t = template();
    let apis = resources_of_type(&t, "AWS::Serverless::HttpApi");
    assert_eq!(apis.len(), 1);
    let cors = &apis[0].1["Properties"]["CorsConfiguration"];
    assert!(!cors.is_null(), "CORS is configured");
    assert!(
        !serde_yaml::to_string(&cors["AllowOrigins"])
            .unwrap()
            .contains('*')
    );
    assert_eq!(
        apis[0].1["Properties"]["StageName"].as_str(),
        Some("$default")
    );
    assert!(text.contains("ThrottlingRateLimit"));
}

#[test]
fn only_sign_in_routes_are_public() {
    let public: BTreeSet<String> = erp_local::function_routes()
        .specs()
        .iter()
        .filter(|s| s.access == Access::Public)
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    let allowed: BTreeSet<String> = [
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/password-reset/request",
        "POST /api/v1/auth/password-reset/confirm",
        "GET /api/v1/openapi.json",
        // Authenticated by an HMAC signature / key instead of a token.
        "POST /api/v1/integrations/salesforce/events",
        "POST /api/v1/integrations/salesforce/outbound-messages",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(
        public, allowed,
        "a route became public: declare its permission"
    );
}

#[test]
fn the_openapi_document_covers_every_route_and_is_committed() {
    let generated = erp_local::openapi_json();
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let served: BTreeSet<String> = erp_local::function_routes()
        .specs()
        .iter()
        .filter(|s| s.path != "/api/v1/openapi.json")
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        documented, served,
        "every route is documented, and only those"
    );
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
            .unwrap();
    assert_eq!(
        committed.trim(),
        generated.trim(),
        "docs/openapi.json is stale: run `cargo run -p erp-local -- --openapi > docs/openapi.json`"
    );
}

#[test]
fn the_notifier_reads_only_outbox_inserts_and_has_a_dead_letter_queue_and_alarms() {
    let t = template();
    let functions = resources_of_type(&t, "AWS::Serverless::Function");
    let by_binary = |b: &str| {
        functions
            .iter()
            .find(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(b))
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("function {b} in template.yaml"))
    };
    let notifier = by_binary("notifier");
    let events = notifier["Properties"]["Events"].as_mapping().unwrap();
    let stream = events
        .values()
        .find(|e| e["Type"].as_str() == Some("DynamoDB"))
        .expect("a stream trigger");
    let pattern = stream["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"]
        .as_str()
        .unwrap();
    let pattern: serde_json::Value = serde_json::from_str(pattern).unwrap();
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    assert_eq!(
        pattern["dynamodb"]["Keys"]["pk"]["S"][0]["prefix"],
        erp_shared::store::keys::outbox("").pk
    );
    assert!(
        !stream["Properties"]["DestinationConfig"]["OnFailure"]["Destination"].is_null(),
        "failed records go to the dead-letter queue"
    );
    assert!(
        events
            .values()
            .any(|e| e["Type"].as_str() == Some("Schedule")),
        "a sweep retries due messages"
    );
    let reminders = by_binary("reminders");
    assert!(
        reminders["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
            .any(|e| e["Type"].as_str() == Some("ScheduleV2")),
        "reminders run on a schedule"
    );
    let alarms: BTreeSet<String> = resources_of_type(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(k, _)| k.to_string())
        .collect();
    for a in [
        "NotifierErrorsAlarm",
        "NotifierDeadLettersAlarm",
        "OutboxGaveUpAlarm",
        "RemindersErrorsAlarm",
    ] {
        assert!(alarms.contains(a), "{a} in {alarms:?}");
    }
    // Sending email is limited to the one SES identity, wherever it is allowed.
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    for line in text.lines().filter(|l| l.contains(":ses:")) {
        assert!(line.contains("identity/${SesIdentity}"), "{line}");
    }
}
