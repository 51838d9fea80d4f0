//! The README's first command, for real: the `erp-local` binary starts on 127.0.0.1 with the
//! admin from the environment, keeps its data across restarts, and refuses a weak admin
//! password. And the local server's own parts, assembled as `erp-local` assembles them
//! ([`erp_local::LocalServer`]): its background email sender and its own route.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The server process; killed when the test ends, however it ends.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(data: &Path, port: u16, password: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_erp-local"));
    c.env_clear()
        .env("PORT", port.to_string())
        .env("ERP_DATA_DIR", data)
        .env("ERP_ADMIN_EMAIL", "owner@example.com")
        .env("ERP_ADMIN_PASSWORD", password)
        .env("ERP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

async fn start(data: &Path, password: &str) -> Server {
    let port = free_port();
    let child = command(data, port, password)
        .spawn()
        .expect("start erp-local");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{}/healthz", server.base)).await {
            if r.status() == 200 {
                return server;
            }
        }
        assert!(
            Instant::now() < deadline,
            "erp-local did not answer /healthz"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn login(base: &str, password: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": "owner@example.com", "password": password }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "erp-local-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn the_local_server_starts_with_an_admin_and_keeps_its_data() {
    let data = temp_dir();
    let server = start(&data, "violet-otter-harbour").await;
    let (status, body) = login(&server.base, "violet-otter-harbour").await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    drop(server);

    // Restarted (even with another password in the environment): the same admin, the same
    // signing key, so the token from before the restart still works.
    let server = start(&data, "a-different-passphrase").await;
    assert_eq!(login(&server.base, "violet-otter-harbour").await.0, 200);
    assert_eq!(login(&server.base, "a-different-passphrase").await.0, 401);
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/auth/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert!(data.join("erp.redb").exists());
    assert!(data.join("secrets.json").exists());
    drop(server);
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn a_weak_admin_password_stops_the_server() {
    let data = temp_dir();
    let status = command(&data, free_port(), "password")
        .status()
        .expect("run erp-local");
    assert!(!status.success());
    std::fs::remove_dir_all(&data).ok();
}

/// The local server as `erp-local` assembles it ([`erp_local::LocalServer::start`]), in
/// this process, on a free port, on `data`, with the admin `owner@example.com`.
struct InProcess {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl InProcess {
    async fn start(data: &Path, pacing: erp_local::Pacing) -> InProcess {
        let mut config = erp_shared::config::Config::from_lookup(|_| None).expect("defaults");
        config.data_dir = data.to_path_buf();
        let local = erp_shared::config::LocalConfig {
            port: 0,
            admin_email: Some("owner@example.com".into()),
            admin_password: Some("violet-otter-harbour".into()),
            web_dir: data.join("web"),
        };
        let server = erp_local::LocalServer::start(config, local, pacing)
            .await
            .expect("the local server starts");
        let base = format!("http://{}", server.addr);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        InProcess {
            base,
            stop: Some(stop),
            served: Some(served),
        }
    }

    async fn shut_down(mut self) {
        let _ = self.stop.take().expect("running").send(());
        let served = self.served.take().expect("running");
        served.await.expect("server task").expect("served");
    }

    /// A JSON request as the owner; (status, body).
    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Fills in the seller data EN 16931 needs (no invoice is issued without it).
    async fn seller_ready(&self, token: &str) {
        let url = format!("{}/api/v1/settings/company", self.base);
        let client = reqwest::Client::new();
        let current = client.get(&url).bearer_auth(token).send().await.unwrap();
        let etag = current.headers()["etag"].to_str().unwrap().to_string();
        let r = client
            .put(&url)
            .bearer_auth(token)
            .header("if-match", etag)
            .json(&json!({
                "legal_name": "Northwind Trading GmbH",
                "address": {"line1": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"},
                "tax_id": "DE123456789",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    }
}

/// A billing address for the tests' customers.
fn billing_address() -> Value {
    json!({"line1": "1 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"})
}

/// An email the local server wrote.
#[derive(Clone, Debug)]
struct Sent {
    to: String,
    subject: String,
    /// (file name, content type) of each attachment.
    attachments: Vec<(String, String)>,
}

/// Every `.eml` in the data folder's mail folder, parsed.
fn mails(data: &Path) -> Vec<Sent> {
    use mail_parser::MimeHeaders;
    let Ok(dir) = std::fs::read_dir(data.join("outbox")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let raw = std::fs::read(&path).expect("read .eml");
        let m = mail_parser::MessageParser::default()
            .parse(&raw[..])
            .expect("a MIME message");
        let to = m
            .to()
            .and_then(|t| t.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string();
        let attachments = m
            .attachments()
            .map(|a| {
                let ct = a
                    .content_type()
                    .map(|c| format!("{}/{}", c.c_type, c.c_subtype.as_deref().unwrap_or("")))
                    .unwrap_or_default();
                (a.attachment_name().unwrap_or_default().to_string(), ct)
            })
            .collect();
        out.push(Sent {
            to,
            subject: m.subject().unwrap_or_default().to_string(),
            attachments,
        });
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_email_whose_first_send_failed_is_sent_by_the_background_sender() {
    let data = temp_dir();
    // As erp-local runs, except that the sender runs every 100 ms and retries a failed send
    // after 1 s (then 2, 4, 8) instead of every 5 s and after 1 minute.
    let server = InProcess::start(
        &data,
        erp_local::Pacing {
            drain_every: Duration::from_millis(100),
            retry: erp_shared::email::outbox::Backoff { first_secs: 1 },
        },
    )
    .await;
    let (status, body) = login(&server.base, "violet-otter-harbour").await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    use reqwest::Method;
    let to = "accounts@fabrikam.example.com";
    server.seller_ready(&token).await;
    let (status, customer) = server
        .call(
            &token,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Fabrikam", "email": to, "currency": "EUR", "billing_address": billing_address()})),
        )
        .await;
    assert_eq!(status, 201, "{customer}");
    let (status, draft) = server
        .call(
            &token,
            Method::POST,
            "/api/v1/invoices",
            Some(json!({
                "customer_id": customer["id"],
                "lines": [{"description": "Service", "quantity": "1", "unit_price": 10_000}],
            })),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap();
    let (status, issued) = server
        .call(
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/issue"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    let number = issued["number"].as_str().unwrap().to_string();

    // A file where the mail folder should be: every send fails.
    let folder = data.join("outbox");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::write(&folder, b"not a folder").unwrap();
    let (status, sent) = server
        .call(
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/send"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["status"], "pending", "{sent}");
    // A payment's receipt (no PDF) fails alike.
    let (status, payment) = server
        .call(
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/payments"),
            Some(json!({"amount": 4_000, "method": "card"})),
        )
        .await;
    assert_eq!(status, 201, "{payment}");
    std::fs::remove_file(&folder).unwrap();

    // From here on, no API call: only the background sender can send them.
    let deadline = Instant::now() + Duration::from_secs(30);
    let invoice_mail = loop {
        let all = mails(&data);
        let invoice_mail = all
            .iter()
            .find(|m| {
                m.to == to
                    && m.subject.contains(&number)
                    && !m.subject.starts_with("Payment received")
            })
            .cloned();
        let receipt = all
            .iter()
            .any(|m| m.to == to && m.subject.starts_with("Payment received"));
        if let (Some(m), true) = (invoice_mail.clone(), receipt) {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "after 30 s the background sender had sent: receipt {receipt}, invoice {}",
            invoice_mail.is_some()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        invoice_mail.attachments,
        vec![(format!("{number}.pdf"), "application/pdf".to_string())],
        "the invoice email carries its PDF"
    );
    assert_eq!(
        mails(&data).iter().filter(|m| m.to == to).count(),
        2,
        "each email once"
    );
    let (status, pending) = server
        .call(&token, Method::GET, "/api/v1/outbox?status=pending", None)
        .await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["items"], json!([]), "nothing left to send");
    server.shut_down().await;
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reminder_run_is_documented_and_sends_only_its_own_emails() {
    let data = temp_dir();
    // The background sender's first round finds nothing and the next is an hour away, and a
    // failed send is due again at once: whatever is sent below, the route sent.
    let server = InProcess::start(
        &data,
        erp_local::Pacing {
            drain_every: Duration::from_secs(3600),
            retry: erp_shared::email::outbox::Backoff { first_secs: 0 },
        },
    )
    .await;
    let (_, body) = login(&server.base, "violet-otter-harbour").await;
    let token = body["access_token"].as_str().unwrap().to_string();
    use reqwest::Method;

    // The local server's document describes the route and its answer; the deployed API's
    // (docs/openapi.json, served on AWS) does not have it.
    let path = "/api/v1/admin/run-reminders";
    let (status, doc) = server
        .call(&token, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(status, 200);
    let op = &doc["paths"][path]["post"];
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/RunRemindersResponse",
        "{op}"
    );
    let params: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["date", "at"]);
    assert!(
        op["description"]
            .as_str()
            .is_some_and(|d| d.contains("sends nothing else")),
        "{op}"
    );
    let answer = &doc["components"]["schemas"]["RunRemindersResponse"]["properties"];
    assert!(answer["reminders"].is_object() && answer["delivered"].is_object());
    assert!(doc["components"]["schemas"]["RunReport"].is_object());
    let deployed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(deployed["paths"][path].is_null());

    // An invoice due on 2026-03-10 whose email failed (so it is due for a retry).
    let to = "ap@contoso.example.com";
    server.seller_ready(&token).await;
    let (_, customer) = server
        .call(
            &token,
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Contoso", "email": to, "currency": "EUR", "billing_address": billing_address()})),
        )
        .await;
    let (_, draft) = server
        .call(
            &token,
            Method::POST,
            "/api/v1/invoices",
            Some(json!({
                "customer_id": customer["id"],
                "lines": [{"description": "Service", "quantity": "1", "unit_price": 10_000}],
            })),
        )
        .await;
    let id = draft["id"].as_str().unwrap();
    let (status, issued) = server
        .call(
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/issue"),
            Some(json!({"issue_date": "2026-03-01", "due_date": "2026-03-10"})),
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    let folder = data.join("outbox");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::write(&folder, b"not a folder").unwrap();
    let (_, sent) = server
        .call(
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/send"),
            Some(json!({})),
        )
        .await;
    assert_eq!(sent["status"], "pending", "{sent}");
    std::fs::remove_file(&folder).unwrap();

    // The run sends its reminder, and leaves the invoice email to the background sender.
    let (status, run) = server
        .call(
            &token,
            Method::POST,
            &format!("{path}?date=2026-03-10"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["reminders"]["date"], "2026-03-10");
    assert_eq!(run["reminders"]["sent"], 1, "{run}");
    assert_eq!(run["delivered"], 1, "{run}");
    let mut keys: Vec<&String> = run.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["delivered", "reminders"]);
    let sent_now = mails(&data);
    assert_eq!(sent_now.len(), 1, "only the reminder: {sent_now:?}");
    assert!(sent_now[0].subject.contains("is due today"), "{sent_now:?}");
    let (_, pending) = server
        .call(&token, Method::GET, "/api/v1/outbox?status=pending", None)
        .await;
    assert_eq!(pending["items"][0]["id"], sent["outbox_id"], "{pending}");

    let (status, both) = server
        .call(
            &token,
            Method::POST,
            &format!("{path}?date=2026-03-10&at=2026-03-10T12:00:00Z"),
            None,
        )
        .await;
    assert_eq!(status, 422, "{both}");
    server.shut_down().await;
    std::fs::remove_dir_all(&data).ok();
}

#[tokio::test]
async fn the_built_app_is_served_at_the_root_with_its_deep_links_and_the_api_stays_the_api() {
    let data = temp_dir();
    let web = data.join("web");
    std::fs::create_dir_all(web.join("assets")).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>ERP</title><script type=module src=/assets/index-1a2b.js></script>",
    )
    .unwrap();
    std::fs::write(web.join("assets/index-1a2b.js"), "console.log('app')").unwrap();
    std::fs::write(web.join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(data.join("secret.txt"), "not for the web").unwrap();
    let server = InProcess::start(&data, erp_local::Pacing::default()).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    // The app and its deep links: index.html, revalidated, with the security headers.
    for path in [
        "/",
        "/customers/019a7f00-1234",
        "/reset-password?token=abc",
        "/settings",
    ] {
        let r = get(path).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "text/html; charset=utf-8", "{path}");
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        assert_eq!(
            h["content-security-policy"],
            erp_local::web::CONTENT_SECURITY_POLICY
        );
        for (name, value) in erp_local::web::SECURITY_HEADERS {
            assert_eq!(h[name], value, "{path} {name}");
        }
        assert!(r.text().await.unwrap().contains("<title>ERP</title>"));
    }
    // A hashed asset is cached for a year; a file at the root is served with its type.
    let r = get("/assets/index-1a2b.js").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.text().await.unwrap(), "console.log('app')");
    // A client that accepts brotli gets the build's compressed copy.
    std::fs::write(web.join("assets/index-1a2b.js.br"), b"brotli bytes").unwrap();
    let r = client
        .get(format!("{}/assets/index-1a2b.js", server.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.headers()["vary"], "accept-encoding");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"brotli bytes");
    let r = get("/favicon.svg").await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    // A missing chunk is a 404, not index.html parsed as script; nothing outside the build
    // folder is reachable.
    for path in [
        "/assets/index-old.js",
        "/../secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/.%2e/secret.txt",
    ] {
        let r = get(path).await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert!(!body.contains("not for the web"), "{path}");
        assert!(
            status == 404 || body.contains("<title>ERP</title>"),
            "{path}: {status}"
        );
    }
    assert_eq!(get("/assets/index-old.js").await.unwrap().status(), 404);
    // Other methods never reach the files.
    let r = client
        .post(format!("{}/customers", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, HEAD");
    // The API keeps its own answers: problems, access control and no-store.
    let r = get("/api/v1/no-such-route").await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = get("/api/v1/customers").await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = client
        .head(format!("{}/api/v1/customers?q=a", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
    server.shut_down().await;
    std::fs::remove_dir_all(&data).ok();
}
