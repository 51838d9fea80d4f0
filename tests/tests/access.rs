//! End-to-end: access control fails closed. Every method on every route, anonymously and as
//! every role; `HEAD` needs what `GET` needs; privileges that manage users and settings
//! follow the account's current state; answers are never cached.

use erp_shared::auth::{Access, Role};
use erp_tests::{Backend, StatusCode, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::json;

const ID: &str = "00000000-0000-0000-0000-000000000000";

/// The path with every `{parameter}` filled in with an id that names nothing.
fn with_ids(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { ID } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every method a client can send, including the ones no route declares.
fn all_methods() -> Vec<Method> {
    vec![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::from_bytes(b"PROPFIND").unwrap(),
    ]
}

async fn every_method_on_every_route_is_refused_unless_declared_and_allowed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut callers: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    for role in [Role::Manager, Role::Accountant, Role::Sales, Role::Viewer] {
        let (_, t) = app.user_with_role(role.as_str(), role).await;
        callers.push((Some(role), Some(t)));
    }
    callers.push((Some(Role::Admin), Some(app.admin_token().await)));

    let routes = erp_local::function_routes().merge(erp_local::local_routes());
    let specs = routes.specs();
    let mut paths: Vec<&str> = specs.iter().map(|s| s.path).collect();
    paths.sort();
    paths.dedup();
    let (mut refused_methods, mut refused_callers) = (0, 0);
    for path in paths {
        let url_path = with_ids(path);
        for method in all_methods() {
            let lookup = if method == Method::HEAD {
                Method::GET
            } else {
                method.clone()
            };
            let declared = specs
                .iter()
                .find(|s| s.path == path && s.method.as_str() == lookup.as_str());
            for (role, token) in &callers {
                let r = app
                    .request(method.clone(), &url_path, token.as_deref(), None)
                    .await;
                let what = format!("{role:?} {method} {path}");
                assert!(r.status.as_u16() < 500, "{what}: {}", r.status);
                let Some(spec) = declared else {
                    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
                    let allow = r.headers["allow"].to_str().unwrap();
                    assert!(!allow.contains(method.as_str()), "{what}: allow {allow}");
                    refused_methods += 1;
                    continue;
                };
                match (spec.access, role) {
                    (Access::Public, _) => {}
                    (_, None) => {
                        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
                        refused_callers += 1;
                    }
                    (Access::Permission(p), Some(role)) if !role.can(p) => {
                        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}");
                        refused_callers += 1;
                    }
                    (_, Some(_)) => {
                        assert!(
                            ![401, 403, 405].contains(&r.status.as_u16()),
                            "{what}: {}",
                            r.status
                        );
                    }
                }
                if method == Method::HEAD && r.status != StatusCode::OK {
                    // A refused HEAD says nothing about what GET would have returned.
                    let len = r.headers.get("content-length");
                    assert!(
                        len.is_none_or(|l| l.to_str().unwrap().parse::<u64>().unwrap() < 1000),
                        "{what}"
                    );
                }
            }
        }
    }
    assert!(refused_methods > 1000, "{refused_methods} refused methods");
    assert!(refused_callers > 200, "{refused_callers} refused callers");
}

async fn head_needs_what_get_needs(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/customers",
            Some(&admin),
            json!({ "name": "Zeta Industries", "email": "buyer@zeta.example" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let probe = |token: Option<String>, q: &'static str| {
        let app = &app;
        async move {
            let mut req = app
                .client
                .head(app.url(&format!("/api/v1/customers?q={q}&limit=1")));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap()
        }
    };
    // Anonymous: the same refusal whatever the search matches, so nothing leaks.
    let (z, x) = (probe(None, "z").await, probe(None, "x").await);
    assert_eq!(z.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(x.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        z.headers().get("content-length"),
        x.headers().get("content-length")
    );
    // A viewer may GET customers, so HEAD too.
    let (_, viewer) = app.user_with_role("vera", Role::Viewer).await;
    assert_eq!(probe(Some(viewer), "z").await.status(), StatusCode::OK);
    // TRACE and OPTIONS are not routes of this API.
    for m in [Method::TRACE, Method::OPTIONS] {
        let r = app
            .request(m, "/api/v1/customers", Some(&admin), None)
            .await;
        r.assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
        let mut allow: Vec<&str> = r.headers["allow"]
            .to_str()
            .unwrap()
            .split(',')
            .map(str::trim)
            .collect();
        allow.sort();
        assert_eq!(allow, ["GET", "HEAD", "POST"]);
    }
}

async fn a_demoted_or_deactivated_admin_loses_admin_rights_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let (bea_email, bea) = app.user_with_role("bea", Role::Admin).await;
    let bea_id = app.user_id(&admin, &bea_email).await;
    let (cal_email, cal) = app.user_with_role("cal", Role::Admin).await;
    let cal_id = app.user_id(&admin, &cal_email).await;

    // Nobody changes their own role or active flag, not even an admin.
    for body in [json!({ "role": "viewer" }), json!({ "active": false })] {
        app.patch(&format!("/api/v1/users/{bea_id}"), Some(&bea), body)
            .await
            .assert_problem(StatusCode::FORBIDDEN, "own-account");
    }

    // Deactivated: Bea's token, still unexpired, no longer manages users or settings.
    let r = app
        .patch(
            &format!("/api/v1/users/{bea_id}"),
            Some(&admin),
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.patch(
        &format!("/api/v1/users/{bea_id}"),
        Some(&bea),
        json!({ "active": true }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.post(
        "/api/v1/users",
        Some(&bea),
        json!({ "email": app.email("mallory"), "name": "Mallory", "role": "admin" }),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get("/api/v1/settings/company", Some(&bea))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let users = app.get("/api/v1/users?limit=100", Some(&admin)).await;
    assert!(
        !users.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == app.email("mallory"))
    );

    // Demoted: Cal's admin token now only carries what a viewer may do.
    let r = app
        .patch(
            &format!("/api/v1/users/{cal_id}"),
            Some(&admin),
            json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.get("/api/v1/users", Some(&cal))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    app.patch(
        &format!("/api/v1/users/{cal_id}"),
        Some(&cal),
        json!({ "role": "admin" }),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let me = app
        .get(&format!("/api/v1/users/{cal_id}"), Some(&admin))
        .await;
    assert_eq!(me.body["role"], "viewer");
}

async fn answers_are_never_stored_by_caches(backend: Backend) {
    let app = TestApp::start(backend).await;
    let login = app
        .login(&app.email("admin"), erp_tests::ADMIN_PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.headers["cache-control"], "no-store");
    let token = login.str("access_token");
    for path in [
        "/api/v1/auth/me",
        "/api/v1/customers",
        "/api/v1/users",
        "/api/v1/settings/company",
        "/api/v1/audit",
    ] {
        let r = app.get(path, Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.headers["cache-control"], "no-store", "{path}");
        let r = app.get(path, None).await;
        assert_eq!(r.headers["cache-control"], "no-store", "{path} anonymous");
    }
}

on_both_backends!(
    every_method_on_every_route_is_refused_unless_declared_and_allowed,
    head_needs_what_get_needs,
    a_demoted_or_deactivated_admin_loses_admin_rights_at_once,
    answers_are_never_stored_by_caches,
);
