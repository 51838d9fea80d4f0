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

/// `sam build` runs `cargo lambda build --bin <Binary>` in the function's `CodeUri`. At the
/// workspace root cargo would select every member and unify their features, so each function
/// would carry every client, the embedded store and the PDF code; in the package's own folder
/// it builds that package with the features it names.
#[test]
fn each_function_is_built_from_its_own_package_with_only_its_features() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let functions = resources_of_type(&template(), "AWS::Serverless::Function")
        .into_iter()
        .map(|(name, f)| (name.to_string(), f.clone()))
        .collect::<Vec<_>>();
    assert_eq!(functions.len(), 12);
    for (name, f) in functions {
        assert_eq!(
            f["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{name}"
        );
        let binary = f["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("Binary");
        let uri = f["Properties"]["CodeUri"].as_str().expect("CodeUri");
        assert_eq!(
            uri,
            format!("functions/{binary}"),
            "{name} must build in its package"
        );
        let manifest = std::fs::read_to_string(format!("{root}/{uri}/Cargo.toml"))
            .unwrap_or_else(|e| panic!("{name}: {uri}/Cargo.toml: {e}"));
        // The `[[bin]]` names, and the `erp-shared` dependency line (one line each here).
        let mut bins = Vec::new();
        let mut in_bin = false;
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                in_bin = line == "[[bin]]";
            } else if let Some(bin) = line.strip_prefix("name = ").filter(|_| in_bin) {
                bins.push(bin.trim_matches('"').to_string());
            }
        }
        assert_eq!(
            bins,
            vec![binary.to_string()],
            "{name}: {uri} builds {binary}"
        );
        let shared = manifest
            .lines()
            .find(|l| l.starts_with("erp-shared"))
            .unwrap_or_else(|| panic!("{name}: {uri} depends on erp-shared"));
        assert!(
            shared.contains("features = [") && !shared.contains("\"default\""),
            "{name}: {uri} names the erp-shared features it uses, not the default set: {shared}"
        );
    }
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
        // The emailed link authenticates it.
        "POST /api/v1/auth/register/verify",
        "POST /api/v1/auth/login",
        // The second step of a login: the password step's challenge authenticates it.
        "POST /api/v1/auth/login/mfa",
        "POST /api/v1/auth/login/mfa/setup",
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

/// The query parameters each list reads, as its handler parses them. A parameter struct
/// shared by several routes must not put another route's filters in a route's document.
const QUERY_PARAMETERS: &[(&str, &[&str])] = &[
    ("/api/v1/dashboard/summary", &["currency", "from", "to"]),
    (
        "/api/v1/dashboard/trends",
        &["currency", "from", "interval", "metric", "to"],
    ),
    (
        "/api/v1/dashboard/top-customers",
        &["currency", "from", "limit", "to"],
    ),
    (
        "/api/v1/dashboard/top-products",
        &["currency", "from", "limit", "to"],
    ),
    ("/api/v1/dashboard/activity", &["limit"]),
    (
        "/api/v1/orders",
        &[
            "amount_max",
            "amount_min",
            "cursor",
            "customer_id",
            "from",
            "limit",
            "sort",
            "status",
            "to",
        ],
    ),
    (
        "/api/v1/payments",
        &[
            "amount_max",
            "amount_min",
            "cursor",
            "customer_id",
            "from",
            "limit",
            "sort",
            "to",
        ],
    ),
    (
        "/api/v1/invoices",
        &[
            "amount_max",
            "amount_min",
            "cursor",
            "customer_id",
            "due_from",
            "due_to",
            "from",
            "limit",
            "number",
            "sort",
            "status",
            "to",
        ],
    ),
];

#[test]
fn the_openapi_document_lists_exactly_the_parameters_each_list_reads() {
    let doc: serde_json::Value = serde_json::from_str(&erp_local::openapi_json()).unwrap();
    for (path, expected) in QUERY_PARAMETERS {
        let listed: BTreeSet<&str> = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {path} has parameters"))
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let expected: BTreeSet<&str> = expected.iter().copied().collect();
        assert_eq!(listed, expected, "the query parameters of GET {path}");
    }
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
    let alarms = resources_of_type(&t, "AWS::CloudWatch::Alarm");
    let condition_of = |name: &str| {
        alarms
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, a)| a["Condition"].as_str())
            .unwrap_or_else(|| panic!("{name} in template.yaml"))
    };
    // Dead letters and emails given up alarm in every mode; the two functions' Errors alarms
    // only with PerFunctionAlarms=true (LambdaErrorsAlarm covers them otherwise).
    for a in ["NotifierDeadLettersAlarm", "OutboxGaveUpAlarm"] {
        assert_eq!(condition_of(a), None, "{a}");
    }
    for a in ["NotifierErrorsAlarm", "RemindersErrorsAlarm"] {
        assert_eq!(condition_of(a), Some("PerFunctionAlarmsEnabled"), "{a}");
    }
    // Sending email is limited to the one SES identity, wherever it is allowed.
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    for line in text.lines().filter(|l| l.contains(":ses:")) {
        assert!(line.contains("identity/${SesIdentity}"), "{line}");
    }
}

