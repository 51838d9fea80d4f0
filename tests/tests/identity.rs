//! End-to-end: identity and access, driven over HTTP like the SPA, on both backends.

use erp_shared::auth::{Access, Role};
use erp_tests::{Backend, StatusCode, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::json;

async fn register(app: &TestApp, who: &str, password: &str) -> erp_tests::Reply {
    app.post(
        "/api/v1/auth/register",
        None,
        json!({ "email": app.email(who), "password": password, "name": who }),
    )
    .await
}

async fn a_registered_user_is_approved_logs_in_refreshes_and_logs_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let email = app.email("dana");
    let r = register(&app, "dana", "dana-long-passphrase").await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.body["status"], "verification-sent");
    let admin = app.admin_token().await;
    // Not listed for approval until the address is confirmed.
    let pending = app.get("/api/v1/users?status=pending", Some(&admin)).await;
    assert!(pending.body["items"].as_array().unwrap().is_empty());
    app.login(&email, "dana-long-passphrase")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    let mail = app
        .emails_to(&email)
        .await
        .pop()
        .expect("confirmation email");
    assert!(mail.html.contains("verify-email?token="));
    let token = mail.link_token().unwrap();
    app.post(
        "/api/v1/auth/register/verify",
        None,
        json!({ "token": token, "password": "short" }),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    app.verify_email(&email, "dana-long-passphrase").await;
    app.post(
        "/api/v1/auth/register/verify",
        None,
        json!({ "token": token, "password": "dana-long-passphrase" }),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid-token");

    app.login(&email, "dana-long-passphrase")
        .await
        .assert_problem(StatusCode::FORBIDDEN, "account-pending");

    let pending = app.get("/api/v1/users?status=pending", Some(&admin)).await;
    assert_eq!(pending.status, StatusCode::OK);
    let items = pending.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["email"], email);
    assert_eq!(items[0]["status"], "pending");
    assert!(items[0]["role"].is_null());
    assert!(items[0].get("password_hash").is_none());
    let id = items[0]["id"].as_str().unwrap();

    let approved = app
        .post(
            &format!("/api/v1/users/{id}/approve"),
            Some(&admin),
            json!({ "role": "accountant" }),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["role"], "accountant");
    assert_eq!(approved.body["status"], "active");
    let again = app
        .post(
            &format!("/api/v1/users/{id}/approve"),
            Some(&admin),
            json!({ "role": "admin" }),
        )
        .await;
    again.assert_problem(StatusCode::CONFLICT, "not-pending");

    let login = app.login(&email, "dana-long-passphrase").await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    let access = login.str("access_token");
    let refresh1 = login.str("refresh_token");

    let me = app.get("/api/v1/auth/me", Some(&access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], email);
    assert_eq!(me.body["name"], "dana");
    assert_eq!(me.body["role"], "accountant");
    let perms: Vec<&str> = me.body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(perms.contains(&"invoices:issue"));
    assert!(perms.contains(&"payments:write"));
    assert!(!perms.contains(&"users:manage"));

    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refresh2 = r.str("refresh_token");
    assert_ne!(refresh1, refresh2);
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&r.str("access_token")))
            .await
            .status,
        StatusCode::OK
    );

    // Reusing the rotated token revokes the whole family, including the newest token.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh1 }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh2 }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    // Logout ends a fresh session.
    let (_, refresh3) = app.tokens(&email, "dana-long-passphrase").await;
    let out = app
        .post(
            "/api/v1/auth/logout",
            None,
            json!({ "refresh_token": refresh3 }),
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh3 }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn registration_can_be_closed(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.registration = erp_shared::config::RegistrationMode::Closed
    })
    .await;
    register(&app, "eve", "eve-long-passphrase")
        .await
        .assert_problem(StatusCode::FORBIDDEN, "registration-closed");
    let admin = app.admin_token().await;
    let pending = app.get("/api/v1/users?status=pending", Some(&admin)).await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 0);
}

