//! End-to-end: admins see emails that failed every attempt and send them again.

use erp_shared::email::outbox;
use erp_shared::email::templates;
use erp_shared::store::{Index, Update, keys};
use erp_tests::{Backend, StatusCode, TestApp, on_both_backends};
use serde_json::json;

async fn a_failed_email_is_listed_and_sent_again_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let to = app.email("late");
    // A message that failed every attempt (as the drainer leaves it after the last retry).
    let mut message =
        templates::password_reset(&templates::Brand::default(), &to, "http://127.0.0.1:3000");
    // A stand-in for a live link (queued messages hold none, see the outbox's unit tests).
    message.text.push_str(" tok-123");
    message.link = None;
    let (id, op) = outbox::enqueue("password_reset", message).unwrap();
    app.state.store.transact(vec![op]).await.unwrap();
    let (gp, _) = Index::Gsi1.attributes();
    app.state
        .store
        .update(
            &keys::outbox(&id),
            vec![
                Update::set("status", "failed"),
                Update::set("attempts", outbox::MAX_ATTEMPTS),
                Update::set("last_error", "the mail service refused or failed the send"),
                Update::set(gp, keys::OUTBOX_FAILED),
            ],
            None,
        )
        .await
        .unwrap();

    let failed = app.get("/api/v1/outbox?status=failed", Some(&admin)).await;
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.body);
    let items = failed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["to"], to.as_str());
    assert_eq!(items[0]["kind"], "password_reset");
    assert_eq!(items[0]["attempts"], outbox::MAX_ATTEMPTS);
    let text = failed.body.to_string();
    assert!(
        !text.contains("tok-123"),
        "bodies (with their links) are never shown"
    );
    assert!(app.emails_to(&to).await.is_empty());

    let retried = app
        .post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.body);
    assert_eq!(retried.body["status"], "sent");
    assert_eq!(app.emails_to(&to).await.len(), 1);
    app.post(
        &format!("/api/v1/outbox/{id}/retry"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "not-failed");
    assert_eq!(app.emails_to(&to).await.len(), 1, "sent once");
    let after = app.get("/api/v1/outbox", Some(&admin)).await;
    assert!(after.body["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/outbox?status=lost", Some(&admin))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    app.post("/api/v1/outbox/nope/retry", Some(&admin), json!({}))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=outbox&entity_id={id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(audit.body["items"][0]["action"], "outbox.retried");
}

on_both_backends!(a_failed_email_is_listed_and_sent_again_once);