/// What each function may write, by partition-key prefix: (put or update, delete). Read from
/// the code (functions/*/src and the shared modules they call). `tests/src/iam.rs` checks
/// every write of the end-to-end tests against the template, so a write missing here fails
/// the test that makes it; this list makes a wider grant in the template fail too.
const WRITES: &[(&str, &[&str], &[&str])] = &[
    (
        "auth",
        &[
            "AUDIT#",
            "COUNTER#",
            "LOGINIP#",
            "LOGINLOCK#",
            "MAILCOOLDOWN#",
            "MAILIP#",
            "MFACHALLENGE#",
            "OUTBOX#",
            "REAUTH#",
            "REGISTRATION#",
            "RESET#",
            "SESSION#",
            "USER#",
            "USEREMAIL#",
        ],
        &[
            "LOGINLOCK#",
            "MFACHALLENGE#",
            "REGISTRATION#",
            "RESET#",
            "USER#",
        ],
    ),
    (
        "users",
        &[
            "AUDIT#",
            "COUNTER#",
            "LOGINLOCK#",
            "OUTBOX#",
            "RESET#",
            "SETTINGS#",
            "USER#",
            "USEREMAIL#",
        ],
        &["SETTINGS#", "USER#", "USEREMAIL#"],
    ),
    ("customers", &["AUDIT#", "CUSTOMER#"], &[]),
    (
        "products",
        &["AUDIT#", "PRODUCT#", "PRODUCTSKU#"],
        &["PRODUCTSKU#"],
    ),
    ("audit", &[], &[]),
    (
        "orders",
        &["AUDIT#", "INVOICE#", "ORDER#", "OUTBOX#", "STATS#"],
        &[],
    ),
    (
        "invoices",
        &["AUDIT#", "COUNTER#", "INVOICE#", "OUTBOX#", "STATS#"],
        &[],
    ),
    (
        "payments",
        &["AUDIT#", "IDEMP#", "INVOICE#", "OUTBOX#", "STATS#"],
        // Reversing a payment removes it (payments live in their invoice's partition).
        &["INVOICE#"],
    ),
    ("dashboard", &[], &[]),
    (
        "salesforce",
        &[
            "AUDIT#",
            "CUSTOMER#",
            "EXTID#",
            "INBOUND#",
            "ORDER#",
            "PRODUCT#",
            "PRODUCTSKU#",
            "STATS#",
        ],
        &["PRODUCTSKU#"],
    ),
    ("notifier", &["OUTBOX#"], &[]),
    (
        "reminders",
        &["AUDIT#", "INVOICE#", "OUTBOX#", "STATS#"],
        &[],
    ),
];

const WRITE_ACTIONS: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
];

/// The prefixes an Allow statement grants `action` on, as `X#` (from `X#*`).
fn granted(f: &erp_tests::iam::Function, action: &str) -> BTreeSet<String> {
    f.dynamodb_statements()
        .filter(|s| s.effect == erp_tests::iam::Effect::Allow && s.names_action(action))
        .flat_map(|s| {
            let c = s.leading_keys.as_ref().unwrap_or_else(|| {
                panic!(
                    "{}: {action} without a dynamodb:LeadingKeys condition",
                    f.binary
                )
            });
            c.patterns.iter().map(|p| {
                p.strip_suffix('*')
                    .filter(|p| p.ends_with('#') && !p.contains(['*', '?']))
                    .unwrap_or_else(|| panic!("{}: pattern {p:?} is not PREFIX#*", f.binary))
                    .to_string()
            })
        })
        .collect()
}

