//! End-to-end, on both backends: the reminder schedule over simulated days (run twice a day,
//! two runs at once), with payments and voids in between, and the company's time zone at the
//! edges (UTC-10 and UTC+13). The local server's `POST /api/v1/admin/run-reminders` runs the
//! same job the `reminders` function runs on AWS, then sends the outbox.

use chrono::{Duration, NaiveDate};
use erp_shared::auth::Role;
use erp_tests::{
    Backend, Reply, StatusCode, TestApp, billing_address, on_both_backends, with_seller,
};
use serde_json::{Value, json};

fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

struct Case {
    invoice: String,
    number: String,
    to: String,
}

/// An invoice of EUR 100.00 for a customer of its own, issued on `issued`, due on `due`.
async fn invoice(app: &TestApp, admin: &str, who: &str, issued: &str, due: &str) -> Case {
    let to = app.email(who);
    let c = ok(
        app.post(
            "/api/v1/customers",
            Some(admin),
            json!({"name": format!("Customer {who}"), "email": to, "currency": "EUR", "billing_address": billing_address()}),
        )
        .await,
        StatusCode::CREATED,
    );
    let draft = ok(
        app.post(
            "/api/v1/invoices",
            Some(admin),
            json!({
                "customer_id": c["id"],
                "lines": [{"description": "Service", "quantity": "1", "unit_price": 10_000}],
            }),
        )
        .await,
        StatusCode::CREATED,
    );
    let id = draft["id"].as_str().unwrap().to_string();
    let issued = ok(
        app.post(
            &format!("/api/v1/invoices/{id}/issue"),
            Some(admin),
            json!({"issue_date": issued, "due_date": due}),
        )
        .await,
        StatusCode::OK,
    );
    Case {
        invoice: id,
        number: issued["number"].as_str().unwrap().to_string(),
        to,
    }
}

