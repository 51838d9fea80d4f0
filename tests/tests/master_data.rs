//! End-to-end: customers, products, searchable lists, safe concurrent edits and the audit
//! trail, on both backends.

use std::collections::HashSet;

use erp_shared::auth::Role;
use erp_shared::catalog;
use erp_shared::domain::Customer;
use erp_shared::store::Condition;
use erp_tests::{Backend, Reply, StatusCode, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    Reply::from(req.send().await.unwrap()).await
}

fn etag(r: &Reply) -> String {
    r.headers["etag"].to_str().unwrap().to_string()
}

async fn create_customer(app: &TestApp, token: &str, body: Value) -> Reply {
    let r = app.post("/api/v1/customers", Some(token), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r
}

/// Follows `next_cursor` to the end; returns every item.
async fn all_pages(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(c) => format!("{path}{sep}cursor={c}"),
            None => path.to_string(),
        };
        let r = app.get(&url, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(c) => next = Some(c.to_string()),
            None => return items,
        }
    }
}

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

async fn a_customer_is_created_edited_with_if_match_and_archived(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, sales) = app.user_with_role("sally", Role::Sales).await;
    let created = create_customer(
        &app,
        &sales,
        json!({
            "name": "Acme Ltd", "email": "Billing@Acme.test", "phone": "+44 20 7946 0958", "currency": "gbp",
            "payment_terms_days": 14, "tax_id": "GB123456789", "notes": "Key account",
            "billing_address": {"line1": "1 High St", "city": "London", "postal_code": "EC1A 1AA", "country": "gb"},
            "external_ids": {"salesforce": "001ABC"}
        }),
    )
    .await;
    let id = created.str("id");
    assert_eq!(
        created.headers["location"],
        format!("/api/v1/customers/{id}").as_str()
    );
    assert_eq!(etag(&created), "\"1\"");
    assert_eq!(created.body["email"], "billing@acme.test");
    assert_eq!(created.body["currency"], "GBP");
    assert_eq!(created.body["billing_address"]["country"], "GB");
    assert_eq!(created.body["status"], "active");

    let path = format!("/api/v1/customers/{id}");
    let got = app.get(&path, Some(&sales)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(etag(&got), "\"1\"");
    assert_eq!(got.body["external_ids"]["salesforce"], "001ABC");

    send(
        &app,
        Method::PATCH,
        &path,
        &sales,
        None,
        Some(json!({"name": "Acme Limited"})),
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    send(
        &app,
        Method::PATCH,
        &path,
        &sales,
        Some("\"7\""),
        Some(json!({"name": "Acme Limited"})),
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_FAILED, "stale-version");
    let patched = send(
        &app,
        Method::PATCH,
        &path,
        &sales,
        Some("\"1\""),
        Some(json!({"name": "Acme Limited", "phone": null})),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(etag(&patched), "\"2\"");
    assert_eq!(patched.body["name"], "Acme Limited");
    assert!(patched.body["phone"].is_null());
    assert_eq!(patched.body["notes"], "Key account");
    // The first writer's ETag is now stale.
    send(
        &app,
        Method::PATCH,
        &path,
        &sales,
        Some("\"1\""),
        Some(json!({"name": "Lost update"})),
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_FAILED, "stale-version");

    send(&app, Method::DELETE, &path, &sales, None, None)
        .await
        .assert_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    let deleted = send(&app, Method::DELETE, &path, &sales, Some("\"2\""), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let archived = app.get(&path, Some(&sales)).await;
    assert_eq!(
        archived.status,
        StatusCode::OK,
        "archived customers stay readable"
    );
    assert_eq!(archived.body["status"], "archived");
    let active = all_pages(&app, &sales, "/api/v1/customers").await;
    assert!(active.is_empty());
    let listed = all_pages(&app, &sales, "/api/v1/customers?status=archived").await;
    assert_eq!(names(&listed), ["Acme Limited"]);
    app.get("/api/v1/customers/unknown-id", Some(&sales))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
}

async fn invalid_master_data_gets_field_errors(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/customers",
            Some(&admin),
            json!({"name": "x".repeat(201), "email": "not-an-email", "currency": "EURO", "payment_terms_days": 400, "phone": "call me"}),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields: HashSet<&str> = r.error_fields().into_iter().collect();
    assert_eq!(
        fields,
        HashSet::from(["name", "email", "currency", "payment_terms_days", "phone"])
    );

    let r = app
        .post(
            "/api/v1/products",
            Some(&admin),
            json!({"sku": "bad sku!", "name": "", "unit_price": {"amount": -100, "currency": "usd"}, "tax_rate": "120"}),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields: HashSet<&str> = r.error_fields().into_iter().collect();
    assert_eq!(
        fields,
        HashSet::from(["sku", "name", "unit_price.amount", "tax_rate"])
    );
}

async fn lists_search_filter_and_sort(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    for (name, email) in [
        ("Acme Ltd", "ap@acme.test"),
        ("acme Holdings", "finance@holdings.test"),
        ("Beta GmbH", "acme-billing@beta.test"),
        ("Gamma Inc", "bob@gamma.test"),
        ("Delta SA", "x@delta.test"),
    ] {
        create_customer(
            &app,
            &admin,
            json!({"name": name, "email": email, "currency": "EUR"}),
        )
        .await;
    }
    let by_name = all_pages(&app, &admin, "/api/v1/customers?limit=2").await;
    assert_eq!(
        names(&by_name),
        [
            "Acme Holdings",
            "Acme Ltd",
            "Beta GmbH",
            "Delta SA",
            "Gamma Inc"
        ]
        .map(|n| {
            if n == "Acme Holdings" {
                "acme Holdings".to_string()
            } else {
                n.to_string()
            }
        })
    );
    let desc = all_pages(&app, &admin, "/api/v1/customers?sort=-name&limit=2").await;
    assert_eq!(
        names(&desc),
        names(&by_name).into_iter().rev().collect::<Vec<_>>()
    );
    let created = all_pages(&app, &admin, "/api/v1/customers?sort=created&limit=3").await;
    assert_eq!(
        names(&created),
        [
            "Acme Ltd",
            "acme Holdings",
            "Beta GmbH",
            "Gamma Inc",
            "Delta SA"
        ]
    );
    let newest = all_pages(&app, &admin, "/api/v1/customers?sort=-created&limit=3").await;
    assert_eq!(names(&newest)[0], "Delta SA");

    // Case-insensitive prefix of the name, then of the email.
    let acme = all_pages(&app, &admin, "/api/v1/customers?q=ACME&limit=1").await;
    assert_eq!(names(&acme), ["acme Holdings", "Acme Ltd", "Beta GmbH"]);
    let bob = all_pages(&app, &admin, "/api/v1/customers?q=bob@").await;
    assert_eq!(names(&bob), ["Gamma Inc"]);
    assert!(
        all_pages(&app, &admin, "/api/v1/customers?q=zzz")
            .await
            .is_empty()
    );

    // Creation date ranges.
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        all_pages(
            &app,
            &admin,
            &format!("/api/v1/customers?created_from={today}")
        )
        .await
        .len(),
        5
    );
    assert!(
        all_pages(
            &app,
            &admin,
            &format!("/api/v1/customers?created_from={tomorrow}")
        )
        .await
        .is_empty()
    );
    assert_eq!(
        all_pages(
            &app,
            &admin,
            &format!("/api/v1/customers?sort=created&created_to={today}")
        )
        .await
        .len(),
        5
    );
    let third = created[2]["created_at"].as_str().unwrap();
    let from_third = all_pages(
        &app,
        &admin,
        &format!(
            "/api/v1/customers?sort=created&created_from={}",
            third.replace('+', "%2B")
        ),
    )
    .await;
    assert_eq!(names(&from_third), ["Beta GmbH", "Gamma Inc", "Delta SA"]);
    let q_and_range = all_pages(
        &app,
        &admin,
        &format!("/api/v1/customers?q=acme&created_to={today}"),
    )
    .await;
    assert_eq!(q_and_range.len(), 3);

    // Bad parameters and cursors.
    let r = app.get("/api/v1/customers?limit=2", Some(&admin)).await;
    let cursor = r.str("next_cursor");
    app.get(
        &format!("/api/v1/customers?sort=-name&cursor={cursor}"),
        Some(&admin),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid-cursor");
    let mut forged = cursor.clone();
    forged.insert(
        3,
        if forged.as_bytes()[3] == b'A' {
            'B'
        } else {
            'A'
        },
    );
    app.get(&format!("/api/v1/customers?cursor={forged}"), Some(&admin))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid-cursor");
    app.get(&format!("/api/v1/products?cursor={cursor}"), Some(&admin))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid-cursor");
    for bad in [
        "status=deleted",
        "sort=price",
        "created_from=yesterday",
        "q=acme&sort=created",
        "limit=0",
    ] {
        app.get(&format!("/api/v1/customers?{bad}"), Some(&admin))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }
}

async fn skus_are_unique_even_under_concurrent_creates(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, manager) = app.user_with_role("mia", Role::Manager).await;
    let product = |sku: &str, name: &str| json!({"sku": sku, "name": name, "unit_price": {"amount": 1999, "currency": "EUR"}, "tax_rate": "20", "unit": "pcs"});
    let first = app
        .post(
            "/api/v1/products",
            Some(&manager),
            product("WID-1", "Widget"),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["tax_rate"], "20");
    assert_eq!(first.body["unit_price"]["amount"], 1999);
    assert_eq!(first.body["active"], true);
    app.post(
        "/api/v1/products",
        Some(&manager),
        product("wid-1", "Widget copy"),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "sku-taken");

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/products"),
                manager.clone(),
            );
            let body = product("RACE-1", &format!("Racer {i}"));
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        19,
        "{statuses:?}"
    );
    let racers = all_pages(&app, &manager, "/api/v1/products?q=racer").await;
    assert_eq!(racers.len(), 1);

    // Renaming the SKU frees the old one; the search finds products by SKU prefix too.
    let id = first.str("id");
    let path = format!("/api/v1/products/{id}");
    let r = send(
        &app,
        Method::PATCH,
        &path,
        &manager,
        Some("\"1\""),
        Some(json!({"sku": "WID-2", "unit_price": {"amount": 2499, "currency": "EUR"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["sku"], "WID-2");
    let again = app
        .post(
            "/api/v1/products",
            Some(&manager),
            product("WID-1", "New widget"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    send(
        &app,
        Method::PATCH,
        &path,
        &manager,
        Some("\"2\""),
        Some(json!({"sku": "wid-1"})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "sku-taken");
    let by_sku = all_pages(&app, &manager, "/api/v1/products?q=wid-").await;
    assert_eq!(names(&by_sku), ["New widget", "Widget"]);

    let deleted = send(&app, Method::DELETE, &path, &manager, Some("\"2\""), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let archived = app.get(&path, Some(&manager)).await;
    assert_eq!(archived.body["active"], false);
    assert_eq!(
        names(&all_pages(&app, &manager, "/api/v1/products?status=archived").await),
        ["Widget"]
    );
}

async fn the_audit_trail_shows_who_changed_what(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, sales) = app.user_with_role("sid", Role::Sales).await;
    let (_, manager) = app.user_with_role("meg", Role::Manager).await;
    let admin = app.admin_token().await;
    let sales_id = app.get("/api/v1/auth/me", Some(&sales)).await.str("id");
    let manager_id = app.get("/api/v1/auth/me", Some(&manager)).await.str("id");

    let c = create_customer(
        &app,
        &sales,
        json!({"name": "Initech", "currency": "USD", "payment_terms_days": 30}),
    )
    .await;
    let id = c.str("id");
    let path = format!("/api/v1/customers/{id}");
    send(
        &app,
        Method::PATCH,
        &path,
        &manager,
        Some("\"1\""),
        Some(json!({"payment_terms_days": 45, "notes": "Net 45 agreed"})),
    )
    .await;
    send(&app, Method::DELETE, &path, &admin, Some("\"2\""), None).await;

    let history = app
        .get(
            &format!("/api/v1/audit?entity_type=customer&entity_id={id}"),
            Some(&manager),
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let records = history.body["items"].as_array().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["customer.archived", "customer.updated", "customer.created"],
        "newest first"
    );
    assert_eq!(records[2]["actor_id"], sales_id.as_str());
    assert_eq!(records[2]["actor_role"], "sales");
    assert_eq!(records[1]["actor_id"], manager_id.as_str());
    assert_eq!(records[1]["actor_role"], "manager");
    assert_eq!(records[0]["actor_role"], "admin");
    let changes = records[1]["changes"].as_array().unwrap();
    assert_eq!(
        changes,
        &vec![
            json!({"field": "notes", "old": null, "new": "Net 45 agreed"}),
            json!({"field": "payment_terms_days", "old": 30, "new": 45}),
        ]
    );
    assert_eq!(
        records[0]["changes"],
        json!([{"field": "status", "old": "active", "new": "archived"}])
    );
    assert!(
        records
            .iter()
            .all(|r| r["request_id"].as_str().is_some_and(|s| !s.is_empty()))
    );
    assert!(records.iter().all(|r| r["source_ip"] == "127.0.0.1"));

    // The activity feed, by actor and by time; auth events are there too.
    let by_manager = all_pages(
        &app,
        &admin,
        &format!("/api/v1/audit?actor_id={manager_id}"),
    )
    .await;
    assert!(by_manager.iter().any(|r| r["action"] == "customer.updated"));
    assert!(by_manager.iter().any(|r| r["action"] == "user.login"));
    assert!(
        by_manager
            .iter()
            .all(|r| r["actor_id"] == manager_id.as_str())
    );
    let today = chrono::Utc::now().date_naive();
    let feed = all_pages(
        &app,
        &admin,
        &format!("/api/v1/audit?from={today}&to={today}&limit=5"),
    )
    .await;
    let feed_actions: Vec<&str> = feed.iter().map(|r| r["action"].as_str().unwrap()).collect();
    for expected in [
        "user.registered",
        "user.approved",
        "user.login",
        "customer.created",
        "customer.archived",
    ] {
        assert!(
            feed_actions.contains(&expected),
            "{expected} missing from {feed_actions:?}"
        );
    }
    let mut sorted = feed
        .iter()
        .map(|r| r["at"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    sorted.sort();
    sorted.reverse();
    assert_eq!(
        sorted,
        feed.iter()
            .map(|r| r["at"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    );
    let tomorrow = today.succ_opt().unwrap();
    assert!(
        all_pages(&app, &admin, &format!("/api/v1/audit?from={tomorrow}"))
            .await
            .is_empty()
    );
    // No secret ever reaches the trail.
    let all = serde_json::to_string(&feed).unwrap();
    assert!(!all.contains("argon2") && !all.contains("password_hash"));

    // Failed logins and the lockout are audited against the account.
    for _ in 0..5 {
        app.login(&app.email("sid"), "wrong-passphrase-123").await;
    }
    let sid = all_pages(
        &app,
        &admin,
        &format!("/api/v1/audit?entity_type=user&entity_id={sales_id}"),
    )
    .await;
    let sid_actions: Vec<&str> = sid.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        sid_actions
            .iter()
            .filter(|a| **a == "user.login_failed")
            .count(),
        5
    );
    assert!(sid_actions.contains(&"user.approved"));
    // The sixth is refused before the password is checked, and that is audited too.
    app.login(&app.email("sid"), "wrong-passphrase-123")
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
    let tried = all_pages(
        &app,
        &admin,
        &format!(
            "/api/v1/audit?entity_type=login&entity_id={}",
            app.email("sid")
        ),
    )
    .await;
    assert!(tried.iter().any(|r| r["action"] == "user.login_throttled"));
    assert!(sid_actions.contains(&"user.approved"));

    // Only managers and admins read the trail; nobody can change it.
    app.get("/api/v1/audit", Some(&sales))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    send(&app, Method::DELETE, "/api/v1/audit", &admin, None, None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    app.get("/api/v1/audit?entity_type=customer", Some(&admin))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
}

async fn two_thousand_customers_page_through_without_gaps_or_duplicates(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let total = 2000;
    // Seeded straight into the store (the list is what is under test): the emulator copies
    // the whole table on every TransactWriteItems, which makes 2,000 API creates take minutes.
    let mut expected = HashSet::new();
    let now = chrono::Utc::now();
    for chunk in (0..total).collect::<Vec<_>>().chunks(100) {
        let tasks: Vec<_> = chunk
            .iter()
            .map(|i| {
                let store = app.state.store.clone();
                let at = (now + chrono::Duration::milliseconds(*i as i64))
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                let mut c = Customer::blank(uuid::Uuid::now_v7().to_string(), at);
                c.name = format!("Customer {:04}", (i * 7919) % total);
                tokio::spawn(async move {
                    store
                        .put(
                            catalog::customer_item(&c).unwrap(),
                            Some(Condition::NotExists),
                        )
                        .await
                        .unwrap();
                    c.id
                })
            })
            .collect();
        for t in tasks {
            expected.insert(t.await.unwrap());
        }
    }
    for (path, sorted_by_name) in [
        ("/api/v1/customers?limit=100", true),
        ("/api/v1/customers?limit=37&sort=-created", false),
    ] {
        let items = all_pages(&app, &admin, path).await;
        let ids: Vec<String> = items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), total, "{path}: every customer once");
        assert_eq!(unique, expected, "{path}: no gaps");
        if sorted_by_name {
            let n = names(&items);
            let mut sorted = n.clone();
            sorted.sort();
            assert_eq!(n, sorted);
        }
    }
}

on_both_backends!(
    a_customer_is_created_edited_with_if_match_and_archived,
    invalid_master_data_gets_field_errors,
    lists_search_filter_and_sort,
    skus_are_unique_even_under_concurrent_creates,
    the_audit_trail_shows_who_changed_what,
    two_thousand_customers_page_through_without_gaps_or_duplicates,
);