/// Every function's DynamoDB statements: reads on the table and its indexes without key
/// limits; writes only on the table, only on the key prefixes its code writes (and deletes
/// only where its code deletes); and an explicit Deny of any change to an audit record.
#[test]
fn each_function_writes_only_its_key_prefixes_and_never_changes_the_audit_trail() {
    let t = erp_tests::iam::Template::load();
    let declared: BTreeSet<&str> = WRITES.iter().map(|(b, _, _)| *b).collect();
    let in_template: BTreeSet<&str> = t.functions.iter().map(|f| f.binary.as_str()).collect();
    assert_eq!(
        declared, in_template,
        "every function of template.yaml declares its writes in WRITES"
    );
    let set = |l: &[&str]| l.iter().map(|p| p.to_string()).collect::<BTreeSet<_>>();
    for (binary, writes, deletes) in WRITES {
        let f = t.function(binary);
        for s in f.dynamodb_statements() {
            let writes_something = WRITE_ACTIONS.iter().any(|a| s.names_action(a));
            if s.effect == erp_tests::iam::Effect::Allow && writes_something {
                assert!(
                    !s.names_action("dynamodb:BatchWriteItem")
                        && !s.names_action("dynamodb:PartiQLUpdate"),
                    "{binary}: no batch writes or PartiQL (the store never makes them)"
                );
                assert!(
                    s.on_table() && !s.on_indexes() && s.resources.len() == 1,
                    "{binary}: writes go to the table only ({:?})",
                    s.resources
                );
                let c = s.leading_keys.as_ref().unwrap_or_else(|| {
                    panic!("{binary}: write statement {:?} without LeadingKeys", s.sid)
                });
                assert_eq!(c.operator, "ForAllValues:StringLike", "{binary}");
            }
            if s.effect == erp_tests::iam::Effect::Allow && !writes_something {
                assert!(
                    s.leading_keys.is_none() && s.on_table() && s.on_indexes(),
                    "{binary}: reads of the table and every index, kept apart from writes"
                );
            }
        }
        assert_eq!(
            granted(f, "dynamodb:PutItem"),
            set(writes),
            "{binary}: PutItem prefixes"
        );
        assert_eq!(
            granted(f, "dynamodb:UpdateItem"),
            set(writes),
            "{binary}: UpdateItem prefixes"
        );
        assert_eq!(
            granted(f, "dynamodb:DeleteItem"),
            set(deletes),
            "{binary}: DeleteItem prefixes"
        );
        // Reads work everywhere, writes only where declared.
        for pk in [
            "USER#1",
            "AUDIT#customer#1",
            "SETTINGS#company",
            "STATS#2026-01-01",
        ] {
            assert!(f.allows("dynamodb:GetItem", pk), "{binary} reads {pk}");
            assert!(f.allows("dynamodb:Query", pk), "{binary} queries {pk}");
        }
        assert!(
            f.dynamodb_statements()
                .any(|s| s.names_action("dynamodb:Query") && s.on_indexes()),
            "{binary}: index queries"
        );
        assert!(!f.allows("dynamodb:PutItem", "NOSUCHPREFIX#1"), "{binary}");
        // The audit trail: written once by the functions that audit, never changed.
        let audit = "AUDIT#invoice#42";
        assert_eq!(
            f.allows("dynamodb:PutItem", audit),
            writes.contains(&"AUDIT#"),
            "{binary}"
        );
        let deny = f
            .dynamodb_statements()
            .find(|s| s.effect == erp_tests::iam::Effect::Deny)
            .unwrap_or_else(|| panic!("{binary}: an explicit Deny on audit records"));
        for action in [
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ] {
            assert!(deny.names_action(action), "{binary}: Deny {action}");
            assert!(
                !f.allows(action, audit),
                "{binary} may not {action} {audit}"
            );
        }
        assert!(deny.on_table(), "{binary}");
        assert_eq!(
            deny.leading_keys
                .as_ref()
                .map(|c| (c.operator.as_str(), c.patterns.clone())),
            Some(("ForAnyValue:StringLike", vec!["AUDIT#*".to_string()])),
            "{binary}: the Deny covers every audit partition"
        );
        assert!(
            erp_shared::store::keys::audit_partition("customer", "1").starts_with("AUDIT#")
                && !erp_shared::store::keys::audit_by_actor("u1").starts_with("AUDIT#"),
            "AUDIT#* is exactly the audit records"
        );
        // Even if someone later grants everything, the Deny still holds.
        let mut widened = f.clone();
        widened.statements.push(erp_tests::iam::Statement {
            sid: None,
            effect: erp_tests::iam::Effect::Allow,
            actions: vec!["dynamodb:*".into()],
            resources: vec![erp_tests::iam::TABLE_RESOURCE.into()],
            leading_keys: None,
        });
        assert!(!widened.allows("dynamodb:UpdateItem", audit), "{binary}");
        assert!(!widened.allows("dynamodb:DeleteItem", audit), "{binary}");
        assert!(widened.allows("dynamodb:UpdateItem", "USER#1"), "{binary}");
    }
}

