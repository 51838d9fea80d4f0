//! End-to-end: orders, invoices, credit notes and payments on both backends.

use std::collections::HashSet;

use erp_shared::auth::Role;
use erp_shared::store::keys;
use erp_tests::{Backend, Reply, StatusCode, TestApp, billing_address, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    Reply::from(req.send().await.unwrap()).await
}

async fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

struct Shop {
    app: TestApp,
    admin: String,
    customer: String,
    widget: String,
    gadget: String,
}

async fn shop(backend: Backend, currency: &str) -> Shop {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    app.seller_ready(&admin).await;
    let c = ok(
        app.post(
            "/api/v1/customers",
            Some(&admin),
            json!({"name": "Acme Ltd", "currency": currency, "payment_terms_days": 14, "billing_address": billing_address()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let w = ok(
        app.post("/api/v1/products", Some(&admin), json!({"sku": "W-1", "name": "Widget", "unit_price": {"amount": 1999, "currency": currency}, "tax_rate": "20"})).await,
        StatusCode::CREATED,
    )
    .await;
    let g = ok(
        app.post("/api/v1/products", Some(&admin), json!({"sku": "G-1", "name": "Gadget", "unit_price": {"amount": 500, "currency": currency}, "tax_rate": "7.5"})).await,
        StatusCode::CREATED,
    )
    .await;
    Shop {
        customer: c["id"].as_str().unwrap().into(),
        widget: w["id"].as_str().unwrap().into(),
        gadget: g["id"].as_str().unwrap().into(),
        app,
        admin,
    }
}

impl Shop {
    async fn order(&self, token: &str, lines: Value) -> Value {
        ok(
            self.app
                .post(
                    "/api/v1/orders",
                    Some(token),
                    json!({"customer_id": self.customer, "lines": lines}),
                )
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    /// Confirms a draft order and makes its invoice (as the admin); the invoice's answer.
    async fn invoice_order(&self, order_id: &str) -> Value {
        let path = |step: &str| format!("/api/v1/orders/{order_id}/{step}");
        let admin = Some(self.admin.as_str());
        let confirmed = self.app.post(&path("confirm"), admin, json!({})).await;
        ok(confirmed, StatusCode::OK).await;
        let made = self.app.post(&path("invoice"), admin, json!({})).await;
        ok(made, StatusCode::CREATED).await
    }

    /// A draft invoice with these lines.
    async fn draft(&self, lines: Value) -> Value {
        ok(
            self.app
                .post(
                    "/api/v1/invoices",
                    Some(&self.admin),
                    json!({"customer_id": self.customer, "lines": lines}),
                )
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    async fn issue(&self, id: &str, body: Value) -> Reply {
        self.app
            .post(
                &format!("/api/v1/invoices/{id}/issue"),
                Some(&self.admin),
                body,
            )
            .await
    }

    /// An issued invoice with these lines.
    async fn issued(&self, lines: Value) -> String {
        let id = self.draft(lines).await["id"].as_str().unwrap().to_string();
        ok(self.issue(&id, json!({})).await, StatusCode::OK).await;
        id
    }

    /// A payment on this date.
    async fn pay_on(&self, id: &str, amount: i64, date: &str) -> Reply {
        send(
            &self.app,
            Method::POST,
            &format!("/api/v1/invoices/{id}/payments"),
            &self.admin,
            &[],
            Some(json!({"amount": amount, "method": "cash", "date": date})),
        )
        .await
    }

    async fn pay(&self, id: &str, amount: i64, key: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = key
            .map(|k| vec![("idempotency-key", k)])
            .unwrap_or_default();
        send(
            &self.app,
            Method::POST,
            &format!("/api/v1/invoices/{id}/payments"),
            &self.admin,
            &headers,
            Some(json!({"amount": amount, "method": "bank_transfer", "reference": "wire"})),
        )
        .await
    }
}

fn year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

async fn an_order_goes_from_draft_to_paid_invoice(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let (_, sales) = s.app.user_with_role("sam", Role::Sales).await;
    let (_, accountant) = s.app.user_with_role("ana", Role::Accountant).await;
    let order = s
        .order(
            &sales,
            json!([
                {"product_id": s.widget, "quantity": "3"},
                {"product_id": s.gadget, "quantity": 2, "discount": {"type": "percent", "value": "10"}},
                {"description": "Installation", "quantity": "1.5", "unit_price": 4000, "tax_rate": "20", "discount": {"type": "amount", "value": 1000}}
            ]),
        )
        .await;
    assert_eq!(order["status"], "draft");
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines[0]["description"], "Widget");
    assert_eq!(lines[0]["unit_price"], 1999);
    assert_eq!(
        (
            lines[0]["gross"].as_i64(),
            lines[0]["tax"].as_i64(),
            lines[0]["total"].as_i64()
        ),
        (Some(5997), Some(1199), Some(7196))
    );
    assert_eq!(
        (
            lines[1]["gross"].as_i64(),
            lines[1]["discount_amount"].as_i64(),
            lines[1]["tax"].as_i64()
        ),
        (Some(1000), Some(100), Some(68))
    );
    assert_eq!(
        (lines[2]["net"].as_i64(), lines[2]["tax"].as_i64()),
        (Some(5000), Some(1000))
    );
    let t = &order["totals"];
    assert_eq!(t["subtotal"], 12997);
    assert_eq!(t["discount"], 1100);
    assert_eq!(t["tax"], 2267);
    assert_eq!(t["total"], 14164);

    // A later price change does not touch the order.
    let w = s
        .app
        .get(&format!("/api/v1/products/{}", s.widget), Some(&s.admin))
        .await;
    let tag = w.headers["etag"].to_str().unwrap().to_string();
    ok(
        send(
            &s.app,
            Method::PATCH,
            &format!("/api/v1/products/{}", s.widget),
            &s.admin,
            &[("if-match", &tag)],
            Some(json!({"unit_price": {"amount": 9999, "currency": "EUR"}})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let id = order["id"].as_str().unwrap();
    let again = s
        .app
        .get(&format!("/api/v1/orders/{id}"), Some(&sales))
        .await;
    assert_eq!(again.body["lines"][0]["unit_price"], 1999);

    // Stale edits are refused; lines are edited only in draft.
    send(
        &s.app,
        Method::PATCH,
        &format!("/api/v1/orders/{id}"),
        &sales,
        &[("if-match", "\"9\"")],
        Some(json!({"notes": "x"})),
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_FAILED, "stale-version");
    let confirmed = ok(
        s.app
            .post(
                &format!("/api/v1/orders/{id}/confirm"),
                Some(&sales),
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    send(
        &s.app,
        Method::PATCH,
        &format!("/api/v1/orders/{id}"),
        &sales,
        &[("if-match", "\"2\"")],
        Some(json!({"notes": "x"})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "invalid-status");

    let invoice = ok(
        s.app
            .post(
                &format!("/api/v1/orders/{id}/invoice"),
                Some(&sales),
                json!({}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(invoice["status"], "draft");
    assert!(invoice["number"].is_null(), "drafts have no number");
    assert_eq!(invoice["totals"], order["totals"]);
    assert_eq!(
        s.app
            .get(&format!("/api/v1/orders/{id}"), Some(&sales))
            .await
            .body["status"],
        "invoiced"
    );
    let inv = invoice["id"].as_str().unwrap();

    // Sales may not issue; the accountant does.
    s.app
        .post(
            &format!("/api/v1/invoices/{inv}/issue"),
            Some(&sales),
            json!({}),
        )
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let issued = ok(
        s.app
            .post(
                &format!("/api/v1/invoices/{inv}/issue"),
                Some(&accountant),
                json!({"issue_date": "2026-03-10"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(issued["status"], "issued");
    assert_eq!(issued["number"], "INV-2026-000001");
    assert_eq!(issued["issue_date"], "2026-03-10");
    assert_eq!(issued["due_date"], "2026-03-24", "14 days of payment terms");
    assert_eq!(issued["overdue"], true);
    send(
        &s.app,
        Method::PATCH,
        &format!("/api/v1/invoices/{inv}"),
        &accountant,
        &[("if-match", "\"2\"")],
        Some(json!({"notes": "x"})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "immutable");

    let p1 = ok(s.pay(inv, 4000, None).await, StatusCode::CREATED).await;
    assert_eq!(p1["amount"], 4000);
    let after1 = s
        .app
        .get(&format!("/api/v1/invoices/{inv}"), Some(&accountant))
        .await
        .body;
    assert_eq!(after1["status"], "partially_paid");
    assert_eq!(after1["balance_due"], 10164);
    s.pay(inv, 10165, None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    ok(s.pay(inv, 10164, None).await, StatusCode::CREATED).await;
    let paid = s
        .app
        .get(&format!("/api/v1/invoices/{inv}"), Some(&accountant))
        .await
        .body;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["balance_due"], 0);
    assert_eq!(paid["amount_paid"], 14164);
    assert_eq!(paid["overdue"], false);
    s.pay(inv, 1, None)
        .await
        .assert_problem(StatusCode::CONFLICT, "invalid-status");
    let payments = s
        .app
        .get(&format!("/api/v1/invoices/{inv}/payments"), Some(&sales))
        .await
        .body;
    assert_eq!(payments["items"].as_array().unwrap().len(), 2);

    // A mistaken payment is reversed by a manager, not by the accountant.
    let pid = p1["id"].as_str().unwrap();
    send(
        &s.app,
        Method::DELETE,
        &format!("/api/v1/invoices/{inv}/payments/{pid}"),
        &accountant,
        &[],
        None,
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    ok(
        send(
            &s.app,
            Method::DELETE,
            &format!("/api/v1/invoices/{inv}/payments/{pid}"),
            &s.admin,
            &[],
            None,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let reopened = s
        .app
        .get(&format!("/api/v1/invoices/{inv}"), Some(&accountant))
        .await
        .body;
    assert_eq!(reopened["status"], "partially_paid");
    assert_eq!(reopened["balance_due"], 4000);
    let history = s
        .app
        .get(
            &format!("/api/v1/audit?entity_type=invoice&entity_id={inv}"),
            Some(&s.admin),
        )
        .await;
    let actions = history.actions();
    assert_eq!(
        actions,
        [
            "invoice.payment_reversed",
            "invoice.payment_recorded",
            "invoice.payment_recorded",
            "invoice.issued",
            "invoice.created"
        ]
    );
}

async fn five_hundred_lines_fit_and_more_are_refused(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let lines: Vec<Value> = (0..500)
        .map(|i| if i % 2 == 0 { json!({"product_id": s.widget, "quantity": "1"}) } else { json!({"description": format!("Service hour {i} {}", "x".repeat(150)), "quantity": "0.25", "unit_price": 7333, "tax_rate": "20"}) })
        .collect();
    let order = s.order(&s.admin, Value::Array(lines.clone())).await;
    assert_eq!(order["lines"].as_array().unwrap().len(), 500);
    let sum: i64 = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["total"].as_i64().unwrap())
        .sum();
    assert_eq!(order["totals"]["total"], sum);
    let id = order["id"].as_str().unwrap();
    let inv = s.invoice_order(id).await;
    let inv_id = inv["id"].as_str().unwrap();
    let issued = ok(s.issue(inv_id, json!({})).await, StatusCode::OK).await;
    let total = issued["totals"]["total"].as_i64().unwrap();
    ok(s.pay(inv_id, total, None).await, StatusCode::CREATED).await;
    assert_eq!(
        s.app
            .get(&format!("/api/v1/invoices/{inv_id}"), Some(&s.admin))
            .await
            .body["status"],
        "paid"
    );

    let mut too_many = lines;
    too_many.push(json!({"product_id": s.widget, "quantity": "1"}));
    let r = s
        .app
        .post(
            "/api/v1/orders",
            Some(&s.admin),
            json!({"customer_id": s.customer, "lines": too_many}),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 500 lines"),
        "{}",
        r.body
    );
}

async fn voids_and_credit_notes(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let a = s
        .draft(json!([{"product_id": s.widget, "quantity": "1"}]))
        .await;
    let a_id = a["id"].as_str().unwrap();
    ok(s.issue(a_id, json!({})).await, StatusCode::OK).await;
    let voided = ok(
        s.app
            .post(
                &format!("/api/v1/invoices/{a_id}/void"),
                Some(&s.admin),
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(voided["status"], "void");
    assert_eq!(voided["balance_due"], 0);
    s.pay(a_id, 1, None)
        .await
        .assert_problem(StatusCode::CONFLICT, "invalid-status");

    let b = s.draft(json!([{"product_id": s.widget, "quantity": "2"}, {"product_id": s.gadget, "quantity": "4"}])).await;
    let b_id = b["id"].as_str().unwrap();
    let issued = ok(s.issue(b_id, json!({})).await, StatusCode::OK).await;
    assert_eq!(issued["number"], format!("INV-{}-000002", year()));
    ok(s.pay(b_id, 1000, None).await, StatusCode::CREATED).await;
    s.app
        .post(
            &format!("/api/v1/invoices/{b_id}/void"),
            Some(&s.admin),
            json!({}),
        )
        .await
        .assert_problem(StatusCode::CONFLICT, "invalid-status");
    s.app
        .post(
            &format!("/api/v1/invoices/{b_id}/credit-note"),
            Some(&s.admin),
            json!({"reason": "returned"}),
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let note = ok(
        s.app.post(&format!("/api/v1/invoices/{b_id}/credit-note"), Some(&s.admin), json!({"reason": "one widget returned", "lines": [{"product_id": s.widget, "quantity": "1"}]})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["number"], format!("CN-{}-000001", year()));
    assert_eq!(note["credited_invoice_id"], b_id);
    let credit = note["totals"]["total"].as_i64().unwrap();
    assert_eq!(credit, 2399);
    let after = s
        .app
        .get(&format!("/api/v1/invoices/{b_id}"), Some(&s.admin))
        .await
        .body;
    let total = issued["totals"]["total"].as_i64().unwrap();
    assert_eq!(after["amount_credited"], credit);
    assert_eq!(after["balance_due"], total - 1000 - credit);
    assert_eq!(after["status"], "partially_paid");
    let r = s
        .app
        .post(
            &format!("/api/v1/invoices/{b_id}/credit-note"),
            Some(&s.admin),
            json!({"reason": "too much", "lines": [{"product_id": s.widget, "quantity": "10"}]}),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    // Fully credited without payments: settled.
    let c = s
        .draft(json!([{"product_id": s.gadget, "quantity": "1"}]))
        .await;
    let c_id = c["id"].as_str().unwrap();
    ok(s.issue(c_id, json!({})).await, StatusCode::OK).await;
    ok(
        s.app
            .post(
                &format!("/api/v1/invoices/{c_id}/credit-note"),
                Some(&s.admin),
                json!({"reason": "cancelled"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let settled = s
        .app
        .get(&format!("/api/v1/invoices/{c_id}"), Some(&s.admin))
        .await
        .body;
    assert_eq!(
        (settled["status"].as_str(), settled["balance_due"].as_i64()),
        (Some("credited"), Some(0))
    );
}

async fn a_payment_retried_with_its_key_is_recorded_once(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let inv = s
        .draft(json!([{"product_id": s.widget, "quantity": "5"}]))
        .await;
    let id = inv["id"].as_str().unwrap();
    ok(s.issue(id, json!({})).await, StatusCode::OK).await;
    let first = ok(s.pay(id, 2500, Some("pay-123")).await, StatusCode::CREATED).await;
    let retry = ok(s.pay(id, 2500, Some("pay-123")).await, StatusCode::CREATED).await;
    assert_eq!(first, retry, "the retry answers with the first result");
    s.pay(id, 999, Some("pay-123"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    let inv = s
        .app
        .get(&format!("/api/v1/invoices/{id}"), Some(&s.admin))
        .await
        .body;
    assert_eq!(inv["amount_paid"], 2500);
    let payments = s
        .app
        .get(&format!("/api/v1/invoices/{id}/payments"), Some(&s.admin))
        .await
        .body;
    assert_eq!(payments["items"].as_array().unwrap().len(), 1);
    // Concurrent retries of one key also record one payment.
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (client, url, token) = (
                s.app.client.clone(),
                s.app.url(&format!("/api/v1/invoices/{id}/payments")),
                s.admin.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .header("idempotency-key", "pay-456")
                    .json(&json!({"amount": 100, "method": "card"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(
        s.app
            .get(&format!("/api/v1/invoices/{id}"), Some(&s.admin))
            .await
            .body["amount_paid"],
        2600
    );
}

async fn concurrent_issues_get_distinct_consecutive_numbers(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let n = 50;
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(
            s.draft(json!([{"product_id": s.gadget, "quantity": "1"}]))
                .await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Drafts consume no number; nor does a failed issue.
    let spare = s
        .draft(json!([{"product_id": s.gadget, "quantity": "1"}]))
        .await;
    // A token of its own for the issues, signed in now: on a loaded machine the drafts above
    // can take a good part of the 15-minute access token's life (the app would refresh).
    let token = s.app.admin_token().await;
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (client, url, token) = (
                s.app.client.clone(),
                s.app.url(&format!("/api/v1/invoices/{id}/issue")),
                token.clone(),
            );
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                r.json::<Value>().await.unwrap()["number"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=n).map(|i| format!("INV-{}-{i:06}", year())).collect();
    assert_eq!(numbers, expected);
    s.issue(&ids[0], json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT, "invalid-status");
    let next = ok(
        s.issue(spare["id"].as_str().unwrap(), json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(next["number"], format!("INV-{}-{:06}", year(), n + 1));
}

async fn concurrent_payments_never_overpay(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let inv = s
        .draft(json!([{"description": "Consulting", "quantity": "1", "unit_price": 1000}]))
        .await;
    let id = inv["id"].as_str().unwrap().to_string();
    ok(s.issue(&id, json!({})).await, StatusCode::OK).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (client, url, token) = (
                s.app.client.clone(),
                s.app.url(&format!("/api/v1/invoices/{id}/payments")),
                s.admin.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"amount": 300, "method": "card"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        let st = t.await.unwrap();
        assert!(
            st == StatusCode::CREATED || st == StatusCode::UNPROCESSABLE_ENTITY,
            "{st}"
        );
        created += (st == StatusCode::CREATED) as i64;
    }
    assert_eq!(created, 3);
    let after = s
        .app
        .get(&format!("/api/v1/invoices/{id}"), Some(&s.admin))
        .await
        .body;
    assert_eq!(after["amount_paid"], 900);
    assert_eq!(after["balance_due"], 100);
}

async fn rounding_edge_cases_and_currencies(backend: Backend) {
    for (currency, price, qty, rate, expect_tax, expect_total) in [
        ("JPY", 1000, "3", "10", 300, 3300),
        ("KWD", 1234, "1.5", "5", 93, 1944),
    ] {
        let s = shop(backend, currency).await;
        let inv = s.draft(json!([{"description": "Item", "quantity": qty, "unit_price": price, "tax_rate": rate}])).await;
        assert_eq!(inv["currency"], currency);
        assert_eq!(
            (
                inv["totals"]["tax"].as_i64(),
                inv["totals"]["total"].as_i64()
            ),
            (Some(expect_tax), Some(expect_total)),
            "{currency}"
        );
    }
    let s = shop(backend, "EUR").await;
    let free = s.draft(json!([{"product_id": s.widget, "quantity": "2", "discount": {"type": "percent", "value": "100"}}])).await;
    assert_eq!(
        (
            free["totals"]["total"].as_i64(),
            free["totals"]["tax"].as_i64(),
            free["totals"]["discount"].as_i64()
        ),
        (Some(0), Some(0), Some(3998))
    );
    let small: Vec<Value> = (0..200).map(|_| json!({"description": "Bolt", "quantity": "0.333", "unit_price": 1, "tax_rate": "7.5"})).collect();
    let many = s.draft(Value::Array(small)).await;
    let t = &many["totals"];
    assert_eq!(
        t["subtotal"].as_i64().unwrap() - t["discount"].as_i64().unwrap()
            + t["tax"].as_i64().unwrap(),
        t["total"].as_i64().unwrap()
    );
    let r = s.app.post("/api/v1/invoices", Some(&s.admin), json!({"customer_id": s.customer, "lines": [{"description": "X", "quantity": "0", "unit_price": 1}, {"product_id": "nope", "quantity": 1}, {"description": "Y", "quantity": "1", "unit_price": 100, "discount": {"type": "amount", "value": 101}}]})).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "lines[0].quantity",
            "lines[1].product_id",
            "lines[2].discount"
        ]
    );
}

async fn invoice_lists_filter_by_status_customer_dates_number_and_amount(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let other = ok(
        s.app
            .post(
                "/api/v1/customers",
                Some(&s.admin),
                json!({"name": "Other", "currency": "EUR"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let mut issued = Vec::new();
    for (i, date) in ["2026-01-05", "2026-02-10", "2026-03-15"]
        .iter()
        .enumerate()
    {
        let inv = s
            .draft(json!([{"product_id": s.widget, "quantity": (i + 1).to_string()}]))
            .await;
        let id = inv["id"].as_str().unwrap().to_string();
        ok(
            s.issue(&id, json!({"issue_date": date, "due_date": date}))
                .await,
            StatusCode::OK,
        )
        .await;
        issued.push(id);
    }
    let draft = s
        .draft(json!([{"product_id": s.gadget, "quantity": "1"}]))
        .await;
    let theirs = ok(s.app.post("/api/v1/invoices", Some(&s.admin), json!({"customer_id": other["id"], "lines": [{"description": "x", "quantity": 1, "unit_price": 50}]})).await, StatusCode::CREATED).await;
    ok(s.pay(&issued[0], 2399, None).await, StatusCode::CREATED).await;
    let ids = |r: &Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let get = |q: &str| {
        let path = format!("/api/v1/invoices?{q}");
        let (app, admin) = (&s.app, s.admin.clone());
        async move { app.get(&path, Some(&admin)).await }
    };

    assert_eq!(ids(&get("").await).len(), 5);
    assert_eq!(
        ids(&get("status=draft").await)
            .into_iter()
            .collect::<HashSet<_>>(),
        HashSet::from([
            draft["id"].as_str().unwrap().to_string(),
            theirs["id"].as_str().unwrap().to_string()
        ])
    );
    assert_eq!(ids(&get("status=paid").await), [issued[0].clone()]);
    assert_eq!(
        ids(&get("status=overdue").await)
            .into_iter()
            .collect::<HashSet<_>>(),
        HashSet::from([issued[1].clone(), issued[2].clone()])
    );
    assert_eq!(
        ids(&get(&format!("customer_id={}", other["id"].as_str().unwrap())).await),
        [theirs["id"].as_str().unwrap().to_string()]
    );
    assert_eq!(
        ids(&get("from=2026-02-01&to=2026-03-31&sort=date").await),
        [issued[1].clone(), issued[2].clone()]
    );
    assert_eq!(ids(&get("due_from=2026-03-01").await), [issued[2].clone()]);
    assert_eq!(
        ids(&get("number=inv-2026-000002").await),
        [issued[1].clone()]
    );
    assert_eq!(ids(&get("number=INV-2026").await).len(), 3);
    assert_eq!(
        ids(&get("amount_min=4000&amount_max=6000").await),
        [issued[1].clone()]
    );
    assert_eq!(ids(&get("status=issued&limit=1").await).len(), 1);
    get("status=lost")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    get("from=March")
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let orders = s
        .app
        .get("/api/v1/orders?status=draft", Some(&s.admin))
        .await;
    assert_eq!(orders.status, StatusCode::OK);
    let payments = s
        .app
        .get(
            &format!("/api/v1/payments?customer_id={}", s.customer),
            Some(&s.admin),
        )
        .await;
    assert_eq!(payments.body["items"].as_array().unwrap().len(), 1);
    let none = s
        .app
        .get("/api/v1/payments?to=2000-01-01", Some(&s.admin))
        .await;
    assert!(none.body["items"].as_array().unwrap().is_empty());
}

async fn daily_rollups_follow_issues_payments_voids_and_credits(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let a = s
        .draft(json!([{"product_id": s.widget, "quantity": "1"}]))
        .await;
    let b = s.draft(json!([{"product_id": s.widget, "quantity": "2"}, {"product_id": s.gadget, "quantity": "1"}])).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    ok(
        s.issue(a_id, json!({"issue_date": "2026-05-04"})).await,
        StatusCode::OK,
    )
    .await;
    ok(
        s.issue(b_id, json!({"issue_date": "2026-05-04"})).await,
        StatusCode::OK,
    )
    .await;
    ok(
        s.app
            .post(
                &format!("/api/v1/invoices/{a_id}/void"),
                Some(&s.admin),
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let pay = send(
        &s.app,
        Method::POST,
        &format!("/api/v1/invoices/{b_id}/payments"),
        &s.admin,
        &[],
        Some(json!({"amount": 1000, "method": "cash", "date": "2026-05-06"})),
    )
    .await;
    ok(pay, StatusCode::CREATED).await;
    let day = s
        .app
        .state
        .store
        .get(&keys::stats("2026-05-04", "TOTALS"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        day["revenue#EUR"], b["totals"]["total"],
        "the voided invoice is taken out again"
    );
    assert_eq!(day["invoices"], 1);
    let cash = s
        .app
        .state
        .store
        .get(&keys::stats("2026-05-06", "TOTALS"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cash["cash#EUR"], 1000);
    let customer_shard = erp_shared::sales::customer_shard_key(&s.customer);
    let per_customer = s
        .app
        .state
        .store
        .get(&keys::stats("2026-05-04", &customer_shard))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        per_customer[&format!("revenue#{}#EUR", s.customer)],
        b["totals"]["total"]
    );
    let owed = s
        .app
        .state
        .store
        .get(&keys::stats("ALL", "TOTALS"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        owed["receivable#EUR"].as_i64().unwrap(),
        b["totals"]["total"].as_i64().unwrap() - 1000
    );
    let mut widget_revenue = 0;
    for shard in 0..erp_shared::sales::PRODUCT_SHARDS {
        if let Some(item) = s
            .app
            .state
            .store
            .get(&keys::stats("2026-05-04", &format!("PRODUCTS#{shard}")))
            .await
            .unwrap()
        {
            widget_revenue += item
                .get(&format!("revenue#{}#EUR", s.widget))
                .and_then(Value::as_i64)
                .unwrap_or(0);
        }
    }
    assert_eq!(
        widget_revenue, 3998,
        "net revenue of the two widgets on the surviving invoice"
    );
}

/// `(id, status)` of every item of an invoice list, in order.
async fn listed(s: &Shop, query: &str) -> Vec<(String, String)> {
    let r = ok(
        s.app
            .get(&format!("/api/v1/invoices?{query}"), Some(&s.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn ids_of(listed: &[(String, String)]) -> HashSet<String> {
    listed.iter().map(|(id, _)| id.clone()).collect()
}

async fn credited_invoices_and_credit_notes_say_what_they_are(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let get = |id: String| {
        let (app, admin) = (&s.app, s.admin.clone());
        async move {
            ok(
                app.get(&format!("/api/v1/invoices/{id}"), Some(&admin))
                    .await,
                StatusCode::OK,
            )
            .await
        }
    };
    let credit = |id: String, body: Value| {
        let (app, admin) = (&s.app, s.admin.clone());
        async move {
            ok(
                app.post(
                    &format!("/api/v1/invoices/{id}/credit-note"),
                    Some(&admin),
                    body,
                )
                .await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    // Fully credited at once.
    let a = s
        .issued(json!([{"product_id": s.widget, "quantity": "1"}]))
        .await;
    let note_a = credit(a.clone(), json!({"reason": "cancelled"})).await;
    assert_eq!(note_a["kind"], "credit_note");
    assert_eq!(note_a["status"], "applied", "{note_a}");
    assert!(
        note_a["due_date"].is_null(),
        "nothing is due on a credit note"
    );
    assert_eq!(note_a["overdue"], false);
    let a_now = get(a.clone()).await;
    assert_eq!(
        (&a_now["status"], &a_now["balance_due"], &a_now["paid_on"]),
        (&json!("credited"), &json!(0), &Value::Null)
    );
    // Partly paid, then the rest credited: credited.
    let b = s
        .issued(json!([{"product_id": s.widget, "quantity": "2"}]))
        .await;
    ok(s.pay(&b, 1000, None).await, StatusCode::CREATED).await;
    let rest = get(b.clone()).await["balance_due"].as_i64().unwrap();
    let note_b = credit(
        b.clone(),
        json!({"reason": "goodwill", "lines": [{"description": "Goodwill", "quantity": "1", "unit_price": rest}]}),
    )
    .await;
    assert_eq!(note_b["status"], "applied");
    assert_eq!(get(b.clone()).await["status"], "credited");
    // Partly credited, then the rest paid: paid, on the payment's date.
    let c = s
        .issued(json!([{"product_id": s.widget, "quantity": "1"}]))
        .await;
    credit(
        c.clone(),
        json!({"reason": "discount", "lines": [{"description": "Discount", "quantity": "1", "unit_price": 399}]}),
    )
    .await;
    ok(s.pay(&c, 2000, None).await, StatusCode::CREATED).await;
    let c_now = get(c.clone()).await;
    assert_eq!(c_now["status"], "paid");
    assert!(c_now["paid_on"].is_string(), "{c_now}");

    assert_eq!(
        listed(&s, "status=paid").await,
        [(c.clone(), "paid".into())]
    );
    assert_eq!(
        ids_of(&listed(&s, "status=credited").await),
        HashSet::from([a.clone(), b.clone()])
    );
    let notes = listed(&s, "status=applied").await;
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes.iter().all(|(_, st)| st == "applied"));
    assert!(ids_of(&notes).contains(note_a["id"].as_str().unwrap()));
    assert!(listed(&s, "status=issued").await.is_empty());
    // The credit note's PDF is a credit note with no due date.
    let note_id = note_a["id"].as_str().unwrap();
    let (status, _, pdf) = s
        .app
        .bytes(&format!("/api/v1/invoices/{note_id}/pdf"), &s.admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = erp_tests::pdf_text(&pdf);
    assert!(text.contains("Credit note"), "{text}");
    assert!(!text.contains("Due date"), "{text}");

    // Documents stored by the previous version: a credited invoice and a credit note were
    // `paid` (listed under `paid`), and the credit note had a due date.
    let (gsi1pk, _) = erp_shared::store::Index::Gsi1.attributes();
    for id in [a.as_str(), note_id] {
        let key = keys::invoice(id);
        let mut item = s.app.state.store.get(&key).await.unwrap().unwrap();
        item.insert("status".into(), json!("paid"));
        item.insert(gsi1pk.into(), json!(keys::invoices("paid")));
        if id == note_id {
            item.insert("due_date".into(), item["issue_date"].clone());
        }
        s.app.state.store.put(item, None).await.unwrap();
    }
    let old_a = get(a.clone()).await;
    assert_eq!(old_a["status"], "credited");
    let old_note = get(note_id.to_string()).await;
    assert_eq!(old_note["status"], "applied");
    assert!(old_note["due_date"].is_null());
    assert_eq!(
        listed(&s, "status=paid").await,
        [(c.clone(), "paid".into())]
    );
    let credited = listed(&s, "status=credited").await;
    assert_eq!(ids_of(&credited), HashSet::from([a.clone(), b.clone()]));
    assert!(credited.iter().all(|(_, st)| st == "credited"));
    let notes = listed(&s, "status=applied").await;
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(ids_of(&notes).contains(note_id));
    assert!(notes.iter().all(|(_, st)| st == "applied"));
    assert_eq!(
        listed(&s, &format!("status=credited&customer_id={}", s.customer))
            .await
            .len(),
        2
    );
}

async fn a_payment_dated_before_the_issue_date_is_refused(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let id = s
        .draft(json!([{"product_id": s.widget, "quantity": "1"}]))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        s.issue(&id, json!({"issue_date": "2026-05-04"})).await,
        StatusCode::OK,
    )
    .await;
    let early = s.pay_on(&id, 100, "2026-05-03").await;
    early.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(early.error_fields(), ["date"], "{}", early.body);
    assert!(
        s.app
            .get(&format!("/api/v1/invoices/{id}/payments"), Some(&s.admin))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing is recorded"
    );
    ok(s.pay_on(&id, 100, "2026-05-04").await, StatusCode::CREATED).await;
}

async fn an_invoice_made_from_an_order_has_the_shape_of_every_invoice(backend: Backend) {
    let s = shop(backend, "EUR").await;
    let order = s
        .order(&s.admin, json!([{"product_id": s.widget, "quantity": "1"}]))
        .await;
    let id = order["id"].as_str().unwrap();
    let made = s.invoice_order(id).await;
    assert_eq!(made["overdue"], false, "{made}");
    let read = s
        .app
        .get(
            &format!("/api/v1/invoices/{}", made["id"].as_str().unwrap()),
            Some(&s.admin),
        )
        .await
        .body;
    assert_eq!(made, read, "the same invoice in the same shape");
}

on_both_backends!(
    an_order_goes_from_draft_to_paid_invoice,
    five_hundred_lines_fit_and_more_are_refused,
    voids_and_credit_notes,
    a_payment_retried_with_its_key_is_recorded_once,
    concurrent_issues_get_distinct_consecutive_numbers,
    concurrent_payments_never_overpay,
    rounding_edge_cases_and_currencies,
    invoice_lists_filter_by_status_customer_dates_number_and_amount,
    daily_rollups_follow_issues_payments_voids_and_credits,
    credited_invoices_and_credit_notes_say_what_they_are,
    a_payment_dated_before_the_issue_date_is_refused,
    an_invoice_made_from_an_order_has_the_shape_of_every_invoice,
);