async fn a_self_assigned_role_is_ignored(backend: Backend) {
    let app = TestApp::start(backend).await;
    let email = app.email("mallory");
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": email, "password": "mallory-long-passphrase", "name": "Mallory", "role": "admin", "status": "active" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    app.verify_email(&email, "mallory-long-passphrase").await;
    app.login(&email, "mallory-long-passphrase")
        .await
        .assert_problem(StatusCode::FORBIDDEN, "account-pending");
    let admin = app.admin_token().await;
    let id = app.user_id(&admin, &email).await;
    let u = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
    assert!(u.body["role"].is_null());
    assert_eq!(u.body["status"], "pending");
}

async fn registering_a_taken_email_reveals_nothing_and_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, _) = app.user_with_role("sam", Role::Viewer).await;
    // Past the cooldown of the first confirmation email.
    app.state
        .store
        .transact(vec![erp_shared::store::WriteOp::Delete {
            key: erp_shared::store::keys::mail_cooldown("register", &email),
            condition: None,
        }])
        .await
        .unwrap();
    let again = register(&app, "sam", "sam-other-passphrase").await;
    let fresh = register(&app, "someone-new", "new-long-passphrase").await;
    assert_eq!(again.status, fresh.status);
    assert_eq!(again.body, fresh.body);
    // Only the mailbox's owner learns, from the link, that the address has an account.
    let token = app.emailed_token(&email).await;
    app.post(
        "/api/v1/auth/register/verify",
        None,
        json!({ "token": token, "password": "sam-other-passphrase" }),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "email-taken");
    assert_eq!(
        app.login(&email, "sam-secret-passphrase").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login(&email, "sam-other-passphrase").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn someone_else_registering_an_address_never_blocks_its_owner(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let jane = app.email("jane");
    // An outsider registers Jane's address first and cannot confirm it.
    let r = register(&app, "jane", "outsider-passphrase").await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    // The admin can still invite Jane, and Jane's invitation works.
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "email": jane, "name": "Jane", "role": "sales" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let invite = app
        .emails_to(&jane)
        .await
        .into_iter()
        .find(|m| m.subject.contains("invited"))
        .expect("invitation");
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": invite.link_token().unwrap(), "new_password": "jane-own-passphrase" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // The outsider's registration is never listed, and its link no longer makes an account.
    let pending = app.get("/api/v1/users?status=pending", Some(&admin)).await;
    assert!(pending.body["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.login(&jane, "outsider-passphrase").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&jane, "jane-own-passphrase").await.status,
        StatusCode::OK
    );
}

async fn an_unconfirmed_registration_expires(backend: Backend) {
    let app = TestApp::start(backend).await;
    let email = app.email("late");
    register(&app, "late", "late-long-passphrase").await;
    let token = app.emailed_token(&email).await;
    // A day later: the registration has expired (its TTL item may linger in DynamoDB).
    let hash = erp_shared::auth::sha256_hex(&token);
    let record = app
        .state
        .store
        .get(&erp_shared::store::keys::reset_token(&hash))
        .await
        .unwrap()
        .unwrap();
    let registration_id = record["subject"].as_str().unwrap();
    app.state
        .store
        .update(
            &erp_shared::store::keys::registration(registration_id),
            vec![erp_shared::store::Update::set(
                "expires_at",
                chrono::Utc::now().timestamp() - 1,
            )],
            None,
        )
        .await
        .unwrap();
    app.post(
        "/api/v1/auth/register/verify",
        None,
        json!({ "token": token, "password": "late-long-passphrase" }),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid-token");
}

async fn unknown_email_and_wrong_password_get_the_same_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let unknown = app.login(&app.email("nobody"), "whatever-passphrase").await;
    let wrong = app.login(&app.email("admin"), "wrong-passphrase-123").await;
    unknown.assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    wrong.assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    assert_eq!(unknown.body, wrong.body);
    app.login("not an email", "x")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
}

/// A client whose connections come from another loopback address (another network).
fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(address))
        .build()
        .unwrap()
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> erp_tests::Reply {
    erp_tests::Reply::from(
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn guessing_passwords_is_stopped_without_locking_the_owner_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_email = app.email("admin");
    let outsider = client_from([127, 0, 0, 2]);
    let mut refused = 0;
    for _ in 0..8 {
        let r = login_from(&app, &outsider, &admin_email, "wrong-passphrase-123").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            r.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
            // No exact unlock time to wait for.
            assert!(r.headers.get("retry-after").is_none());
            refused += 1;
        } else {
            r.assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
        }
    }
    assert_eq!(refused, 3, "5 guesses, then refused");
    // Even the right password is refused from the guessing network...
    login_from(&app, &outsider, &admin_email, erp_tests::ADMIN_PASSWORD)
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
    // ...but the owner, elsewhere, signs in.
    assert_eq!(
        app.login(&admin_email, erp_tests::ADMIN_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    // Unknown accounts are throttled the same way, so a refusal reveals nothing.
    let ghost = app.email("ghost");
    let other = client_from([127, 0, 0, 3]);
    for _ in 0..5 {
        login_from(&app, &other, &ghost, "wrong-passphrase-123")
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    }
    login_from(&app, &other, &ghost, "wrong-passphrase-123")
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
}

/// A sign-in through CloudFront from `viewer`, or a request straight to the API that names a
/// viewer (`origin_verify: None`).
async fn login_as_viewer(
    app: &TestApp,
    client: &reqwest::Client,
    viewer: &str,
    origin_verify: Option<&str>,
    email: &str,
) -> erp_tests::Reply {
    let mut req = client
        .post(app.url("/api/v1/auth/login"))
        .header("cloudfront-viewer-address", viewer)
        .json(&json!({ "email": email, "password": "wrong-passphrase-123" }));
    if let Some(v) = origin_verify {
        req = req.header("x-origin-verify", v);
    }
    erp_tests::Reply::from(req.send().await.unwrap()).await
}

async fn behind_cloudfront_the_viewers_address_is_throttled_and_cannot_be_forged(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.origin_verify = Some("cloudfront-origin-value".into())
    })
    .await;
    let edge = client_from([127, 0, 0, 6]);
    let email = app.email("admin");
    let via_cf = Some("cloudfront-origin-value");
    for _ in 0..5 {
        login_as_viewer(&app, &edge, "203.0.113.7:40000", via_cf, &email)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    }
    login_as_viewer(&app, &edge, "203.0.113.7:40001", via_cf, &email)
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
    // Another viewer behind the same edge address is not refused for the first one's guesses.
    login_as_viewer(&app, &edge, "198.51.100.20:5000", via_cf, &email)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    // Straight to the API, a made-up viewer without CloudFront's value changes nothing: every
    // guess counts against the connection's own address.
    let direct = client_from([127, 0, 0, 7]);
    let ghost = app.email("ghost");
    for i in 0..5 {
        login_as_viewer(
            &app,
            &direct,
            &format!("192.0.2.{i}:1"),
            Some("guess"),
            &ghost,
        )
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    }
    login_as_viewer(&app, &direct, "192.0.2.99:1", None, &ghost)
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
}

async fn every_role_reads_how_the_company_shows_its_figures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, viewer) = app.user_with_role("vic", Role::Viewer).await;
    let admin = app.admin_token().await;
    // The settings are the admin's; the viewer may not read them...
    app.get("/api/v1/settings/company", Some(&viewer))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    // ...but sees the currency, time zone and rounding its figures are shown in.
    let me = app.get("/api/v1/auth/me", Some(&viewer)).await;
    assert_eq!(me.body["company"]["time_zone"], "UTC", "{}", me.body);
    assert_eq!(me.body["company"]["rounding"], "half_up");
    let current = app.get("/api/v1/settings/company", Some(&admin)).await;
    let etag = current.headers["etag"].to_str().unwrap().to_string();
    let r = app
        .send(
            Method::PUT,
            "/api/v1/settings/company",
            &admin,
            &[("if-match", &etag)],
            Some(json!({ "time_zone": "Europe/Berlin", "default_currency": "JPY", "legal_name": "Kobo GmbH" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let company = app.get("/api/v1/auth/me", Some(&viewer)).await.body["company"].clone();
    assert_eq!(company["time_zone"], "Europe/Berlin");
    assert_eq!(company["default_currency"], "JPY");
    assert_eq!(company["legal_name"], "Kobo GmbH");
    assert!(company["brand_colour"].as_str().unwrap().starts_with('#'));
}

async fn concurrent_guesses_are_counted_before_the_password_is_checked(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, _) = app.user_with_role("cora", Role::Viewer).await;
    let guesser = client_from([127, 0, 0, 4]);
    // Twelve wrong guesses at once (a right one among them would refill the buckets).
    let replies = futures::future::join_all(
        (0..12).map(|_| login_from(&app, &guesser, &email, "wrong-passphrase-123")),
    )
    .await;
    let checked = replies
        .iter()
        .filter(|r| r.status != StatusCode::TOO_MANY_REQUESTS)
        .count();
    // At most the bucket's 5 (fewer if a draw lost every race to the others).
    assert!(
        (1..=5).contains(&checked),
        "{checked} passwords checked in one burst"
    );
    // The bucket is empty: even the right password is not checked from there now.
    login_from(&app, &guesser, &email, "cora-secret-passphrase")
        .await
        .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
    // An admin unlocks the account: every network starts again.
    let admin = app.admin_token().await;
    let id = app.user_id(&admin, &email).await;
    let r = app
        .post(
            &format!("/api/v1/users/{id}/unlock"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        login_from(&app, &guesser, &email, "cora-secret-passphrase")
            .await
            .status,
        StatusCode::OK
    );
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={id}"),
            Some(&admin),
        )
        .await;
    assert!(audit.actions().contains(&"user.unlocked"), "{}", audit.body);
}

async fn one_client_cannot_mail_many_addresses_through_the_api(backend: Backend) {
    let app = TestApp::start(backend).await;
    let spammer = client_from([127, 0, 0, 5]);
    let ask = |path: &'static str, i: usize| {
        let (app, spammer) = (&app, &spammer);
        async move {
            let body = json!({ "email": app.email(&format!("target{i}")), "name": "Target" });
            erp_tests::Reply::from(
                spammer
                    .post(app.url(path))
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let capacity = erp_shared::login_throttle::EMAILS_PER_ADDRESS.capacity as usize;
    for i in 0..capacity {
        let path = if i % 2 == 0 {
            "/api/v1/auth/register"
        } else {
            "/api/v1/auth/password-reset/request"
        };
        assert_eq!(ask(path, i).await.status, StatusCode::ACCEPTED);
    }
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/password-reset/request",
    ] {
        ask(path, capacity)
            .await
            .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-requests");
    }
    // Other clients are not affected.
    let r = register(&app, "elsewhere", "elsewhere-passphrase").await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
}

async fn an_invitation_is_sent_again_or_revoked(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let email = app.email("ines");
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "email": email, "name": "Ines", "role": "sales" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.str("id");
    let first = app.emailed_token(&email).await;
    let r = app
        .post(
            &format!("/api/v1/users/{id}/invitation"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(app.emails_to(&email).await.len(), 2);
    let second = app.emailed_token(&email).await;
    assert_ne!(first, second);
    // Revoked: its links stop working and the address can be invited again.
    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/users/{id}/invitation"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": second, "new_password": "ines-chosen-passphrase" }),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid-token");
    app.get(&format!("/api/v1/users/{id}"), Some(&admin))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "email": email, "name": "Ines", "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Only invitations not yet accepted can be resent or revoked.
    let me = app.get("/api/v1/auth/me", Some(&admin)).await.str("id");
    app.post(
        &format!("/api/v1/users/{me}/invitation"),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "not-invited");
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={id}"),
            Some(&admin),
        )
        .await;
    let actions = audit.actions();
    assert!(actions.contains(&"user.invitation_resent"), "{actions:?}");
    assert!(actions.contains(&"user.invitation_revoked"), "{actions:?}");
}

async fn pending_rejected_and_deactivated_accounts_cannot_log_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    register(&app, "rita", "rita-long-passphrase").await;
    app.verify_email(&app.email("rita"), "rita-long-passphrase")
        .await;
    let rita = app.user_id(&admin, &app.email("rita")).await;
    let r = app
        .post(
            &format!("/api/v1/users/{rita}/reject"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "rejected");
    app.login(&app.email("rita"), "rita-long-passphrase")
        .await
        .assert_problem(StatusCode::FORBIDDEN, "account-rejected");

    let (email, token) = app.user_with_role("dave", Role::Sales).await;
    let (_, refresh) = app.tokens(&email, "dave-secret-passphrase").await;
    let dave = app.user_id(&admin, &email).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{dave}"),
            Some(&admin),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "deactivated");
    app.login(&email, "dave-secret-passphrase")
        .await
        .assert_problem(StatusCode::FORBIDDEN, "account-deactivated");
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get("/api/v1/auth/me", Some(&token))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    let r = app
        .patch(
            &format!("/api/v1/users/{dave}"),
            Some(&admin),
            json!({ "active": true, "role": "manager" }),
        )
        .await;
    assert_eq!(r.body["status"], "active");
    let (t, _) = app.tokens(&email, "dave-secret-passphrase").await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t)).await.body["role"],
        "manager"
    );
}