/// The Salesforce secret is its own secret: only the salesforce function is told where it
/// is and may read it, and the salesforce function (public, signed webhooks) cannot read the
/// token signing keys. Every other API function reads the signing keys to verify tokens.
#[test]
fn only_the_salesforce_function_reads_the_salesforce_secret() {
    let t = erp_tests::iam::Template::load();
    assert_eq!(
        t.raw["Resources"]["SalesforceSecret"]["Type"].as_str(),
        Some("AWS::SecretsManager::Secret")
    );
    assert!(
        t.raw["Globals"]["Function"]["Environment"]["Variables"]
            .get("ERP_SALESFORCE_SECRET_ID")
            .is_none(),
        "not a global variable"
    );
    let reads = |f: &erp_tests::iam::Function, secret: &str| {
        f.statements.iter().any(|s| {
            s.effect == erp_tests::iam::Effect::Allow
                && s.names_action("secretsmanager:GetSecretValue")
                && s.resources.iter().any(|r| r == &format!("!Ref {secret}"))
        })
    };
    for f in &t.functions {
        let is_salesforce = f.binary == "salesforce";
        assert_eq!(reads(f, "SalesforceSecret"), is_salesforce, "{}", f.binary);
        assert_eq!(
            f.environment
                .iter()
                .any(|v| v == "ERP_SALESFORCE_SECRET_ID"),
            is_salesforce,
            "{}",
            f.binary
        );
        let verifies_tokens = !f.routes.is_empty() && !is_salesforce;
        assert_eq!(reads(f, "AppSecret"), verifies_tokens, "{}", f.binary);
        assert!(
            !f.statements
                .iter()
                .any(|s| s.names_action("secretsmanager:GetSecretValue")
                    && s.resources.iter().any(|r| r.contains('*'))),
            "{}: secrets by name, never a wildcard",
            f.binary
        );
    }
    // Nothing in the salesforce function's routes needs a token.
    assert!(
        erp_salesforce::routes()
            .specs()
            .iter()
            .all(|s| s.access == Access::Public)
    );
}

/// CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key (its
/// key policy cannot grant CloudWatch anything): the alarm topic is unencrypted, or uses a
/// customer-managed key of this template whose policy lets CloudWatch use it. Every alarm
/// notifies that topic, and the template says why it is encrypted the way it is.
#[test]
fn alarms_can_publish_to_their_topic() {
    let t = erp_tests::iam::Template::load();
    let topic = &t.raw["Resources"]["AlarmTopic"];
    assert_eq!(topic["Type"].as_str(), Some("AWS::SNS::Topic"));
    let key = &topic["Properties"]["KmsMasterKeyId"];
    if !key.is_null() {
        let text = erp_tests::iam::text(key);
        assert!(
            !text.contains("alias/aws/"),
            "the AWS-managed key ({text}) drops CloudWatch alarms"
        );
        let name = text
            .trim_start_matches("!Ref ")
            .trim_start_matches("!GetAtt ")
            .trim_end_matches(".Arn");
        let kms = &t.raw["Resources"][name];
        assert_eq!(
            kms["Type"].as_str(),
            Some("AWS::KMS::Key"),
            "a customer-managed key of this template"
        );
        let allows_cloudwatch = kms["Properties"]["KeyPolicy"]["Statement"]
            .as_sequence()
            .into_iter()
            .flatten()
            .any(|s| {
                s["Effect"].as_str() == Some("Allow")
                    && erp_tests::iam::text(&s["Principal"]["Service"])
                        .contains("cloudwatch.amazonaws.com")
                    && {
                        let a = erp_tests::iam::text(&s["Action"]);
                        a.contains("kms:Decrypt") && a.contains("kms:GenerateDataKey")
                    }
            });
        assert!(allows_cloudwatch, "the key policy lets CloudWatch encrypt");
    }
    for (name, alarm) in resources_of_type(&t.raw, "AWS::CloudWatch::Alarm") {
        let actions: Vec<String> = alarm["Properties"]["AlarmActions"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(erp_tests::iam::text)
            .collect();
        assert_eq!(actions, ["!Ref AlarmTopic"], "{name}");
    }
    let source = std::fs::read_to_string(erp_tests::iam::template_path()).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "  AlarmTopic:")
        .expect("AlarmTopic");
    let comment: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .take_while(|l| l.trim_start().starts_with('#'))
        .copied()
        .collect();
    let comment = comment.join(" ");
    assert!(
        comment.contains("alias/aws/sns") && comment.contains("CloudWatch"),
        "a comment above AlarmTopic says why it is encrypted as it is"
    );
}

