//! End-to-end: the dashboard after a scripted month of orders, invoices, payments, a void and
//! a credit note agrees exactly with a recomputation from the documents, on both backends.

use std::collections::HashMap;

use chrono::NaiveDate;
use erp_tests::{Backend, Reply, StatusCode, TestApp, billing_address, on_both_backends};
use serde_json::{Value, json};

async fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

async fn all(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(c) => format!("{path}{sep}cursor={c}"),
            None => path.to_string(),
        };
        let body = ok(app.get(&url, Some(token)).await, StatusCode::OK).await;
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => next = Some(c.into()),
            None => return items,
        }
    }
}

/// A list that does not page answers like every list: `{items, next_cursor: null}`.
fn assert_one_page(list: &Value) {
    let fields: Vec<&String> = list.as_object().expect("an object").keys().collect();
    assert_eq!(fields, ["items", "next_cursor"], "{list}");
    assert!(list["items"].is_array(), "{list}");
    assert!(list["next_cursor"].is_null(), "{list}");
}

fn date(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

async fn the_dashboard_matches_the_documents(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    app.seller_ready(&admin).await;
    let mut customers = Vec::new();
    for name in ["Acme Ltd", "Globex", "Initech"] {
        let c = ok(
            app.post(
                "/api/v1/customers",
                Some(&admin),
                json!({"name": name, "currency": "EUR", "payment_terms_days": 10, "billing_address": billing_address()}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        customers.push(c["id"].as_str().unwrap().to_string());
    }
    let mut products = Vec::new();
    for (i, price) in [1999, 4500, 250].iter().enumerate() {
        let p = ok(
            app.post("/api/v1/products", Some(&admin), json!({"sku": format!("P-{i}"), "name": format!("Product {i}"), "unit_price": {"amount": price, "currency": "EUR"}, "tax_rate": "20"})).await,
            StatusCode::CREATED,
        )
        .await;
        products.push(p["id"].as_str().unwrap().to_string());
    }
    // A scripted October: 9 invoices on different days, payments, a void, a credit note.
    let mut invoice_ids = Vec::new();
    for i in 0..9usize {
        let lines = json!([
            {"product_id": products[i % 3], "quantity": (i + 1).to_string()},
            {"product_id": products[(i + 1) % 3], "quantity": "2", "discount": {"type": "percent", "value": "10"}},
            {"description": "Service", "quantity": "1", "unit_price": 1000 + i as i64 * 10, "tax_rate": "20"}
        ]);
        let inv = ok(
            app.post(
                "/api/v1/invoices",
                Some(&admin),
                json!({"customer_id": customers[i % 3], "lines": lines}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let id = inv["id"].as_str().unwrap().to_string();
        let day = format!("2026-10-{:02}", 1 + i * 3);
        ok(
            app.post(
                &format!("/api/v1/invoices/{id}/issue"),
                Some(&admin),
                json!({"issue_date": day}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        invoice_ids.push(id);
    }
    // One issued in September (previous period) and one in November (outside).
    for day in ["2026-09-20", "2026-11-02"] {
        let inv = ok(app.post("/api/v1/invoices", Some(&admin), json!({"customer_id": customers[0], "lines": [{"product_id": products[0], "quantity": "1"}]})).await, StatusCode::CREATED).await;
        let id = inv["id"].as_str().unwrap();
        ok(
            app.post(
                &format!("/api/v1/invoices/{id}/issue"),
                Some(&admin),
                json!({"issue_date": day}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let pay = |id: String, amount: i64, day: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            ok(
                app.post(
                    &format!("/api/v1/invoices/{id}/payments"),
                    Some(&admin),
                    json!({"amount": amount, "date": day, "method": "bank_transfer"}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let total_of = |id: &str| {
        let (app, admin, id) = (&app, admin.clone(), id.to_string());
        async move {
            ok(
                app.get(&format!("/api/v1/invoices/{id}"), Some(&admin))
                    .await,
                StatusCode::OK,
            )
            .await["totals"]["total"]
                .as_i64()
                .unwrap()
        }
    };
    let t0 = total_of(&invoice_ids[0]).await;
    pay(invoice_ids[0].clone(), t0, "2026-10-05").await;
    let t1 = total_of(&invoice_ids[1]).await;
    pay(invoice_ids[1].clone(), 2000, "2026-10-08").await;
    pay(invoice_ids[1].clone(), t1 - 2000, "2026-10-20").await;
    pay(invoice_ids[2].clone(), 1500, "2026-10-15").await;
    ok(
        app.post(
            &format!("/api/v1/invoices/{}/void", invoice_ids[3]),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let note = app
        .post(
            &format!("/api/v1/invoices/{}/credit-note", invoice_ids[4]),
            Some(&admin),
            json!({"reason": "damaged", "lines": [{"product_id": products[1], "quantity": "1"}]}),
        )
        .await;
    ok(note, StatusCode::CREATED).await;
    // Orders are counted on the day they are created (today).
    for c in &customers[..2] {
        ok(
            app.post(
                "/api/v1/orders",
                Some(&admin),
                json!({"customer_id": c, "lines": [{"product_id": products[2], "quantity": "3"}]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }

    // Recompute from the documents.
    let invoices = all(&app, &admin, "/api/v1/invoices?limit=100").await;
    let payments = all(&app, &admin, "/api/v1/payments?limit=100").await;
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    );
    let in_oct = |d: NaiveDate| d >= from && d <= to;
    let mut revenue = 0;
    let mut issued = 0;
    let mut by_day: HashMap<NaiveDate, i64> = HashMap::new();
    let mut by_customer: HashMap<String, i64> = HashMap::new();
    let mut by_product: HashMap<String, i64> = HashMap::new();
    for inv in &invoices {
        if inv["status"] == "draft" || inv["status"] == "void" {
            continue;
        }
        let d = date(&inv["issue_date"]);
        if !in_oct(d) {
            continue;
        }
        let sign = if inv["kind"] == "credit_note" { -1 } else { 1 };
        let total = inv["totals"]["total"].as_i64().unwrap() * sign;
        revenue += total;
        issued += (sign == 1) as i64;
        *by_day.entry(d).or_default() += total;
        *by_customer
            .entry(inv["customer_id"].as_str().unwrap().into())
            .or_default() += total;
        for l in inv["lines"].as_array().unwrap() {
            if let Some(p) = l["product_id"].as_str() {
                *by_product.entry(p.into()).or_default() += sign * l["net"].as_i64().unwrap();
            }
        }
    }
    let cash: i64 = payments
        .iter()
        .filter(|p| in_oct(date(&p["date"])))
        .map(|p| p["amount"].as_i64().unwrap())
        .sum();
    let open: Vec<&Value> = invoices
        .iter()
        .filter(|i| i["status"] == "issued" || i["status"] == "partially_paid")
        .collect();
    let outstanding: i64 = open
        .iter()
        .map(|i| i["balance_due"].as_i64().unwrap())
        .sum();
    let today = chrono::Utc::now().date_naive();
    let overdue: i64 = open
        .iter()
        .filter(|i| date(&i["due_date"]) < today)
        .map(|i| i["balance_due"].as_i64().unwrap())
        .sum();
    let settled: Vec<i64> = invoices
        .iter()
        .filter(|i| {
            i["status"] == "paid"
                && i["kind"] == "invoice"
                && i["paid_on"].is_string()
                && in_oct(date(&i["paid_on"]))
        })
        .map(|i| (date(&i["paid_on"]) - date(&i["issue_date"])).num_days())
        .collect();
    assert_eq!(
        settled.len(),
        2,
        "two invoices settled by payments in October"
    );

    let s = ok(
        app.get(
            "/api/v1/dashboard/summary?from=2026-10-01&to=2026-10-31",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(s["current"]["revenue_invoiced"], revenue);
    assert_eq!(s["current"]["cash_received"], cash);
    assert_eq!(
        s["current"]["invoices_issued"], issued,
        "the voided invoice does not count"
    );
    assert_eq!(issued, 8);
    let avg = settled.iter().sum::<i64>() as f64 / settled.len() as f64;
    assert!((s["current"]["average_days_to_pay"].as_f64().unwrap() - avg).abs() < 1e-9);
    assert_eq!(s["outstanding_receivables"], outstanding);
    assert_eq!(s["overdue_receivables"], overdue);
    assert_eq!(s["previous"]["from"], "2026-08-31");
    let september: i64 = invoices
        .iter()
        .filter(|i| i["issue_date"] == "2026-09-20")
        .map(|i| i["totals"]["total"].as_i64().unwrap())
        .sum();
    assert_eq!(s["previous"]["revenue_invoiced"], september);
    let today_s = ok(
        app.get("/api/v1/dashboard/summary", Some(&admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(today_s["current"]["orders_created"], 2);

    let daily = ok(
        app.get(
            "/api/v1/dashboard/trends?metric=revenue&interval=day&from=2026-10-01&to=2026-10-31",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let points = daily["points"].as_array().unwrap();
    assert_eq!(points.len(), 31, "zero-filled");
    for p in points {
        let d: NaiveDate = p["period"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            p["value"].as_i64().unwrap(),
            by_day.get(&d).copied().unwrap_or(0),
            "{d}"
        );
    }
    let weekly = ok(
        app.get(
            "/api/v1/dashboard/trends?metric=revenue&interval=week&from=2026-10-01&to=2026-10-31",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        weekly["points"][0]["period"], "2026-09-28",
        "weeks start on Monday"
    );
    assert_eq!(
        weekly["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_i64().unwrap())
            .sum::<i64>(),
        revenue
    );
    let monthly = ok(
        app.get(
            "/api/v1/dashboard/trends?metric=cash&interval=month&from=2026-09-01&to=2026-11-30",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let months: Vec<(&str, i64)> = monthly["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["period"].as_str().unwrap(), p["value"].as_i64().unwrap()))
        .collect();
    assert_eq!(months, [("2026-09", 0), ("2026-10", cash), ("2026-11", 0)]);

    let top = ok(
        app.get(
            "/api/v1/dashboard/top-customers?from=2026-10-01&to=2026-10-31",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mut expected: Vec<(String, i64)> = by_customer.into_iter().collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_one_page(&top);
    let got: Vec<(String, i64)> = top["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer_id"].as_str().unwrap().into(),
                c["revenue"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(
        top["items"][0]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    let top_p = ok(
        app.get(
            "/api/v1/dashboard/top-products?from=2026-10-01&to=2026-10-31&limit=2",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mut expected: Vec<(String, i64)> = by_product.into_iter().collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    expected.truncate(2);
    assert_one_page(&top_p);
    let got: Vec<(String, i64)> = top_p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["product_id"].as_str().unwrap().into(),
                c["revenue"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);

    let feed = ok(
        app.get("/api/v1/dashboard/activity?limit=50", Some(&admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_one_page(&feed);
    let texts: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Ada Admin issued invoice INV-2026-")
                && t.ends_with(" to Acme Ltd")),
        "{texts:?}"
    );
    assert!(texts.contains(&"Ada Admin recorded a payment"), "{texts:?}");

    for bad in [
        "from=2026-10-31&to=2026-10-01",
        "from=2024-01-01&to=2026-01-01",
        "currency=XXX",
        "from=yesterday",
    ] {
        app.get(&format!("/api/v1/dashboard/summary?{bad}"), Some(&admin))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    }
    app.get("/api/v1/dashboard/trends?metric=profit", Some(&admin))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
}

on_both_backends!(the_dashboard_matches_the_documents);