async fn a_password_is_reset_with_the_emailed_token_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, _) = app.user_with_role("pat", Role::Viewer).await;
    let (_, old_refresh) = app.tokens(&email, "pat-secret-passphrase").await;

    for who in [email.clone(), app.email("unknown")] {
        let r = app
            .post(
                "/api/v1/auth/password-reset/request",
                None,
                json!({ "email": who }),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    // Queued, never sent from the request: both answers cost the same.
    assert!(
        !app.emails_to(&email)
            .await
            .iter()
            .any(|m| m.subject.contains("Reset"))
    );
    let report = app.drain_outbox().await;
    assert_eq!((report.sent, report.discarded), (1, 1));
    assert!(app.emails_to(&app.email("unknown")).await.is_empty());
    // One email per cooldown, however often it is asked for.
    for _ in 0..3 {
        app.post(
            "/api/v1/auth/password-reset/request",
            None,
            json!({ "email": email }),
        )
        .await;
    }
    assert_eq!(app.drain_outbox().await.sent, 0);
    let mails: Vec<_> = app
        .emails_to(&email)
        .await
        .into_iter()
        .filter(|m| m.subject.contains("Reset"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("Reset"));
    assert!(mails[0].html.contains("reset-password?token="));
    let token = app.emailed_token(&email).await;

    let weak = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "new_password": "short" }),
        )
        .await;
    weak.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(weak.body["errors"][0]["field"], "new_password");

    let ok = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "new_password": "a-brand-new-passphrase" }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": token, "new_password": "another-new-passphrase" }),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid-token");

    assert_eq!(
        app.login(&email, "pat-secret-passphrase").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&email, "a-brand-new-passphrase").await.status,
        StatusCode::OK
    );
    // The reset ended the sessions that existed before it.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": old_refresh }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": "forged", "new_password": "a-brand-new-passphrase" }),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "invalid-token");
}

