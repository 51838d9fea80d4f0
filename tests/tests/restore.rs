//! The restore drill: data made through the API on the embedded store, exported with
//! `erp_admin::export`, imported into a fresh DynamoDB table on the emulator with
//! `erp_admin::import`, and the same API on the DynamoDB backend answers the same: every
//! document, list, number, balance and the audit trail, byte for byte. Then the restored
//! stack carries on: the next invoice number follows, the old users sign in, and the one email
//! that was still waiting at export time is held for an admin instead of being sent again.

use std::path::{Path, PathBuf};
use std::time::Instant;

use erp_admin::{Error, ExportOptions, ImportOptions};
use erp_shared::auth::Role;
use erp_shared::store::{DynamoBackend, Store};
use erp_tests::{
    ADMIN_PASSWORD, Backend, Reply, StatusCode, TestApp, billing_address, fresh_store, moto_sdk,
    png_logo,
};
use serde_json::{Value, json};

fn year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

fn temp_dir(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "erp-restore-{what}-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

/// One answer as a client sees it: status, the headers that matter, the exact body.
#[derive(Debug, PartialEq)]
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn fetch(app: &TestApp, token: &str, path: &str) -> Answer {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Answer {
        status: res.status(),
        etag: header("etag"),
        content_type: header("content-type").unwrap_or_default(),
        body: res.bytes().await.expect("body").to_vec(),
    }
}

/// Every page of a list, following `next_cursor` (cursors are part of the answer).
async fn pages(app: &TestApp, token: &str, path: &str) -> Vec<(String, Answer)> {
    let mut out = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(p) = next.take() {
        let a = fetch(app, token, &p).await;
        assert_eq!(
            a.status,
            StatusCode::OK,
            "{p}: {}",
            String::from_utf8_lossy(&a.body)
        );
        if let Some(c) = a.json()["next_cursor"].as_str() {
            let sep = if path.contains('?') { '&' } else { '?' };
            next = Some(format!("{path}{sep}cursor={c}"));
        }
        out.push((p, a));
    }
    out
}

/// The data of a small company, made through the API: users of three roles, customers,
/// products, an order turned into an invoice, issued invoices, payments (one with an
/// idempotency key), a credit note, company settings with a logo, an edit, and an email
/// that could not be sent yet.
struct Company {
    admin: String,
    accountant: String,
    sales: (String, String),
    invoices: Vec<String>,
    customers: Vec<String>,
    products: Vec<String>,
    orders: Vec<String>,
    users: Vec<String>,
    waiting_email: (String, String),
}

async fn make_company(app: &TestApp) -> Company {
    let admin = app.admin_token().await;
    let logo = base64_png();
    app.put_seller_settings(
        &admin,
        json!({
            "brand_colour": "#0A7A55",
            "default_currency": "EUR",
            "time_zone": "Europe/Berlin",
            "payment_terms_days": 14,
            "invoice_footer": "Northwind Trading GmbH, HRB 12345",
            "bank_details": "IBAN: DE89370400440532013000",
            "logo": format!("data:image/png;base64,{logo}"),
        }),
    )
    .await;
    let (sales_email, sales) = app.user_with_role("sam", Role::Sales).await;
    let (_, accountant) = app.user_with_role("ana", Role::Accountant).await;
    let (_, _viewer) = app.user_with_role("vic", Role::Viewer).await;

    let mut customers = Vec::new();
    for (name, email) in [
        ("Acme Ltd", Some(app.email("acme"))),
        ("Globex SARL", Some(app.email("globex"))),
        ("Initech", None),
    ] {
        let mut body = json!({"name": name, "currency": "EUR", "payment_terms_days": 14, "billing_address": billing_address()});
        if let Some(e) = email {
            body["email"] = json!(e);
        }
        let c = ok(
            app.post("/api/v1/customers", Some(&admin), body).await,
            StatusCode::CREATED,
        );
        customers.push(id(&c));
    }
    // Enough for more than one import transaction (100 items each).
    for n in 0..12 {
        let body = json!({"name": format!("Walk-in {n:02}"), "currency": "EUR", "billing_address": billing_address()});
        ok(
            app.post("/api/v1/customers", Some(&admin), body).await,
            StatusCode::CREATED,
        );
    }
    // An edit: version 2, a new ETag, an audit record with the change.
    let path = format!("/api/v1/customers/{}", customers[2]);
    let etag = app.get(&path, Some(&admin)).await.headers["etag"]
        .to_str()
        .unwrap()
        .to_string();
    ok(
        app.send(
            reqwest::Method::PATCH,
            &path,
            &admin,
            &[("if-match", &etag)],
            Some(json!({"notes": "pays late"})),
        )
        .await,
        StatusCode::OK,
    );
    let mut products = Vec::new();
    for (sku, name, price, rate) in [("W-1", "Widget", 1999, "19"), ("G-1", "Gadget", 500, "7")] {
        let p = ok(
            app.post("/api/v1/products", Some(&admin), json!({"sku": sku, "name": name, "unit_price": {"amount": price, "currency": "EUR"}, "tax_rate": rate})).await,
            StatusCode::CREATED,
        );
        products.push(id(&p));
    }
    let lines = |w: &str, g: &str| json!([{"product_id": products[0], "quantity": w}, {"product_id": products[1], "quantity": g}]);

    // An order, confirmed and invoiced, issued by the accountant: INV-…-000001.
    let order = ok(
        app.post(
            "/api/v1/orders",
            Some(&sales),
            json!({"customer_id": customers[0], "lines": lines("3", "2")}),
        )
        .await,
        StatusCode::CREATED,
    );
    let order_id = id(&order);
    let step = |s: &str| format!("/api/v1/orders/{order_id}/{s}");
    ok(
        app.post(&step("confirm"), Some(&sales), json!({})).await,
        StatusCode::OK,
    );
    let first = ok(
        app.post(&step("invoice"), Some(&sales), json!({})).await,
        StatusCode::CREATED,
    );
    let mut invoices = vec![id(&first)];
    // A second order left as a draft.
    let draft_order = ok(
        app.post(
            "/api/v1/orders",
            Some(&sales),
            json!({"customer_id": customers[1], "lines": lines("1", "1")}),
        )
        .await,
        StatusCode::CREATED,
    );
    // Two invoices made directly, and a draft that keeps no number.
    for (c, w, g) in [(1, "2", "4"), (0, "1", "0.5"), (2, "5", "5")] {
        let inv = ok(
            app.post(
                "/api/v1/invoices",
                Some(&admin),
                json!({"customer_id": customers[c], "lines": lines(w, g)}),
            )
            .await,
            StatusCode::CREATED,
        );
        invoices.push(id(&inv));
    }
    for (n, inv) in invoices[..3].iter().enumerate() {
        let issued = ok(
            app.post(
                &format!("/api/v1/invoices/{inv}/issue"),
                Some(&accountant),
                json!({}),
            )
            .await,
            StatusCode::OK,
        );
        assert_eq!(issued["number"], format!("INV-{}-{:06}", year(), n + 1));
    }
    // Payments: a partial one with an idempotency key, a full one.
    ok(
        app.send(
            reqwest::Method::POST,
            &format!("/api/v1/invoices/{}/payments", invoices[0]),
            &accountant,
            &[("idempotency-key", "restore-drill-payment-1")],
            Some(json!({"amount": 5000, "method": "bank_transfer", "reference": "wire 1"})),
        )
        .await,
        StatusCode::CREATED,
    );
    let due = app
        .get(&format!("/api/v1/invoices/{}", invoices[2]), Some(&admin))
        .await
        .body["balance_due"]
        .as_i64()
        .unwrap();
    ok(
        app.post(
            &format!("/api/v1/invoices/{}/payments", invoices[2]),
            Some(&accountant),
            json!({"amount": due, "method": "cash"}),
        )
        .await,
        StatusCode::CREATED,
    );
    // A credit note for one widget of the second invoice: CN-…-000001.
    let note = ok(
        app.post(
            &format!("/api/v1/invoices/{}/credit-note", invoices[1]),
            Some(&admin),
            json!({"reason": "one widget returned", "lines": [{"product_id": products[0], "quantity": "1"}]}),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(note["number"], format!("CN-{}-000001", year()));
    invoices.push(id(&note));
    // Sent invoices: one delivered, one that could not be sent yet (still pending).
    let sent = ok(
        app.post(
            &format!("/api/v1/invoices/{}/send", invoices[0]),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::ACCEPTED,
    );
    assert_eq!(sent["status"], "sent", "{sent}");
    app.break_mail().await;
    let waiting = ok(
        app.post(
            &format!("/api/v1/invoices/{}/send", invoices[1]),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::ACCEPTED,
    );
    assert_eq!(waiting["status"], "pending", "{waiting}");
    app.repair_mail().await;
    let users = ok(
        app.get("/api/v1/users?limit=100", Some(&admin)).await,
        StatusCode::OK,
    )["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    Company {
        admin,
        accountant,
        sales: (sales_email, sales),
        invoices,
        customers,
        products,
        orders: vec![order_id, id(&draft_order)],
        users,
        waiting_email: (
            waiting["outbox_id"].as_str().unwrap().to_string(),
            app.email("globex"),
        ),
    }
}

fn base64_png() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(png_logo(96, 32))
}

/// Every GET of the API over this company's data, lists in small pages so that cursors are
/// compared too. The outbox lists are not among them: the held email is checked apart.
async fn answers(app: &TestApp, c: &Company) -> Vec<(String, Answer)> {
    let mut paths: Vec<String> = [
        "/api/v1/auth/me",
        "/api/v1/auth/mfa",
        "/api/v1/auth/sessions",
        "/api/v1/settings/company",
        "/api/v1/settings/company/logo",
        "/api/v1/dashboard/summary",
        "/api/v1/dashboard/activity",
        "/api/v1/dashboard/top-customers",
        "/api/v1/dashboard/top-products",
        "/api/v1/dashboard/trends",
    ]
    .map(String::from)
    .to_vec();
    for u in &c.users {
        paths.push(format!("/api/v1/users/{u}"));
    }
    for x in &c.customers {
        paths.push(format!("/api/v1/customers/{x}"));
        paths.push(format!("/api/v1/audit?entity_type=customer&entity_id={x}"));
    }
    for p in &c.products {
        paths.push(format!("/api/v1/products/{p}"));
    }
    for o in &c.orders {
        paths.push(format!("/api/v1/orders/{o}"));
    }
    for (n, i) in c.invoices.iter().enumerate() {
        // The fourth is a draft: no e-invoice yet.
        let documents: &[&str] = if n == 3 {
            &["", "/payments", "/reminders", "/pdf"]
        } else {
            &["", "/payments", "/reminders", "/pdf", "/ubl", "/cii"]
        };
        for what in documents {
            paths.push(format!("/api/v1/invoices/{i}{what}"));
        }
        paths.push(format!("/api/v1/audit?entity_type=invoice&entity_id={i}"));
    }
    let mut out = Vec::new();
    for p in paths {
        let a = fetch(app, &c.admin, &p).await;
        out.push((p, a));
    }
    for list in [
        "/api/v1/users?limit=2",
        "/api/v1/users?status=active&limit=2",
        "/api/v1/customers?limit=2",
        "/api/v1/customers?q=acme",
        "/api/v1/customers?sort=-created&limit=2",
        "/api/v1/products?limit=1",
        "/api/v1/orders?limit=1",
        "/api/v1/invoices?limit=2",
        "/api/v1/invoices?status=paid",
        "/api/v1/invoices?number=INV",
        "/api/v1/payments?limit=1",
        "/api/v1/audit?limit=5",
    ] {
        out.extend(pages(app, &c.admin, list).await);
    }
    let actor = json!(c.users[0]);
    out.extend(
        pages(
            app,
            &c.admin,
            &format!("/api/v1/audit?actor_id={}&limit=4", actor.as_str().unwrap()),
        )
        .await,
    );
    // As another role: what a sales user sees of their own account.
    out.push((
        "/api/v1/auth/me (sales)".into(),
        fetch(app, &c.sales.1, "/api/v1/auth/me").await,
    ));
    out
}

fn same(before: &[(String, Answer)], after: &[(String, Answer)]) {
    assert_eq!(before.len(), after.len(), "as many pages");
    for ((path, b), (path_after, a)) in before.iter().zip(after) {
        assert_eq!(path, path_after);
        assert!(
            b.status.is_success(),
            "{path}: {} {}",
            b.status,
            String::from_utf8_lossy(&b.body)
        );
        assert_eq!(
            (b.status, &b.etag, &b.content_type),
            (a.status, &a.etag, &a.content_type),
            "{path}"
        );
        if b.body != a.body {
            panic!(
                "{path} answers differently after the restore:\nbefore: {}\nafter:  {}",
                String::from_utf8_lossy(&b.body),
                String::from_utf8_lossy(&a.body)
            );
        }
    }
}

async fn empty_dynamo_table() -> Store {
    fresh_store(Backend::Dynamo).await
}

async fn is_empty(store: &Store) -> bool {
    store.scan(None, 1).await.unwrap().items.is_empty()
}

fn tamper(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in [erp_admin::MANIFEST_FILE, erp_admin::ITEMS_FILE] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    let path = to.join(erp_admin::ITEMS_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen("\"balance_due\":", "\"balance_due\":1", 1);
    assert_ne!(changed, text, "something to change");
    std::fs::write(&path, changed).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_the_embedded_store_restores_on_dynamodb_and_answers_the_same() {
    let source = TestApp::start(Backend::Embedded).await;
    let company = make_company(&source).await;
    let before = answers(&source, &company).await;
    let pending_before = fetch(&source, &company.admin, "/api/v1/outbox?status=pending").await;
    assert_eq!(
        pending_before.json()["items"][0]["id"],
        company.waiting_email.0.as_str()
    );

    let dir = temp_dir("drill");
    let started = Instant::now();
    let manifest = erp_admin::export(&source.state.store, &dir, &ExportOptions::default())
        .await
        .expect("export");
    let export_time = started.elapsed();
    assert_eq!(manifest.source_backend, "embedded");
    for kind in [
        "user",
        "email_guard",
        "session",
        "customer",
        "product",
        "sku_guard",
        "order",
        "invoice",
        "payment",
        "counter",
        "audit",
        "company_settings",
        "company_logo",
        "outbox",
        "idempotency",
        "daily_rollup",
    ] {
        assert!(
            manifest.kinds.contains_key(kind),
            "no {kind} in {:?}",
            manifest.kinds
        );
    }
    assert_eq!(
        manifest.kinds["invoice"], 5,
        "four invoices and a credit note"
    );
    assert_eq!(manifest.kinds["payment"], 2);
    assert!(
        !manifest.kinds.contains_key("unknown"),
        "{:?}",
        manifest.kinds
    );

    let target = empty_dynamo_table().await;
    let started = Instant::now();
    let report = erp_admin::import(&target, &dir, &ImportOptions::default())
        .await
        .expect("import");
    let import_time = started.elapsed();
    let expired: u64 = report.expired.values().sum();
    assert_eq!(report.written + expired, manifest.total);
    assert_eq!(report.held_outbox, 1, "the email still waiting");
    eprintln!(
        "restore drill: {} items ({} bytes, {} kinds) exported in {:.3} s, imported into DynamoDB (emulator) in {:.3} s ({} expired left out); kinds {:?}",
        manifest.total,
        manifest.items_bytes,
        manifest.kinds.len(),
        export_time.as_secs_f64(),
        import_time.as_secs_f64(),
        expired,
        manifest.kinds,
    );

    // The same API on the DynamoDB backend, over the imported table, answers the same.
    let restored = TestApp::on_store(Backend::Dynamo, target.clone(), &source.tag).await;
    let after = answers(&restored, &company).await;
    same(&before, &after);
    assert!(before.len() > 80, "{} answers compared", before.len());
    eprintln!(
        "restore drill: {} answers compared, all equal",
        before.len()
    );

    // Except the email that was waiting: held for an admin, not sent by the restored stack.
    let pending = fetch(&restored, &company.admin, "/api/v1/outbox?status=pending").await;
    assert_eq!(pending.json()["items"], json!([]));
    assert_eq!(restored.drain_outbox().await.sent, 0);
    let failed = ok(
        restored
            .get("/api/v1/outbox?status=failed", Some(&company.admin))
            .await,
        StatusCode::OK,
    );
    let held = &failed["items"][0];
    assert_eq!(held["id"], company.waiting_email.0.as_str());
    assert_eq!(held["last_error"], erp_admin::HELD);
    let to = &company.waiting_email.1;
    assert!(
        restored.emails_to(to).await.is_empty(),
        "nothing sent by the import"
    );
    // An admin retries it: sent once.
    let retried = ok(
        restored
            .post(
                &format!("/api/v1/outbox/{}/retry", company.waiting_email.0),
                Some(&company.admin),
                json!({}),
            )
            .await,
        StatusCode::OK,
    );
    assert_eq!(retried["status"], "sent", "{retried}");
    assert_eq!(restored.emails_to(to).await.len(), 1);

    // The old users sign in with their passwords.
    restored
        .tokens(&restored.email("admin"), ADMIN_PASSWORD)
        .await;
    restored
        .tokens(&company.sales.0, "sam-secret-passphrase")
        .await;
    // The payment's idempotency key came along: the same request is answered, not repeated.
    let replay = ok(
        restored
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/invoices/{}/payments", company.invoices[0]),
                &company.accountant,
                &[("idempotency-key", "restore-drill-payment-1")],
                Some(json!({"amount": 5000, "method": "bank_transfer", "reference": "wire 1"})),
            )
            .await,
        StatusCode::CREATED,
    );
    let payments = ok(
        restored
            .get(
                &format!("/api/v1/invoices/{}/payments", company.invoices[0]),
                Some(&company.admin),
            )
            .await,
        StatusCode::OK,
    );
    assert_eq!(payments["items"].as_array().unwrap().len(), 1, "{replay}");
    assert_eq!(payments["items"][0]["id"], replay["id"]);

    // The numbering carries on where it stopped (the counters came along).
    let next = ok(
        restored
            .post(
                &format!("/api/v1/invoices/{}/issue", company.invoices[3]),
                Some(&company.admin),
                json!({}),
            )
            .await,
        StatusCode::OK,
    );
    assert_eq!(next["number"], format!("INV-{}-000004", year()));
    let note = ok(
        restored
            .post(
                &format!("/api/v1/invoices/{}/credit-note", company.invoices[0]),
                Some(&company.admin),
                json!({"reason": "goodwill", "lines": [{"product_id": company.products[1], "quantity": "1"}]}),
            )
            .await,
        StatusCode::CREATED,
    );
    assert_eq!(note["number"], format!("CN-{}-000002", year()));
    // A second import into the (now non-empty) table is refused, and writes nothing.
    let err = erp_admin::import(&target, &dir, &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotEmpty), "{err}");

    // A changed items file is refused before anything is written.
    let changed = temp_dir("tampered");
    tamper(&dir, &changed);
    let fresh = empty_dynamo_table().await;
    let err = erp_admin::import(&fresh, &changed, &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("checksum"), "{err}");
    assert!(is_empty(&fresh).await, "nothing written");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&changed);
}

/// The first admin of a deployed stack: `erp-admin create-admin` against the table, then a
/// sign-in through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_admin_makes_the_first_admin_of_a_dynamodb_table() {
    let store = empty_dynamo_table().await;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
    let email = format!("ops.{tag}@example.com");
    let weak = erp_admin::create_admin(&store, &email, "Ops", "password1234", false)
        .await
        .unwrap_err();
    assert!(
        weak.to_string().contains("the password is too common"),
        "{weak}"
    );
    let mine = erp_admin::create_admin(&store, &email, "Ops", &format!("ops.{tag}x"), false).await;
    assert!(
        mine.unwrap_err()
            .to_string()
            .contains("must not contain the email")
    );
    assert_eq!(
        erp_admin::create_admin(&store, &email, "Ops Team", "quiet-lantern-meadow-7", false)
            .await
            .unwrap(),
        1
    );
    let twice = erp_admin::create_admin(&store, &email, "Ops", "quiet-lantern-meadow-7", true)
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("already exists"), "{twice}");

    let app = TestApp::on_store(Backend::Dynamo, store, &tag).await;
    let (token, _) = app.tokens(&email, "quiet-lantern-meadow-7").await;
    let me = ok(
        app.get("/api/v1/auth/me", Some(&token)).await,
        StatusCode::OK,
    );
    assert_eq!(
        (me["role"].as_str(), me["name"].as_str()),
        (Some("admin"), Some("Ops Team"))
    );

    // A table that does not exist is named as such.
    let sdk = moto_sdk().await;
    let missing = Store::dynamo(DynamoBackend::new(&sdk, format!("erp-missing-{tag}")));
    let err = erp_admin::create_admin(&missing, &email, "Ops", "quiet-lantern-meadow-7", false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TableNotFound), "{err}");
    let err = erp_admin::export(&missing, &temp_dir("missing"), &ExportOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TableNotFound), "{err}");
}