async fn run(app: &TestApp, admin: &str, query: &str) -> Value {
    ok(
        app.post(
            &format!("/api/v1/admin/run-reminders?{query}"),
            Some(admin),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
}

/// The subjects of the reminders the case's customer received (receipts left out).
async fn subjects(app: &TestApp, case: &Case) -> Vec<String> {
    app.emails_to(&case.to)
        .await
        .into_iter()
        .filter(|m| !m.subject.starts_with("Payment received"))
        .map(|m| {
            assert!(m.subject.contains(&case.number), "{}", m.subject);
            m.subject
        })
        .collect()
}

async fn a_month_of_daily_runs_sends_each_step_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    // The default schedule (3 days before, on the due date, 7, 14 and 30 days after) with a
    // EUR 5.00 late fee on the 14-day step.
    ok(
        app.put_settings(
            &admin,
            with_seller(json!({
                "legal_name": "Northwind Traders Ltd",
                "time_zone": "UTC",
                "reminders": {"enabled": true, "steps": [
                    {"days": -3}, {"days": 0}, {"days": 7},
                    {"days": 14, "late_fee": {"type": "amount", "value": 500}},
                    {"days": 30},
                ]},
            })),
        )
        .await,
        StatusCode::OK,
    );
    let never_paid = invoice(&app, &admin, "never", "2026-03-01", "2026-03-10").await;
    let paid_late = invoice(&app, &admin, "paid", "2026-03-01", "2026-03-10").await;
    let voided = invoice(&app, &admin, "voided", "2026-03-01", "2026-03-15").await;
    // Issued the day before it is due: the "3 days before" step had already passed.
    let issued_late = invoice(&app, &admin, "late", "2026-03-09", "2026-03-10").await;
    let part_paid = invoice(&app, &admin, "part", "2026-03-01", "2026-03-10").await;

    let mut day = d("2026-03-01");
    while day <= d("2026-04-11") {
        match day.to_string().as_str() {
            "2026-03-05" => {
                ok(
                    app.post(
                        &format!("/api/v1/invoices/{}/void", voided.invoice),
                        Some(&admin),
                        json!({}),
                    )
                    .await,
                    StatusCode::OK,
                );
            }
            "2026-03-11" => {
                ok(
                    app.post(
                        &format!("/api/v1/invoices/{}/payments", part_paid.invoice),
                        Some(&admin),
                        json!({"amount": 4_000, "method": "card", "date": "2026-03-11"}),
                    )
                    .await,
                    StatusCode::CREATED,
                );
            }
            "2026-03-12" => {
                ok(
                    app.post(
                        &format!("/api/v1/invoices/{}/payments", paid_late.invoice),
                        Some(&admin),
                        json!({"amount": 10_000, "method": "bank_transfer", "date": "2026-03-12"}),
                    )
                    .await,
                    StatusCode::CREATED,
                );
            }
            _ => {}
        }
        // Twice a day, the first two at the same time.
        let q = format!("date={day}");
        let (a, b) = futures::join!(run(&app, &admin, &q), run(&app, &admin, &q));
        let third = run(&app, &admin, &q).await;
        assert_eq!(
            third["reminders"]["sent"], 0,
            "{day}: a rerun sends nothing"
        );
        let sent =
            a["reminders"]["sent"].as_i64().unwrap() + b["reminders"]["sent"].as_i64().unwrap();
        let expected = match day.to_string().as_str() {
            // never, paid, part (-3 of the 10th)
            "2026-03-07" => 3,
            // due date: never, paid, late, part
            "2026-03-10" => 4,
            // 7 days: never, late, part (paid_late settled on the 12th)
            "2026-03-17" => 3,
            "2026-03-24" => 3,
            "2026-04-09" => 3,
            _ => 0,
        };
        assert_eq!(sent, expected, "reminders sent on {day}");
        day += Duration::days(1);
    }

    let never = subjects(&app, &never_paid).await;
    assert_eq!(never.len(), 5, "{never:?}");
    assert!(never[0].contains("is due on 2026-03-10"), "{never:?}");
    assert!(never[1].contains("is due today"), "{never:?}");
    assert!(never[2].contains("7 days past due"), "{never:?}");
    assert!(never[3].contains("14 days past due"), "{never:?}");
    assert!(never[4].contains("30 days past due"), "{never:?}");
    // Each names its step of the schedule.
    for (n, subject) in never.iter().enumerate() {
        assert!(
            subject.contains(&format!("(reminder {} of 5)", n + 1)),
            "{subject}"
        );
    }
    assert_eq!(subjects(&app, &paid_late).await.len(), 2);
    assert!(subjects(&app, &voided).await.is_empty());
    let late = subjects(&app, &issued_late).await;
    assert_eq!(
        late.len(),
        4,
        "no step from before the issue date: {late:?}"
    );
    assert!(late[0].contains("is due today"));
    assert_eq!(subjects(&app, &part_paid).await.len(), 5);

    // The late fee was added once, to the open invoices only, and said so in the email.
    for (case, balance) in [
        (&never_paid, 10_500),
        (&issued_late, 10_500),
        (&part_paid, 6_500),
        (&paid_late, 0),
    ] {
        let inv = ok(
            app.get(&format!("/api/v1/invoices/{}", case.invoice), Some(&admin))
                .await,
            StatusCode::OK,
        );
        assert_eq!(inv["balance_due"], balance, "{}", case.number);
    }
    let fee_mail = app
        .emails_to(&never_paid.to)
        .await
        .into_iter()
        .find(|m| m.subject.contains("14 days"))
        .unwrap();
    assert!(fee_mail.text.contains("late fee of EUR 5.00"));
    assert!(
        fee_mail.text.contains("Reminder 4 of 5: 14 days overdue."),
        "{}",
        fee_mail.text
    );
    assert!(fee_mail.html.contains("Reminder 4 of 5: 14 days overdue."));
    assert!(fee_mail.pdf_text().contains("Late fee (14 days overdue)"));
    // The invoice lists its reminders: step, day, address, late fee and email.
    let listed = ok(
        app.get(
            &format!("/api/v1/invoices/{}/reminders", never_paid.invoice),
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    );
    let items = listed["items"].as_array().unwrap();
    let field = |name: &str| -> Vec<Value> { items.iter().map(|r| r[name].clone()).collect() };
    assert_eq!(
        field("label"),
        [
            "Reminder 1 of 5: 3 days before the due date",
            "Reminder 2 of 5: on the due date",
            "Reminder 3 of 5: 7 days overdue",
            "Reminder 4 of 5: 14 days overdue",
            "Reminder 5 of 5: 30 days overdue",
        ]
    );
    assert_eq!(field("days"), [-3, 0, 7, 14, 30]);
    assert_eq!(
        field("date"),
        [
            "2026-03-07",
            "2026-03-10",
            "2026-03-17",
            "2026-03-24",
            "2026-04-09"
        ]
    );
    assert_eq!(
        field("late_fee"),
        [
            json!(null),
            json!(null),
            json!(null),
            json!(500),
            json!(null)
        ]
    );
    assert!(items.iter().all(|r| r["to"] == never_paid.to.as_str()));
    assert!(
        items.iter().all(|r| r["email_status"] == "sent"),
        "{listed}"
    );
    assert!(items.iter().all(|r| r["outbox_id"].is_string()), "{listed}");
    assert_eq!(listed["next_cursor"], Value::Null);
    let late_list = ok(
        app.get(
            &format!("/api/v1/invoices/{}/reminders", issued_late.invoice),
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(
        late_list["items"][0]["label"], "Reminder 2 of 5: on the due date",
        "{late_list}"
    );
    let none = ok(
        app.get(
            &format!("/api/v1/invoices/{}/reminders", voided.invoice),
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(none["items"], json!([]));
    app.get("/api/v1/invoices/no-such-invoice/reminders", Some(&admin))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");

    // Reminders are in the audit trail.
    let audit = app
        .get(
            &format!(
                "/api/v1/audit?entity_type=invoice&entity_id={}",
                never_paid.invoice
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let actions = audit.actions();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "invoice.reminder_sent")
            .count(),
        5
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "invoice.late_fee_added")
            .count(),
        1
    );
}

async fn due_today_follows_the_company_time_zone_at_both_edges(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let only_due_date = json!({"enabled": true, "steps": [{"days": 0}]});
    // UTC-10: at 05:00 UTC on the 16th it is still the 15th in Honolulu.
    ok(
        app.put_settings(
            &admin,
            with_seller(json!({"time_zone": "Pacific/Honolulu", "reminders": only_due_date})),
        )
        .await,
        StatusCode::OK,
    );
    let honolulu = invoice(&app, &admin, "hnl", "2026-06-01", "2026-06-16").await;
    let r = run(&app, &admin, "at=2026-06-16T05:00:00Z").await;
    assert_eq!(r["reminders"]["date"], "2026-06-15");
    assert_eq!(r["reminders"]["sent"], 0);
    let r = run(&app, &admin, "at=2026-06-16T10:00:00Z").await;
    assert_eq!(r["reminders"]["date"], "2026-06-16");
    assert_eq!(r["reminders"]["sent"], 1);
    let mails = subjects(&app, &honolulu).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("is due today"), "{mails:?}");

    // UTC+13: at 11:00 UTC on the 19th it is already the 20th in Fakaofo.
    ok(
        app.put_settings(
            &admin,
            with_seller(json!({"time_zone": "Pacific/Fakaofo", "reminders": only_due_date})),
        )
        .await,
        StatusCode::OK,
    );
    let fakaofo = invoice(&app, &admin, "fko", "2026-06-01", "2026-06-20").await;
    let r = run(&app, &admin, "at=2026-06-19T10:59:00Z").await;
    assert_eq!(r["reminders"]["date"], "2026-06-19");
    assert_eq!(r["reminders"]["sent"], 0);
    let r = run(&app, &admin, "at=2026-06-19T11:00:00Z").await;
    assert_eq!(r["reminders"]["date"], "2026-06-20");
    assert_eq!(r["reminders"]["sent"], 1);
    assert!(subjects(&app, &fakaofo).await[0].contains("is due today"));

    // Only admins run the job; bad input is a 422.
    let (_, accountant) = app.user_with_role("ann", Role::Accountant).await;
    app.post(
        "/api/v1/admin/run-reminders?date=2026-06-20",
        Some(&accountant),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.post(
        "/api/v1/admin/run-reminders?date=20-06-2026",
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
}

on_both_backends!(
    a_month_of_daily_runs_sends_each_step_once,
    due_today_follows_the_company_time_zone_at_both_edges,
);