async fn an_invited_user_sets_a_password_from_the_email(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let email = app.email("ivy");
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "email": email, "name": "Ivy", "role": "sales" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "invited");
    app.post(
        "/api/v1/users",
        Some(&admin),
        json!({ "email": email, "name": "Ivy", "role": "sales" }),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "email-taken");
    let mail = app.emails_to(&email).await.pop().expect("invite email");
    assert!(mail.subject.contains("invited"));
    let token = mail.link_token().unwrap();
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "new_password": "ivy-chosen-passphrase" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (t, _) = app.tokens(&email, "ivy-chosen-passphrase").await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&t)).await.body["role"],
        "sales"
    );
}

async fn the_last_active_admin_cannot_be_demoted_or_deactivated(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/auth/me", Some(&admin)).await.str("id");
    // No admin changes their own role or active flag.
    app.patch(
        &format!("/api/v1/users/{me}"),
        Some(&admin),
        json!({ "role": "manager" }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "own-account");
    // Two admins demoting each other at once: the counter keeps one of them.
    let (_, second) = app.user_with_role("bea", Role::Admin).await;
    let bea = app.get("/api/v1/auth/me", Some(&second)).await.str("id");
    let (bea_path, my_path) = (
        format!("/api/v1/users/{bea}"),
        format!("/api/v1/users/{me}"),
    );
    let (a, b) = tokio::join!(
        app.patch(&bea_path, Some(&admin), json!({ "role": "manager" })),
        app.patch(&my_path, Some(&second), json!({ "active": false })),
    );
    let oks = [&a, &b]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert!(oks <= 1, "{} / {}", a.body, b.body);
    for r in [&a, &b] {
        if r.status != StatusCode::OK {
            assert!(
                [
                    StatusCode::CONFLICT,
                    StatusCode::FORBIDDEN,
                    StatusCode::UNAUTHORIZED
                ]
                .contains(&r.status),
                "{}",
                r.body
            );
        }
    }
    assert_eq!(
        erp_shared::accounts::active_admin_count(&app.state.store)
            .await
            .unwrap(),
        if oks == 1 { 1 } else { 2 }
    );
}

async fn each_role_is_refused_the_routes_it_lacks(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut tokens = Vec::new();
    for role in [Role::Manager, Role::Accountant, Role::Sales, Role::Viewer] {
        let (_, t) = app.user_with_role(role.as_str(), role).await;
        tokens.push((role, t));
    }
    tokens.push((Role::Admin, app.admin_token().await));
    let mut checked = 0;
    for spec in erp_local::function_routes().specs() {
        let path = spec
            .path
            .replace("{id}", "00000000-0000-0000-0000-000000000000");
        let method = Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
        let body = (method != Method::GET).then(|| json!({}));
        if spec.access != Access::Public {
            let r = app.request(method.clone(), &path, None, body.clone()).await;
            r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
            let r = app
                .request(method.clone(), &path, Some("not-a-token"), body.clone())
                .await;
            r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
        }
        if let Access::Permission(p) = spec.access {
            for (role, token) in &tokens {
                let r = app
                    .request(method.clone(), &path, Some(token), body.clone())
                    .await;
                if role.can(p) {
                    assert_ne!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{role:?} {} {}",
                        spec.method,
                        spec.path
                    );
                } else {
                    r.assert_problem(StatusCode::FORBIDDEN, "forbidden");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 24, "only {checked} refusals checked");
}

async fn bad_requests_get_problem_json_never_a_server_error(backend: Backend) {
    let app = TestApp::start(backend).await;
    let c = &app.client;
    let url = app.url("/api/v1/auth/login");

    let r = erp_tests::Reply::from(
        c.post(&url)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(StatusCode::BAD_REQUEST, "malformed-json");

    let r = erp_tests::Reply::from(
        c.post(&url)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");

    let r = app
        .post("/api/v1/auth/login", None, json!({ "email": "a@b.co" }))
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["errors"][0]["field"], "password");

    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({ "email": 5, "password": [] }),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    // Bodies are objects, also where every field is optional (serde alone takes `[]`).
    for body in [json!([]), json!(null), json!("token"), json!(7)] {
        let r = app.post("/api/v1/auth/logout", None, body).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(r.error_fields(), ["body"]);
    }

    let big = "x".repeat(2 * 1024 * 1024);
    // On a connection of its own: the server answers 413 without reading the rest of the
    // body and closes it, which a pooled connection would carry into the next request.
    let once = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let r = erp_tests::Reply::from(
        once.post(app.url("/api/v1/auth/register"))
            .json(&json!({ "email": "a@b.co", "password": big, "name": "n" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");

    app.get("/api/v1/nowhere", None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    app.request(Method::DELETE, "/api/v1/auth/login", None, None)
        .await
        .assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");

    let admin = app.admin_token().await;
    app.get("/api/v1/users?limit=500", Some(&admin))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    app.get("/api/v1/users?limit=abc", Some(&admin))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid-query");
    app.get("/api/v1/users?status=sleeping", Some(&admin))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    app.get("/api/v1/users?cursor=forged.cursor", Some(&admin))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid-cursor");
    app.get("/api/v1/users/nope", Some(&admin))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "email": "bad", "name": "", "role": "root" }),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let r = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "email": "bad", "name": "", "role": "sales" }),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 2);
    assert!(r.headers.contains_key("x-request-id"));
}

async fn user_lists_page_through_without_gaps_and_refuse_foreign_cursors(backend: Backend) {
    let app = TestApp::start(backend).await;
    for i in 0..7 {
        let r = register(&app, &format!("p{i}"), "pending-user-passphrase").await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        app.verify_email(&app.email(&format!("p{i}")), "pending-user-passphrase")
            .await;
    }
    let admin = app.admin_token().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?status=pending&limit=3".to_string();
    let mut first_cursor = None;
    loop {
        let r = app.get(&path, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        seen.extend(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_string()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => {
                first_cursor.get_or_insert(c.to_string());
                path = format!("/api/v1/users?status=pending&limit=3&cursor={c}");
            }
            None => break,
        }
    }
    let mut expected: Vec<String> = (0..7).rev().map(|i| app.email(&format!("p{i}"))).collect();
    assert_eq!(seen, expected, "newest first, each once");
    expected.sort();
    // A cursor from the pending list is refused by the unfiltered list.
    let c = first_cursor.unwrap();
    app.get(&format!("/api/v1/users?cursor={c}"), Some(&admin))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid-cursor");
}

on_both_backends!(
    every_role_reads_how_the_company_shows_its_figures,
    behind_cloudfront_the_viewers_address_is_throttled_and_cannot_be_forged,
    a_registered_user_is_approved_logs_in_refreshes_and_logs_out,
    registration_can_be_closed,
    a_self_assigned_role_is_ignored,
    registering_a_taken_email_reveals_nothing_and_changes_nothing,
    unknown_email_and_wrong_password_get_the_same_answer,
    someone_else_registering_an_address_never_blocks_its_owner,
    an_unconfirmed_registration_expires,
    guessing_passwords_is_stopped_without_locking_the_owner_out,
    concurrent_guesses_are_counted_before_the_password_is_checked,
    an_invitation_is_sent_again_or_revoked,
    one_client_cannot_mail_many_addresses_through_the_api,
    pending_rejected_and_deactivated_accounts_cannot_log_in,
    a_password_is_reset_with_the_emailed_token_once,
    an_invited_user_sets_a_password_from_the_email,
    the_last_active_admin_cannot_be_demoted_or_deactivated,
    each_role_is_refused_the_routes_it_lacks,
    bad_requests_get_problem_json_never_a_server_error,
    user_lists_page_through_without_gaps_and_refuse_foreign_cursors,
);
