//! End-to-end, on both backends: a signed-in user changes their password and manages their
//! sessions, turns on two-factor sign-in (TOTP) and signs in with codes and recovery codes;
//! the company requires it of admins; changing bank details needs a fresh sign-in and tells
//! every admin.

use erp_shared::auth::{Role, totp};
use erp_tests::{ADMIN_PASSWORD, Backend, Reply, StatusCode, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

fn password_of(who: &str) -> String {
    format!("{who}-secret-passphrase")
}

/// Codes of one authenticator, each of a later step than the last (a step is never
/// accepted twice). Starts at the current step, so a step boundary passing between the
/// code and its check never makes it too old; waits for the clock only when two codes of
/// the window are used up (no test here uses more).
struct Authenticator {
    secret: Vec<u8>,
    last: Option<i64>,
}

impl Authenticator {
    fn new(secret_b32: &str) -> Self {
        Self {
            secret: totp::base32_decode(secret_b32).expect("base32 secret"),
            last: None,
        }
    }

    async fn next_code(&mut self) -> String {
        loop {
            let now = totp::step_at(chrono::Utc::now().timestamp());
            let step = self.last.map_or(now, |l| (l + 1).max(now));
            if step <= now + 1 {
                self.last = Some(step);
                return totp::code_for_step(&self.secret, step);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// A code of the right length that is not the current one.
    fn wrong_code(&self) -> String {
        let now = totp::step_at(chrono::Utc::now().timestamp());
        let valid: Vec<String> = (now - 1..=now + 2)
            .map(|s| totp::code_for_step(&self.secret, s))
            .collect();
        (0..)
            .map(|i: u32| format!("{:06}", (i * 7919) % 1_000_000))
            .find(|c| !valid.contains(c))
            .unwrap()
    }
}

/// Turns two-factor sign-in on for the holder of `token`; returns the authenticator and the
/// recovery codes.
async fn turn_on_mfa(app: &TestApp, token: &str) -> (Authenticator, Vec<String>) {
    let setup = ok(
        app.post("/api/v1/auth/mfa/setup", Some(token), json!({}))
            .await,
        StatusCode::OK,
    );
    let mut auth = Authenticator::new(setup["secret"].as_str().unwrap());
    let code = auth.next_code().await;
    let enabled = ok(
        app.post(
            "/api/v1/auth/mfa/enable",
            Some(token),
            json!({ "code": code }),
        )
        .await,
        StatusCode::OK,
    );
    let codes = enabled["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (auth, codes)
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Reply {
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({ "refresh_token": refresh_token }),
    )
    .await
}

async fn login_with_agent(app: &TestApp, email: &str, password: &str, agent: &str) -> Reply {
    Reply::from(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("user-agent", agent)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn audit_actions(app: &TestApp, admin: &str, user_id: &str) -> Vec<String> {
    let r = app
        .get(
            &format!("/api/v1/audit?entity_type=user&entity_id={user_id}&limit=100"),
            Some(admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.actions().into_iter().map(str::to_string).collect()
}

async fn a_user_changes_their_password_and_their_other_sessions_end(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, _) = app.user_with_role("dana", Role::Accountant).await;
    let old = password_of("dana");
    let (laptop, laptop_refresh) = app.tokens(&email, &old).await;
    let (_, phone_refresh) = app.tokens(&email, &old).await;

    app.post(
        "/api/v1/auth/password",
        Some(&laptop),
        json!({ "current_password": "not-my-passphrase-9", "new_password": "a-brand-new-passphrase-7" }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "wrong-password");
    let weak = app
        .post(
            "/api/v1/auth/password",
            Some(&laptop),
            json!({ "current_password": old, "new_password": "short" }),
        )
        .await;
    weak.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(weak.error_fields(), vec!["new_password"]);
    // Nothing changed so far.
    assert_eq!(refresh(&app, &phone_refresh).await.status, StatusCode::OK);
    let (_, phone_refresh) = app.tokens(&email, &old).await;

    let changed = ok(
        app.post(
            "/api/v1/auth/password",
            Some(&laptop),
            json!({ "current_password": old, "new_password": "a-brand-new-passphrase-7" }),
        )
        .await,
        StatusCode::OK,
    );
    // Every earlier session ended, the caller's own included; the answer is a new one.
    refresh(&app, &phone_refresh)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    refresh(&app, &laptop_refresh)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let renewed = ok(
        refresh(&app, changed["refresh_token"].as_str().unwrap()).await,
        StatusCode::OK,
    );
    assert_eq!(
        app.get(
            "/api/v1/auth/me",
            Some(renewed["access_token"].as_str().unwrap())
        )
        .await
        .body["email"],
        email
    );
    app.login(&email, &old)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-credentials");
    assert_eq!(
        app.login(&email, "a-brand-new-passphrase-7").await.status,
        StatusCode::OK
    );

    let mails = app.emails_to(&email).await;
    let notice = mails
        .iter()
        .find(|m| m.subject == "Your ERP password was changed")
        .unwrap_or_else(|| panic!("no password-changed email in {mails:?}"));
    assert!(notice.text.contains("signed out"), "{}", notice.text);

    let admin = app.admin_token().await;
    let id = app.user_id(&admin, &email).await;
    let actions = audit_actions(&app, &admin, &id).await;
    for a in ["user.password_changed", "user.password_change_failed"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

async fn a_user_sees_their_sessions_and_ends_one(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, _) = app.user_with_role("eli", Role::Sales).await;
    let password = password_of("eli");
    let laptop = login_with_agent(&app, &email, &password, "Laptop Firefox/140").await;
    let phone = login_with_agent(&app, &email, &password, "Phone Safari/18").await;
    let (laptop_access, laptop_refresh) = (laptop.str("access_token"), laptop.str("refresh_token"));
    let phone_refresh = phone.str("refresh_token");
    let phone_id = phone_refresh.split('.').next().unwrap().to_string();
    // A refresh marks the session as used.
    let rotated = ok(refresh(&app, &laptop_refresh).await, StatusCode::OK);
    let laptop_refresh = rotated["refresh_token"].as_str().unwrap().to_string();

    let list = ok(
        app.send(
            Method::GET,
            "/api/v1/auth/sessions",
            &laptop_access,
            &[("x-refresh-token", &laptop_refresh)],
            None,
        )
        .await,
        StatusCode::OK,
    );
    let items = list["items"].as_array().unwrap();
    // user_with_role signed in once more, without a user agent.
    assert_eq!(items.len(), 3, "{list}");
    let laptop_row = items
        .iter()
        .find(|s| s["user_agent"] == "Laptop Firefox/140")
        .expect("laptop session");
    assert_eq!(laptop_row["current"], true);
    assert!(laptop_row["last_used_at"].is_string(), "{laptop_row}");
    assert_eq!(laptop_row["ip"], "127.0.0.1");
    let phone_row = items.iter().find(|s| s["id"] == phone_id.as_str()).unwrap();
    assert_eq!(phone_row["user_agent"], "Phone Safari/18");
    assert_eq!(phone_row["current"], false);
    assert!(phone_row["last_used_at"].is_null());
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    // A browser cannot read its refresh token: its session cookie marks its session.
    let list = ok(
        app.send(
            Method::GET,
            "/api/v1/auth/sessions",
            &laptop_access,
            &[(
                "cookie",
                &format!("theme=dark; erp_refresh={phone_refresh}"),
            )],
            None,
        )
        .await,
        StatusCode::OK,
    );
    let current: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{list}");
    assert_eq!(current[0]["id"], phone_id.as_str());

    // Someone else cannot end it, nor learn that it exists.
    let (_, other) = app.user_with_role("fay", Role::Sales).await;
    app.request(
        Method::DELETE,
        &format!("/api/v1/auth/sessions/{phone_id}"),
        Some(&other),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not-found");
    let phone_refresh = ok(refresh(&app, &phone_refresh).await, StatusCode::OK)["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();

    let r = app
        .request(
            Method::DELETE,
            &format!("/api/v1/auth/sessions/{phone_id}"),
            Some(&laptop_access),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let list = ok(
        app.get("/api/v1/auth/sessions", Some(&laptop_access)).await,
        StatusCode::OK,
    );
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&phone_id.as_str()));
    // Its latest refresh token no longer works.
    refresh(&app, &phone_refresh)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.request(
        Method::DELETE,
        &format!("/api/v1/auth/sessions/{phone_id}"),
        Some(&laptop_access),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not-found");
    app.request(
        Method::DELETE,
        "/api/v1/auth/sessions/no-such-session",
        Some(&laptop_access),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not-found");
    // The laptop still works.
    assert_eq!(refresh(&app, &laptop_refresh).await.status, StatusCode::OK);
}

async fn a_user_turns_on_two_factor_sign_in_and_signs_in_with_codes(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, token) = app.user_with_role("gus", Role::Manager).await;
    let password = password_of("gus");

    // Set up but not confirmed: login is unchanged.
    let setup = ok(
        app.post("/api/v1/auth/mfa/setup", Some(&token), json!({}))
            .await,
        StatusCode::OK,
    );
    let uri = setup["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={}", setup["secret"].as_str().unwrap())));
    assert!(app.login(&email, &password).await.body["access_token"].is_string());
    let status = ok(
        app.get("/api/v1/auth/mfa", Some(&token)).await,
        StatusCode::OK,
    );
    assert_eq!(status["enabled"], false);
    assert_eq!(status["setup_pending"], true);

    let mut auth = Authenticator::new(setup["secret"].as_str().unwrap());
    let wrong = app
        .post(
            "/api/v1/auth/mfa/enable",
            Some(&token),
            json!({ "code": auth.wrong_code() }),
        )
        .await;
    wrong.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(wrong.error_fields(), vec!["code"]);
    let code = auth.next_code().await;
    let enabled = ok(
        app.post(
            "/api/v1/auth/mfa/enable",
            Some(&token),
            json!({ "code": code }),
        )
        .await,
        StatusCode::OK,
    );
    let recovery: Vec<String> = enabled["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(recovery.len(), 10);
    app.post("/api/v1/auth/mfa/setup", Some(&token), json!({}))
        .await
        .assert_problem(StatusCode::CONFLICT, "mfa-already-enabled");
    let mails = app.emails_to(&email).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Two-factor sign-in is on"),
        "{mails:?}"
    );

    // The password alone no longer gives tokens.
    let first = ok(app.login(&email, &password).await, StatusCode::OK);
    assert_eq!(first["mfa"], "totp");
    assert!(first.get("access_token").is_none(), "{first}");
    let challenge = first["challenge"].as_str().unwrap().to_string();
    app.post(
        "/api/v1/auth/login/mfa",
        None,
        json!({ "challenge": challenge, "code": auth.wrong_code() }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "invalid-mfa-code");
    let code = auth.next_code().await;
    let tokens = ok(
        app.post(
            "/api/v1/auth/login/mfa",
            None,
            json!({ "challenge": challenge, "code": code }),
        )
        .await,
        StatusCode::OK,
    );
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&access)).await.body["email"],
        email
    );
    assert!(tokens.get("recovery_codes").is_none());
    // The challenge works once, and so does the code.
    app.post(
        "/api/v1/auth/login/mfa",
        None,
        json!({ "challenge": challenge, "code": code }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "invalid-challenge");
    let again = ok(app.login(&email, &password).await, StatusCode::OK);
    app.post(
        "/api/v1/auth/login/mfa",
        None,
        json!({ "challenge": again["challenge"], "code": code }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "invalid-mfa-code");

    // A recovery code signs in once (written as the user may type it).
    let typed = recovery[0].to_uppercase().replace('-', " ");
    let with_recovery = ok(
        app.post(
            "/api/v1/auth/login/mfa",
            None,
            json!({ "challenge": again["challenge"], "recovery_code": typed }),
        )
        .await,
        StatusCode::OK,
    );
    assert!(with_recovery["access_token"].is_string());
    let third = ok(app.login(&email, &password).await, StatusCode::OK);
    app.post(
        "/api/v1/auth/login/mfa",
        None,
        json!({ "challenge": third["challenge"], "recovery_code": recovery[0] }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "invalid-mfa-code");
    let status = ok(
        app.get("/api/v1/auth/mfa", Some(&access)).await,
        StatusCode::OK,
    );
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 9);

    // Turning it off takes the password and a second factor.
    app.post(
        "/api/v1/auth/mfa/disable",
        Some(&access),
        json!({ "password": password }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "mfa-code-required");
    app.post(
        "/api/v1/auth/mfa/disable",
        Some(&access),
        json!({ "password": "not-my-passphrase-9", "recovery_code": recovery[1] }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "wrong-password");
    let r = app
        .post(
            "/api/v1/auth/mfa/disable",
            Some(&access),
            json!({ "password": password, "recovery_code": recovery[1] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(app.login(&email, &password).await.body["access_token"].is_string());
    let mails = app.emails_to(&email).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject == "Two-factor sign-in was turned off"),
        "{mails:?}"
    );

    let admin = app.admin_token().await;
    let id = app.user_id(&admin, &email).await;
    let actions = audit_actions(&app, &admin, &id).await;
    for a in [
        "user.mfa_setup_started",
        "user.mfa_enabled",
        "user.mfa_failed",
        "user.mfa_recovery_code_used",
        "user.mfa_disabled",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

async fn wrong_codes_count_toward_the_login_limits(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (email, token) = app.user_with_role("hal", Role::Viewer).await;
    let (auth, _) = turn_on_mfa(&app, &token).await;
    let password = password_of("hal");
    // From its own network, so the other steps of the test are not counted with it.
    let guesser = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 9]))
        .build()
        .unwrap();
    let post = |path: &'static str, body: Value| {
        let req = guesser.post(app.url(path)).json(&body);
        async move { Reply::from(req.send().await.unwrap()).await }
    };
    let first = ok(
        post(
            "/api/v1/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await,
        StatusCode::OK,
    );
    let capacity = erp_shared::login_throttle::PER_ACCOUNT_AND_ADDRESS.capacity;
    // The password took one attempt; each wrong code takes another.
    for _ in 1..capacity {
        post(
            "/api/v1/auth/login/mfa",
            json!({ "challenge": first["challenge"], "code": auth.wrong_code() }),
        )
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-mfa-code");
    }
    post(
        "/api/v1/auth/login/mfa",
        json!({ "challenge": first["challenge"], "code": auth.wrong_code() }),
    )
    .await
    .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
    post(
        "/api/v1/auth/login",
        json!({ "email": email, "password": password }),
    )
    .await
    .assert_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
}

async fn an_admin_without_two_factor_sets_it_up_at_login_when_the_company_requires_it(
    backend: Backend,
) {
    let app = TestApp::start(backend).await;
    let admin_email = app.email("admin");
    let (viewer_email, _) = app.user_with_role("ivy", Role::Viewer).await;
    let (admin, admin_refresh) = app.tokens(&admin_email, ADMIN_PASSWORD).await;
    ok(
        app.put_settings(&admin, json!({ "require_mfa_for_admins": true }))
            .await,
        StatusCode::OK,
    );

    // Existing sessions of the admin cannot be refreshed any more...
    refresh(&app, &admin_refresh)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "mfa-setup-required");
    // ...and the password step asks for a setup instead of refusing.
    let first = ok(
        app.login(&admin_email, ADMIN_PASSWORD).await,
        StatusCode::OK,
    );
    assert_eq!(first["mfa"], "setup", "{first}");
    assert!(first.get("access_token").is_none());
    assert!(first["detail"].as_str().unwrap().contains("requires"));
    let challenge = first["challenge"].as_str().unwrap();
    let setup = ok(
        app.post(
            "/api/v1/auth/login/mfa/setup",
            None,
            json!({ "challenge": challenge }),
        )
        .await,
        StatusCode::OK,
    );
    let mut auth = Authenticator::new(setup["secret"].as_str().unwrap());
    let code = auth.next_code().await;
    let signed_in = ok(
        app.post(
            "/api/v1/auth/login/mfa",
            None,
            json!({ "challenge": challenge, "code": code }),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(signed_in["recovery_codes"].as_array().unwrap().len(), 10);
    let admin = signed_in["access_token"].as_str().unwrap().to_string();
    let status = ok(
        app.get("/api/v1/auth/mfa", Some(&admin)).await,
        StatusCode::OK,
    );
    assert_eq!(status["enabled"], true);
    assert_eq!(status["required"], true);
    let recovery = signed_in["recovery_codes"][0].as_str().unwrap();
    app.post(
        "/api/v1/auth/mfa/disable",
        Some(&admin),
        json!({ "password": ADMIN_PASSWORD, "recovery_code": recovery }),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "mfa-required");
    // Other roles are not asked.
    assert!(app.login(&viewer_email, &password_of("ivy")).await.body["access_token"].is_string());

    // Dropping the requirement needs a fresh sign-in, which now needs the second factor.
    let current = app.get("/api/v1/settings/company", Some(&admin)).await;
    let etag = current.headers["etag"].to_str().unwrap().to_string();
    app.send(
        Method::PUT,
        "/api/v1/settings/company",
        &admin,
        &[("if-match", &etag)],
        Some(json!({ "require_mfa_for_admins": false })),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "reauth-required");
    app.post(
        "/api/v1/auth/reauth",
        Some(&admin),
        json!({ "password": ADMIN_PASSWORD }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "mfa-code-required");
    let code = auth.next_code().await;
    let proof = app.reauth(&admin, ADMIN_PASSWORD, Some(&code)).await;
    let r = app
        .send(
            Method::PUT,
            "/api/v1/settings/company",
            &admin,
            &[("if-match", &etag), ("x-reauth", &proof)],
            Some(json!({ "require_mfa_for_admins": false })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["require_mfa_for_admins"], false);
}

async fn changing_bank_details_needs_a_fresh_sign_in_and_tells_every_admin(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_email = app.email("admin");
    let admin = app.admin_token().await;
    let (bob_email, bob) = app.user_with_role("bob", Role::Admin).await;
    let (clerk_email, _) = app.user_with_role("cy", Role::Accountant).await;
    let bank = json!({
        "legal_name": "Northwind Traders Ltd",
        "bank_details": "Bank: Harbour Bank\nIBAN: GB33BUKB20201555555555",
    });
    let put = |headers: Vec<(&'static str, String)>, body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let current = app.get("/api/v1/settings/company", Some(&admin)).await;
            let etag = current.headers["etag"].to_str().unwrap().to_string();
            let mut all = vec![("if-match", etag)];
            all.extend(headers);
            let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.send(
                Method::PUT,
                "/api/v1/settings/company",
                &admin,
                &refs,
                Some(body),
            )
            .await
        }
    };

    // No proof, a forged one, or another admin's: refused, nothing saved, nobody emailed.
    put(vec![], bank.clone())
        .await
        .assert_problem(StatusCode::FORBIDDEN, "reauth-required");
    put(vec![("x-reauth", "forged-proof".into())], bank.clone())
        .await
        .assert_problem(StatusCode::FORBIDDEN, "reauth-required");
    let bobs = app.reauth(&bob, &password_of("bob"), None).await;
    put(vec![("x-reauth", bobs)], bank.clone())
        .await
        .assert_problem(StatusCode::FORBIDDEN, "reauth-required");
    app.post(
        "/api/v1/auth/reauth",
        Some(&admin),
        json!({ "password": "not-my-passphrase-9" }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "wrong-password");
    let current = ok(
        app.get("/api/v1/settings/company", Some(&admin)).await,
        StatusCode::OK,
    );
    assert!(current["bank_details"].is_null());
    let bank_notices = |mails: Vec<erp_tests::Mail>| {
        mails
            .into_iter()
            .filter(|m| m.subject == "The company's bank details were changed")
            .collect::<Vec<_>>()
    };
    assert!(bank_notices(app.emails_to(&bob_email).await).is_empty());

    // Other settings change without a fresh sign-in.
    ok(
        put(vec![], json!({ "legal_name": "Northwind Traders Ltd" })).await,
        StatusCode::OK,
    );

    let proof = app.reauth(&admin, ADMIN_PASSWORD, None).await;
    let saved = ok(
        put(vec![("x-reauth", proof.clone())], bank.clone()).await,
        StatusCode::OK,
    );
    assert_eq!(
        saved["bank_details"],
        "Bank: Harbour Bank\nIBAN: GB33BUKB20201555555555"
    );
    for to in [&admin_email, &bob_email] {
        let mails = app.emails_to(to).await;
        let notice = mails
            .iter()
            .find(|m| m.subject == "The company's bank details were changed")
            .unwrap_or_else(|| panic!("no bank-details email to {to}: {mails:?}"));
        assert!(notice.text.contains("Ada Admin"), "{}", notice.text);
        assert!(notice.text.contains(&admin_email), "{}", notice.text);
        assert!(notice.text.contains("GB33 **** 5555"), "{}", notice.text);
        assert!(notice.text.contains("(none)"), "{}", notice.text);
        assert!(
            !notice.text.contains("GB33BUKB20201555555555"),
            "full IBAN in {}",
            notice.text
        );
    }
    assert!(
        !app.emails_to(&clerk_email)
            .await
            .iter()
            .any(|m| m.subject.contains("bank details")),
        "only admins are told"
    );

    // The proof lasts a few minutes: a second change with it works and is announced too.
    ok(
        put(
            vec![("x-reauth", proof)],
            json!({ "bank_details": "IBAN DE89 3704 0044 0532 0130 00" }),
        )
        .await,
        StatusCode::OK,
    );
    let notices = bank_notices(app.emails_to(&bob_email).await);
    assert_eq!(notices.len(), 2);
    assert!(notices[1].text.contains("GB33 **** 5555"));
    assert!(notices[1].text.contains("DE89 **** 3000"));

    let audit = app
        .get(
            "/api/v1/audit?entity_type=settings&entity_id=company",
            Some(&admin),
        )
        .await;
    assert_eq!(
        audit
            .actions()
            .iter()
            .filter(|a| **a == "settings.company_updated")
            .count(),
        3
    );
    let admin_id = app.user_id(&admin, &admin_email).await;
    assert!(
        audit_actions(&app, &admin, &admin_id)
            .await
            .iter()
            .any(|a| a == "user.reauthenticated")
    );
}

on_both_backends!(
    a_user_changes_their_password_and_their_other_sessions_end,
    a_user_sees_their_sessions_and_ends_one,
    a_user_turns_on_two_factor_sign_in_and_signs_in_with_codes,
    wrong_codes_count_toward_the_login_limits,
    an_admin_without_two_factor_sets_it_up_at_login_when_the_company_requires_it,
    changing_bank_details_needs_a_fresh_sign_in_and_tells_every_admin,
);

mod browser_sessions {
    use erp_tests::{Backend, StatusCode, TestApp, on_both_backends};
    use serde_json::json;

    /// The `erp_refresh` value and the whole `Set-Cookie` of an answer.
    fn set_cookie(r: &erp_tests::Reply) -> (String, String) {
        let set = r.headers["set-cookie"].to_str().unwrap().to_string();
        let value = set
            .strip_prefix("erp_refresh=")
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string();
        (value, set)
    }

    async fn refresh_with(app: &TestApp, cookie: &str, csrf: bool, path: &str) -> erp_tests::Reply {
        let mut req = app
            .client
            .post(app.url(path))
            .header("cookie", format!("erp_refresh={cookie}"))
            .json(&json!({}));
        if csrf {
            req = req.header("x-requested-with", "erp");
        }
        erp_tests::Reply::from(req.send().await.unwrap()).await
    }

    async fn a_browser_keeps_its_refresh_token_in_an_http_only_cookie(backend: Backend) {
        let app = TestApp::start(backend).await;
        let r = erp_tests::Reply::from(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("x-refresh-cookie", "1")
                .json(
                    &json!({ "email": app.email("admin"), "password": erp_tests::ADMIN_PASSWORD }),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.get("refresh_token").is_none(),
            "never readable by scripts"
        );
        assert!(r.body["access_token"].is_string());
        let (first, set) = set_cookie(&r);
        for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"] {
            assert!(set.contains(attr), "{set}");
        }

        // A cross-site form can send the cookie but not a custom header: refused.
        let forged = refresh_with(&app, &first, false, "/api/v1/auth/refresh").await;
        forged.assert_problem(StatusCode::FORBIDDEN, "csrf");
        let r = refresh_with(&app, &first, true, "/api/v1/auth/refresh").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.get("refresh_token").is_none());
        let (second, _) = set_cookie(&r);
        assert_ne!(first, second);
        let me = app
            .get(
                "/api/v1/auth/me",
                Some(r.body["access_token"].as_str().unwrap()),
            )
            .await;
        assert_eq!(me.status, StatusCode::OK);

        // Signing out ends the session and removes the cookie.
        let out = refresh_with(&app, &second, true, "/api/v1/auth/logout").await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        let (_, cleared) = set_cookie(&out);
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        refresh_with(&app, &second, true, "/api/v1/auth/refresh")
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    on_both_backends!(a_browser_keeps_its_refresh_token_in_an_http_only_cookie);
}