/// The web app on AWS: a private bucket read only by its CloudFront distribution, the API
/// under `/api/*` of the same distribution and never cached, deep links answered by the
/// app, and the same security headers as the local server sends.
#[test]
fn the_web_app_is_private_behind_cloudfront_with_the_local_servers_headers() {
    let t = template();
    let r = &t["Resources"];
    let block = &r["WebBucket"]["Properties"]["PublicAccessBlockConfiguration"];
    for k in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[k], Value::Bool(true), "{k}");
    }
    let statements = r["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap();
    let allows: Vec<&Value> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    assert_eq!(allows.len(), 1, "one reader");
    assert_eq!(
        allows[0]["Principal"]["Service"], "cloudfront.amazonaws.com",
        "only CloudFront reads"
    );
    assert_eq!(allows[0]["Action"], "s3:GetObject");
    let source = format!(
        "{:?}",
        allows[0]["Condition"]["StringEquals"]["AWS:SourceArn"]
    );
    assert!(source.contains("${WebDistribution}"), "{source}");

    let config = &r["WebDistribution"]["Properties"]["DistributionConfig"];
    let origins = config["Origins"].as_sequence().unwrap();
    let app = origins.iter().find(|o| o["Id"] == "app").unwrap();
    assert!(app.get("OriginAccessControlId").is_some(), "OAC");
    let api = origins.iter().find(|o| o["Id"] == "api").unwrap();
    assert!(format!("{:?}", api["DomainName"]).contains("${Api}.execute-api"));
    let default = &config["DefaultCacheBehavior"];
    assert_eq!(default["TargetOriginId"], "app");
    assert_eq!(default["ViewerProtocolPolicy"], "redirect-to-https");
    assert!(
        format!("{:?}", default["FunctionAssociations"]).contains("WebDeepLinks"),
        "deep links load the app"
    );
    let behaviors = config["CacheBehaviors"].as_sequence().unwrap();
    assert_eq!(behaviors.len(), 1);
    assert_eq!(behaviors[0]["PathPattern"], "/api/*");
    assert_eq!(behaviors[0]["TargetOriginId"], "api");
    // Managed-CachingDisabled; Managed-AllViewerExceptHostHeader.
    assert_eq!(
        behaviors[0]["CachePolicyId"],
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    );
    assert_eq!(
        behaviors[0]["OriginRequestPolicyId"],
        "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    );
    let methods = format!("{:?}", behaviors[0]["AllowedMethods"]);
    for m in ["POST", "PATCH", "PUT", "DELETE"] {
        assert!(methods.contains(m), "{m}");
    }
    // The deep-link rewrite is the local server's rule: no extension in the last segment.
    let code = r["WebDeepLinks"]["Properties"]["FunctionCode"]
        .as_str()
        .unwrap();
    assert!(code.contains("last.indexOf('.') === -1"), "{code}");

    let policy = &r["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"];
    let security = &policy["SecurityHeadersConfig"];
    let mut headers: Vec<(String, String)> = vec![
        (
            "content-security-policy".into(),
            security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
                .as_str()
                .unwrap()
                .into(),
        ),
        (
            "strict-transport-security".into(),
            format!(
                "max-age={}{}",
                security["StrictTransportSecurity"]["AccessControlMaxAgeSec"]
                    .as_u64()
                    .unwrap(),
                if security["StrictTransportSecurity"]["IncludeSubdomains"] == Value::Bool(true) {
                    "; includeSubDomains"
                } else {
                    ""
                }
            ),
        ),
        ("x-content-type-options".into(), "nosniff".into()),
        (
            "referrer-policy".into(),
            security["ReferrerPolicy"]["ReferrerPolicy"]
                .as_str()
                .unwrap()
                .into(),
        ),
        (
            "x-frame-options".into(),
            security["FrameOptions"]["FrameOption"]
                .as_str()
                .unwrap()
                .into(),
        ),
    ];
    assert!(security.get("ContentTypeOptions").is_some());
    for item in policy["CustomHeadersConfig"]["Items"]
        .as_sequence()
        .unwrap()
    {
        headers.push((
            item["Header"].as_str().unwrap().to_ascii_lowercase(),
            item["Value"].as_str().unwrap().into(),
        ));
    }
    let local: Vec<(String, String)> = erp_local::web::SECURITY_HEADERS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(headers, local);
    let csp = &headers[0].1;
    assert!(!csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"));
}

/// A YAML value written the way template.yaml writes it (tags included), to compare with.
fn yaml(source: &str) -> Value {
    serde_yaml::from_str(source).expect("YAML")
}

/// Whether an alarm exists with `PerFunctionAlarms` set to `per_function`. Alarms depend on
/// that parameter only.
fn alarm_exists(name: &str, alarm: &Value, per_function: bool) -> bool {
    match alarm["Condition"].as_str() {
        None => true,
        Some("PerFunctionAlarmsEnabled") => per_function,
        Some("AccountLevelAlarmsEnabled") => !per_function,
        Some(other) => panic!("{name} depends on {other}"),
    }
}

/// The alarm metrics CloudWatch charges an alarm for: one per metric it reads (a metric-math
/// alarm is charged for each metric it references, not for its expressions).
fn alarm_metrics(alarm: &Value) -> usize {
    match alarm["Properties"]["Metrics"].as_sequence() {
        Some(metrics) => metrics
            .iter()
            .filter(|m| !m["MetricStat"].is_null())
            .count(),
        None => 1,
    }
}

/// Lambda Errors and Throttles alarm in both modes of `PerFunctionAlarms`. Off (the default):
/// two account-level alarms on the metrics without a dimension (all the functions of the
/// account and region), and no per-function ones, so the stack stays within CloudWatch's 10
/// free alarm metrics. On: every function has an Errors and a Throttles alarm on its own
/// name, and the account-level ones are gone. The other alarms exist in both modes.
#[test]
fn lambda_errors_and_throttles_alarm_per_function_or_for_the_whole_account() {
    let t = template();
    let parameter = &t["Parameters"]["PerFunctionAlarms"];
    assert_eq!(parameter["Default"], "false");
    assert_eq!(parameter["AllowedValues"], yaml(r#"["true", "false"]"#));
    assert_eq!(
        t["Conditions"]["PerFunctionAlarmsEnabled"],
        yaml(r#"!Equals [!Ref PerFunctionAlarms, "true"]"#)
    );
    assert_eq!(
        t["Conditions"]["AccountLevelAlarmsEnabled"],
        yaml("!Not [!Condition PerFunctionAlarmsEnabled]")
    );
    let alarms = resources_of_type(&t, "AWS::CloudWatch::Alarm");
    let functions = resources_of_type(&t, "AWS::Serverless::Function");
    assert_eq!(functions.len(), WRITES.len(), "every function");
    let mut metrics_in_mode = Vec::new();
    for per_function in [false, true] {
        let mode = format!("PerFunctionAlarms={per_function}");
        let present: Vec<(&str, &Value)> = alarms
            .iter()
            .copied()
            .filter(|(name, a)| alarm_exists(name, a, per_function))
            .collect();
        let lambda: Vec<(&str, &Value)> = present
            .iter()
            .copied()
            .filter(|(_, a)| a["Properties"]["Namespace"] == "AWS/Lambda")
            .collect();
        for (function, _) in &functions {
            for metric in ["Errors", "Throttles"] {
                let own = yaml(&format!("[{{Name: FunctionName, Value: !Ref {function}}}]"));
                let found: Vec<&str> = lambda
                    .iter()
                    .filter(|(_, a)| {
                        let p = &a["Properties"];
                        p["MetricName"] == metric
                            && p["Dimensions"] == own
                            && p["Threshold"].as_f64() == Some(1.0)
                            && p["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
                    })
                    .map(|(name, _)| *name)
                    .collect();
                assert_eq!(
                    found.len(),
                    usize::from(per_function),
                    "{mode}: {function}'s {metric} alarms {found:?}"
                );
            }
        }
        for metric in ["Errors", "Throttles"] {
            let account: Vec<&(&str, &Value)> = lambda
                .iter()
                .filter(|(_, a)| {
                    a["Properties"]["MetricName"] == metric
                        && a["Properties"]["Dimensions"].is_null()
                })
                .collect();
            assert_eq!(
                account.len(),
                usize::from(!per_function),
                "{mode}: account-level {metric} alarms"
            );
            for (name, a) in account {
                let p = &a["Properties"];
                assert_eq!(p["Statistic"], "Sum", "{name}");
                assert_eq!(p["Threshold"].as_f64(), Some(1.0), "{name}");
                assert_eq!(p["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
                let description = p["AlarmDescription"].as_str().unwrap_or_default();
                assert!(
                    description.contains("account of its own")
                        && description.contains("per-function graphs in the Lambda console"),
                    "{name} says it covers the whole account and where to look: {description}"
                );
            }
        }
        // Every Lambda alarm is one of the above: per function, or for the whole account.
        for (name, a) in &lambda {
            let dimensions = &a["Properties"]["Dimensions"];
            assert_eq!(dimensions.is_null(), !per_function, "{mode}: {name}");
        }
        metrics_in_mode.push(present.iter().map(|(_, a)| alarm_metrics(a)).sum::<usize>());
    }
    // The API, SES, dead-letter and outbox alarms do not depend on the mode.
    for (name, a) in &alarms {
        if a["Properties"]["Namespace"] != "AWS/Lambda" {
            assert!(a["Condition"].is_null(), "{name} exists in both modes");
        }
    }
    let (default, per_function) = (metrics_in_mode[0], metrics_in_mode[1]);
    assert!(
        default <= 10,
        "the default alarms read {default} alarm metrics, more than CloudWatch's 10 free"
    );
    assert_eq!(
        per_function,
        default - 2 + 2 * functions.len(),
        "per-function alarms replace the two account-level ones"
    );
}

/// Every alarm treats missing data (no traffic) as fine. The API's 5xx alarm is a share of
/// requests with a traffic floor, and SES's bounce and complaint rates alarm at SES's review
/// levels.
#[test]
fn alarms_ignore_no_traffic_and_watch_the_api_5xx_rate_and_ses_reputation() {
    let t = template();
    let alarms = resources_of_type(&t, "AWS::CloudWatch::Alarm");
    for (name, alarm) in &alarms {
        assert_eq!(
            alarm["Properties"]["TreatMissingData"], "notBreaching",
            "{name}"
        );
    }

    let rate = &t["Resources"]["Api5xxRateAlarm"]["Properties"];
    let metrics = rate["Metrics"].as_sequence().expect("metric math");
    for (id, metric) in [("errors", "5xx"), ("requests", "Count")] {
        let m = metrics
            .iter()
            .find(|m| m["Id"] == id)
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(m["ReturnData"], Value::Bool(false), "{id}");
        let stat = &m["MetricStat"];
        assert_eq!(stat["Metric"]["Namespace"], "AWS/ApiGateway");
        assert_eq!(stat["Metric"]["MetricName"], metric);
        assert_eq!(
            stat["Metric"]["Dimensions"],
            yaml("[{Name: ApiId, Value: !Ref Api}]")
        );
        assert_eq!(stat["Stat"], "Sum");
    }
    let returned: Vec<&Value> = metrics
        .iter()
        .filter(|m| m["ReturnData"] == Value::Bool(true))
        .collect();
    assert_eq!(returned.len(), 1, "one series is alarmed on");
    let expression = returned[0]["Expression"].as_str().unwrap().replace(' ', "");
    // The share of 5xx, and 0 below a minimum of requests (one error at night never pages).
    assert!(
        expression.starts_with("IF(requests>=") && expression.contains("errors,0)/requests"),
        "{expression}"
    );
    assert!(rate["Threshold"].as_f64().unwrap() <= 0.05);

    for (metric, threshold) in [
        ("Reputation.BounceRate", 0.05),
        ("Reputation.ComplaintRate", 0.001),
    ] {
        let found = alarms.iter().any(|(_, a)| {
            let p = &a["Properties"];
            p["Namespace"] == "AWS/SES"
                && p["MetricName"] == metric
                && p["Threshold"].as_f64() == Some(threshold)
                && p["ComparisonOperator"] == "GreaterThanThreshold"
        });
        assert!(found, "an alarm on {metric} above {threshold}");
    }
}

/// The alarm topic's email subscription exists only when `AlarmEmail` is given (empty by
/// default: a stack without it has the topic and its alarms, and no subscription).
#[test]
fn the_alarm_email_subscription_exists_only_with_an_address() {
    let t = template();
    assert_eq!(t["Parameters"]["AlarmEmail"]["Default"], "");
    assert_eq!(
        t["Conditions"]["HasAlarmEmail"],
        yaml(r#"!Not [!Equals [!Ref AlarmEmail, ""]]"#)
    );
    let subscriptions = resources_of_type(&t, "AWS::SNS::Subscription");
    assert_eq!(subscriptions.len(), 1);
    let (name, s) = subscriptions[0];
    assert_eq!(s["Condition"], "HasAlarmEmail", "{name}");
    assert_eq!(s["Properties"]["Protocol"], "email");
    assert_eq!(s["Properties"]["TopicArn"], yaml("!Ref AlarmTopic"));
    assert_eq!(s["Properties"]["Endpoint"], yaml("!Ref AlarmEmail"));
}

/// Every `ByteMatchStatement` under `v`.
fn byte_matches(v: &Value) -> Vec<&Value> {
    match v {
        Value::Mapping(m) => m
            .iter()
            .flat_map(|(k, v)| {
                let mut found = byte_matches(v);
                if k == "ByteMatchStatement" {
                    found.push(v);
                }
                found
            })
            .collect(),
        Value::Sequence(items) => items.iter().flat_map(byte_matches).collect(),
        Value::Tagged(t) => byte_matches(&t.value),
        _ => Vec::new(),
    }
}

/// The optional WAF: off by default, created only when enabled and only in us-east-1 (where
/// CloudFront's web ACLs live), attached to the distribution exactly then, and limiting each
/// address: tightly on every public sign-in route the code serves, loosely on the whole API.
#[test]
fn the_waf_is_off_by_default_and_attached_only_when_enabled() {
    let t = template();
    let parameter = &t["Parameters"]["EnableWaf"];
    assert_eq!(parameter["Default"], "false");
    assert_eq!(parameter["AllowedValues"], yaml(r#"["true", "false"]"#));
    let enabled = yaml(r#"!Equals [!Ref EnableWaf, "true"]"#);
    assert_eq!(t["Conditions"]["WafEnabled"], enabled);
    let region_rule = t["Rules"]
        .as_mapping()
        .expect("Rules")
        .values()
        .find(|r| r["RuleCondition"] == enabled)
        .expect("a rule for EnableWaf=true");
    assert_eq!(
        region_rule["Assertions"][0]["Assert"],
        yaml("!Equals [!Ref AWS::Region, us-east-1]")
    );

    let acls = resources_of_type(&t, "AWS::WAFv2::WebACL");
    assert_eq!(acls.len(), 1);
    let (acl_name, acl) = acls[0];
    assert_eq!(acl["Condition"], "WafEnabled");
    let p = &acl["Properties"];
    assert_eq!(p["Scope"], "CLOUDFRONT");
    assert_eq!(p["DefaultAction"], yaml("{Allow: {}}"));
    assert_eq!(
        t["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["WebACLId"],
        yaml(&format!(
            "!If [WafEnabled, !GetAtt {acl_name}.Arn, !Ref AWS::NoValue]"
        ))
    );
    for (k, v) in [
        ("CloudWatchMetricsEnabled", true),
        ("SampledRequestsEnabled", true),
    ] {
        assert_eq!(p["VisibilityConfig"][k], Value::Bool(v), "{k}");
    }

    // (URI prefix, limit per 5 minutes) of each rate-based rule.
    let mut limits = Vec::new();
    for rule in p["Rules"].as_sequence().expect("rules") {
        let name = rule["Name"].as_str().unwrap();
        assert!(rule["Action"].get("Block").is_some(), "{name} blocks");
        for k in ["CloudWatchMetricsEnabled", "SampledRequestsEnabled"] {
            assert_eq!(rule["VisibilityConfig"][k], Value::Bool(true), "{name} {k}");
        }
        let rate = &rule["Statement"]["RateBasedStatement"];
        assert_eq!(rate["AggregateKeyType"], "IP", "{name} counts per address");
        assert_eq!(rate["EvaluationWindowSec"].as_u64(), Some(300), "{name}");
        let paths: Vec<&Value> = byte_matches(&rate["ScopeDownStatement"])
            .into_iter()
            .filter(|m| m["FieldToMatch"].get("UriPath").is_some())
            .collect();
        assert_eq!(paths.len(), 1, "{name} is scoped to a path prefix");
        assert_eq!(paths[0]["PositionalConstraint"], "STARTS_WITH");
        let prefix = paths[0]["SearchString"].as_str().unwrap().to_string();
        // The path is lowercased (and decoded) before the match: the prefix must be too.
        assert_eq!(prefix, prefix.to_lowercase(), "{name}");
        limits.push((prefix, rate["Limit"].as_u64().unwrap()));
    }
    let limit_of = |prefix: &str| {
        limits
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, l)| *l)
            .unwrap_or_else(|| panic!("a rule for {prefix} in {limits:?}"))
    };
    let sign_in = limit_of("/api/v1/auth/");
    assert!(sign_in <= 100, "sign-in limit {sign_in}");
    assert!(limit_of("/api/") > sign_in, "the API's limit is looser");

    // Every public sign-in route (and every route the gateway throttles as one) is covered.
    let public_auth: Vec<String> = erp_auth::routes()
        .specs()
        .iter()
        .filter(|s| s.access == Access::Public && s.method.as_str() == "POST")
        .map(|s| s.path.to_string())
        .collect();
    assert!(public_auth.iter().any(|p| p == "/api/v1/auth/login"));
    let throttled: Vec<String> = t["Resources"]["Api"]["Properties"]["RouteSettings"]
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(|k| {
            k.as_str()?
                .strip_prefix("POST /api/v1/auth")
                .map(|p| format!("/api/v1/auth{p}"))
        })
        .collect();
    for path in public_auth.iter().chain(&throttled) {
        assert!(
            path.starts_with("/api/v1/auth/"),
            "{path} outside the sign-in rule"
        );
    }
}
