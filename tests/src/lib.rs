//! Test harness: starts the API in-process on 127.0.0.1 on either backend, signs users in,
//! and reads the emails the API sent (from the `.eml` folder or from the SES emulator).
//!
//! The DynamoDB backend runs against `moto_server` (see `infra/moto/launch.py`): started once
//! per test binary on a free port unless `ERP_TEST_MOTO_ENDPOINT` points at a running one;
//! it exits by itself when the test binary ends. Each test gets its own table.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use erp_shared::auth::Role;
use erp_shared::config::{Config, SecretSource};
use erp_shared::email::Mailer;
use erp_shared::secrets::Secrets;
use erp_shared::state::AppState;
use erp_shared::store::{DynamoBackend, Store};
use serde_json::{Value, json};

pub use reqwest::StatusCode;

pub mod iam;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Dynamo,
}

/// Generates one test per backend from an async fn taking a [`Backend`].
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Embedded).await
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Dynamo).await
                }
            )*
        }
    };
}

static MOTO: OnceLock<String> = OnceLock::new();

/// The emulator's endpoint, starting it on first use.
pub fn moto_endpoint() -> &'static str {
    MOTO.get_or_init(|| {
        if let Ok(ep) = std::env::var("ERP_TEST_MOTO_ENDPOINT") {
            return ep;
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../infra/moto/launch.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto (run infra/test.sh, which installs moto[server])");
        let stdout = child.stdout.take().expect("moto stdout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("moto port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            panic!("moto did not start: {line:?} (is moto[server] installed?)")
        });
        // The launcher exits when this process does.
        std::mem::forget(child);
        format!("http://127.0.0.1:{port}")
    })
}

/// SDK configuration pointing at the emulator (no environment variables touched).
pub async fn moto_sdk() -> aws_config::SdkConfig {
    erp_shared::aws::emulator_config(moto_endpoint(), "us-east-1")
}

/// A fresh, empty store on the backend (a new table on DynamoDB).
pub async fn fresh_store(backend: Backend) -> Store {
    match backend {
        Backend::Embedded => Store::memory(),
        Backend::Dynamo => {
            let sdk = moto_sdk().await;
            let table = format!("erp-test-{}", uuid::Uuid::new_v4().simple());
            let b = DynamoBackend::new(&sdk, table);
            b.create_table().await.expect("create table");
            Store::dynamo(b)
        }
    }
}

/// Creates a secret on the emulator and returns its ARN.
pub async fn create_secret(sdk: &aws_config::SdkConfig, name: &str, value: &str) -> String {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let out = client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("create secret");
    out.arn.expect("secret arn")
}

pub fn test_secret_json() -> String {
    json!({
        "kid": "test-1",
        "signing_key": "test-signing-key-0123456789abcdefghijklmnop",
    })
    .to_string()
}

/// The Salesforce secret of the test apps (its own secret, apart from the signing keys).
pub fn test_salesforce_secret_json() -> String {
    json!({ "webhook_secret": TEST_SALESFORCE_SECRET }).to_string()
}

/// The Salesforce shared secret of the test apps (`webhook_secret`).
pub const TEST_SALESFORCE_SECRET: &str = "test-salesforce-webhook-secret-0123456789abcdef";
/// The Salesforce organisation the test apps accept Outbound Messages from.
pub const TEST_SALESFORCE_ORG_ID: &str = "00D5g000004ABCDEAA";

pub fn test_config(data_dir: PathBuf) -> Config {
    let mut c = Config::from_lookup(|_| None).expect("default config");
    c.data_dir = data_dir;
    c.secrets = Some(SecretSource::Inline(test_secret_json()));
    c.email_from = "erp@example.com".into();
    c.public_url = "http://127.0.0.1:3000".into();
    c.salesforce_org_id = Some(TEST_SALESFORCE_ORG_ID.into());
    c.salesforce_secret = Some(SecretSource::Inline(test_salesforce_secret_json()));
    c
}

/// A running API and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    /// Unique per app, part of every address it makes, so tests sharing the emulator never
    /// read each other's mail.
    pub tag: String,
    data_dir: PathBuf,
    /// Every write a request made, checked against its function's IAM policy.
    writes: iam::WriteCheck,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if !std::thread::panicking() {
            self.writes.assert_clean();
        }
    }
}

pub const ADMIN_PASSWORD: &str = "violet-otter-harbour-42";

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        Self::launch(backend, fresh_store(backend).await, tag, configure).await
    }

    /// An app on a store that already holds another app's data (a restored export): `tag`
    /// is that app's, so its admin and its addresses are the same. The admin is created only
    /// when the store has no account with its email.
    pub async fn on_store(backend: Backend, store: Store, tag: &str) -> Self {
        Self::launch(backend, store, tag.to_string(), |_| {}).await
    }

    async fn launch(
        backend: Backend,
        store: Store,
        tag: String,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        // Unique per app even when two apps share a tag.
        let instance = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        let data_dir = std::env::temp_dir().join(format!("erp-test-{instance}"));
        let mut config = test_config(data_dir.clone());
        configure(&mut config);
        let writes = iam::WriteCheck::default();
        let store = store.observe_writes(writes.observer());
        let mut salesforce = None;
        let secrets = match backend {
            Backend::Embedded => Secrets::new(config.secrets.clone().expect("secret"), None),
            // On the emulator the signing keys come from Secrets Manager, as on AWS.
            Backend::Dynamo => {
                let sdk = moto_sdk().await;
                let id =
                    create_secret(&sdk, &format!("erp-test-{instance}"), &test_secret_json()).await;
                config.secrets = Some(SecretSource::SecretsManager(id.clone()));
                // The Salesforce secret is a secret of its own, as on AWS.
                if let Some(SecretSource::Inline(json)) = config.salesforce_secret.clone() {
                    let sf = create_secret(&sdk, &format!("erp-test-sf-{instance}"), &json).await;
                    config.salesforce_secret = Some(SecretSource::SecretsManager(sf.clone()));
                    salesforce = Some(erp_shared::secrets::SalesforceSecret::new(
                        SecretSource::SecretsManager(sf),
                        Some(&sdk),
                    ));
                }
                Secrets::new(SecretSource::SecretsManager(id), Some(&sdk))
            }
        };
        let mailer = match backend {
            Backend::Embedded => Mailer::Files {
                dir: data_dir.join("outbox"),
                from: config.email_from.clone(),
            },
            Backend::Dynamo => {
                let sdk = moto_sdk().await;
                let ses = aws_sdk_sesv2::Client::new(&sdk);
                // The emulator needs the sender identity to exist (no verification).
                let _ = ses
                    .create_email_identity()
                    .email_identity(&config.email_from)
                    .send()
                    .await;
                Mailer::Ses {
                    client: ses,
                    from: config.email_from.clone(),
                }
            }
        };
        let mut state = AppState::assemble(config, store, secrets, mailer);
        if let Some(sf) = salesforce {
            state = state.with_salesforce_secret(sf);
        }
        let state = erp_local::local_state(state);
        let app = erp_local::router(state.clone()).layer(axum::middleware::from_fn(iam::attribute));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .ok();
        });
        let admin = Self::address(&tag, "admin");
        erp_shared::accounts::bootstrap_admin(
            &state.store,
            erp_shared::domain::Email::parse(&admin).expect("admin email"),
            "Ada Admin",
            ADMIN_PASSWORD,
        )
        .await
        .expect("bootstrap admin");
        Self {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            state,
            backend,
            tag,
            data_dir,
            writes,
        }
    }

    fn address(tag: &str, who: &str) -> String {
        format!("{who}.{tag}@example.com")
    }

    /// A unique email address for this app.
    pub fn email(&self, who: &str) -> String {
        Self::address(&self.tag, who)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    /// A request with extra headers (e.g. `If-Match`).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    /// Raw bytes of a response (PDFs, images): (status, content type, body).
    pub async fn bytes(&self, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = res.status();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, ct, res.bytes().await.expect("body").to_vec())
    }

    /// Replaces the company settings (admin), whatever their current version. When the bank
    /// details or the two-factor requirement change and the caller is the bootstrap admin, it
    /// signs in again first ([`TestApp::reauth`]): such changes need a fresh sign-in.
    pub async fn put_settings(&self, admin: &str, settings: Value) -> Reply {
        let current = self.get("/api/v1/settings/company", Some(admin)).await;
        assert_eq!(current.status, StatusCode::OK, "{}", current.body);
        let etag = current.headers["etag"].to_str().unwrap().to_string();
        let text = |v: &Value| {
            v.as_str()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let flag = |v: &Value| v["require_mfa_for_admins"].as_bool().unwrap_or(false);
        let account = |v: &Value| {
            (
                text(&v["bank_details"]),
                text(&v["einvoicing"]["iban"]),
                text(&v["einvoicing"]["bic"]),
            )
        };
        let sensitive =
            account(&settings) != account(&current.body) || flag(&settings) != flag(&current.body);
        let reauth = if sensitive
            && self.get("/api/v1/auth/me", Some(admin)).await.body["email"] == self.email("admin")
        {
            Some(self.reauth(admin, ADMIN_PASSWORD, None).await)
        } else {
            None
        };
        let mut headers = vec![("if-match", etag.as_str())];
        if let Some(r) = &reauth {
            headers.push(("x-reauth", r.as_str()));
        }
        self.send(
            reqwest::Method::PUT,
            "/api/v1/settings/company",
            admin,
            &headers,
            Some(settings),
        )
        .await
    }

    /// Fills in what EN 16931 needs of the seller (legal name, address, VAT id), without
    /// which no invoice is issued, keeping the rest of `settings`.
    pub async fn seller_ready(&self, admin: &str) {
        self.put_seller_settings(admin, json!({})).await;
    }

    /// [`Self::put_settings`] with `settings` plus the seller's EN 16931 data ([`seller`]).
    pub async fn put_seller_settings(&self, admin: &str, settings: Value) -> Value {
        let r = self.put_settings(admin, with_seller(settings)).await;
        assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
        r.body
    }

    /// A fresh sign-in proof (`POST /auth/reauth`) for the `X-Reauth` header.
    pub async fn reauth(&self, token: &str, password: &str, code: Option<&str>) -> String {
        let mut body = json!({ "password": password });
        if let Some(c) = code {
            body["code"] = json!(c);
        }
        let r = self.post("/api/v1/auth/reauth", Some(token), body).await;
        assert_eq!(r.status, StatusCode::OK, "reauth: {}", r.body);
        r.str("reauth_token")
    }

    /// The company's sender address in the settings of the email-failure tests: unique per
    /// app and, on the emulator, not a known identity until [`TestApp::repair_mail`].
    pub fn company_sender(&self) -> String {
        format!("billing@{}.example.org", self.tag)
    }

    /// Makes the mail service refuse every message. On the emulator this relies on the
    /// company settings sending from [`TestApp::company_sender`], an identity unknown until
    /// [`TestApp::repair_mail`]; with files, a file stands where the mail folder should be.
    pub async fn break_mail(&self) {
        if self.backend == Backend::Embedded {
            let dir = self.data_dir.join("outbox");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&self.data_dir).expect("data folder");
            std::fs::write(&dir, b"not a folder").expect("block the mail folder");
        }
    }

    /// Undoes [`TestApp::break_mail`].
    pub async fn repair_mail(&self) {
        match self.backend {
            Backend::Embedded => {
                let _ = std::fs::remove_file(self.data_dir.join("outbox"));
            }
            Backend::Dynamo => {
                let ses = aws_sdk_sesv2::Client::new(&moto_sdk().await);
                ses.create_email_identity()
                    .email_identity(self.company_sender())
                    .send()
                    .await
                    .expect("create identity");
            }
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.request(reqwest::Method::PATCH, path, token, Some(body))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Logs in and returns (access token, refresh token).
    pub async fn tokens(&self, email: &str, password: &str) -> (String, String) {
        let r = self.login(email, password).await;
        assert_eq!(r.status, StatusCode::OK, "login of {email}: {}", r.body);
        (r.str("access_token"), r.str("refresh_token"))
    }

    pub async fn admin_token(&self) -> String {
        self.tokens(&self.email("admin"), ADMIN_PASSWORD).await.0
    }

    /// Registers `who`, has the admin approve it with `role`, logs in. Returns (email, access token).
    pub async fn user_with_role(&self, who: &str, role: Role) -> (String, String) {
        let email = self.email(who);
        let password = format!("{who}-secret-passphrase");
        let r = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({ "email": email, "password": password, "name": who }),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        self.verify_email(&email, &password).await;
        let admin = self.admin_token().await;
        let id = self.user_id(&admin, &email).await;
        let r = self
            .post(
                &format!("/api/v1/users/{id}/approve"),
                Some(&admin),
                json!({ "role": role.as_str() }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (token, _) = self.tokens(&email, &password).await;
        (email, token)
    }

    /// Follows the confirmation link emailed to a new registration's address and chooses
    /// the password.
    pub async fn verify_email(&self, email: &str, password: &str) {
        let token = self.emailed_token(email).await;
        let r = self
            .post(
                "/api/v1/auth/register/verify",
                None,
                json!({ "token": token, "password": password }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "verify {email}: {}", r.body);
    }

    /// Sends the outbox now, as the notifier (or the local server's drainer) does.
    pub async fn drain_outbox(&self) -> erp_shared::email::outbox::DrainReport {
        erp_shared::email::outbox::drain(&self.state.courier(), chrono::Utc::now().timestamp())
            .await
            .expect("drain the outbox")
    }

    /// The id of the user with this email, found through the admin's user list.
    pub async fn user_id(&self, admin: &str, email: &str) -> String {
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/users?limit=100&cursor={c}"),
                None => "/api/v1/users?limit=100".into(),
            };
            let r = self.get(&path, Some(admin)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            if let Some(u) = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["email"] == email)
            {
                return u["id"].as_str().unwrap().to_string();
            }
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => panic!("no user {email}"),
            }
        }
    }

    /// Every email sent to `to`, oldest first.
    pub async fn emails_to(&self, to: &str) -> Vec<Mail> {
        let raws: Vec<Vec<u8>> = match self.backend {
            Backend::Embedded => {
                let dir = self.data_dir.join("outbox");
                let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                    .unwrap_or_default();
                files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
                files.sort();
                files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
            }
            Backend::Dynamo => {
                let data: Value = self
                    .client
                    .get(format!("{}/moto-api/data.json", moto_endpoint()))
                    .send()
                    .await
                    .expect("moto data")
                    .json()
                    .await
                    .expect("moto json");
                data["ses"]["RawMessage"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|m| m["raw_data"].as_str().map(|s| s.as_bytes().to_vec()))
                    .collect()
            }
        };
        raws.iter()
            .filter_map(|raw| Mail::parse(raw))
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }

    /// The `token=` of the link in the last email sent to `to`.
    pub async fn emailed_token(&self, to: &str) -> String {
        let mails = self.emails_to(to).await;
        let mail = mails.last().unwrap_or_else(|| panic!("no email to {to}"));
        mail.link_token()
            .unwrap_or_else(|| panic!("no token link in {:?}", mail.text))
    }
}

/// A parsed email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// (file name, content type, bytes)
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

impl Mail {
    pub fn parse(raw: &[u8]) -> Option<Mail> {
        use mail_parser::MimeHeaders;
        let m = mail_parser::MessageParser::default().parse(raw)?;
        let to = m.to()?.first()?.address()?.to_string();
        let from = m
            .from()
            .and_then(|f| f.first())
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
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    ct,
                    a.contents().to_vec(),
                )
            })
            .collect();
        Some(Mail {
            to,
            from,
            subject: m.subject().unwrap_or_default().to_string(),
            text: m.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
            html: m.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
            attachments,
        })
    }

    /// The text of the PDF attached to this email.
    pub fn pdf_text(&self) -> String {
        let (_, ct, data) = self
            .attachments
            .iter()
            .find(|(name, _, _)| name.ends_with(".pdf"))
            .unwrap_or_else(|| panic!("no PDF attached to {:?}", self.subject));
        assert_eq!(ct, "application/pdf");
        pdf_text(data)
    }

    pub fn link_token(&self) -> Option<String> {
        let start = self.text.find("token=")? + "token=".len();
        Some(
            self.text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

/// The text a PDF shows (extracted as a reader would).
/// The seller of the tests' invoices: what EN 16931 needs of it.
pub fn seller() -> Value {
    json!({
        "legal_name": "Northwind Trading GmbH",
        "address": {"line1": "Hauptstraße 5", "city": "Berlin", "postal_code": "10115", "country": "DE"},
        "tax_id": "DE123456789",
    })
}

/// `settings` with the seller's name, address and VAT id unless it gives its own.
pub fn with_seller(mut settings: Value) -> Value {
    for (k, v) in seller().as_object().expect("an object") {
        if settings.get(k).is_none_or(Value::is_null) {
            settings[k] = v.clone();
        }
    }
    settings
}

/// A billing address for the tests' customers (EN 16931 needs the buyer's address).
pub fn billing_address() -> Value {
    json!({"line1": "1 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"})
}

pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    pdf_extract::extract_text_from_mem(pdf).expect("PDF text extracts")
}

/// A valid PNG logo (`w` × `h`, RGBA, a colour gradient).
pub fn png_logo(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("png header");
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % 256) as u8, 80, 160, 255])
            .collect();
        writer.write_image_data(&data).expect("png data");
    }
    out
}

/// A response: status, headers and the JSON body (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn from(res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn str(&self, field: &str) -> String {
        self.body[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} in {}", self.body))
            .to_string()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The fields named by a validation problem's `errors`.
    pub fn error_fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default()
    }

    /// The `action` of every item of a list (an audit history).
    pub fn actions(&self) -> Vec<&str> {
        self.body["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|r| r["action"].as_str()).collect())
            .unwrap_or_default()
    }

    /// Asserts a problem+json answer with this status and `type` slug.
    pub fn assert_problem(&self, status: StatusCode, kind: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(
            self.body["type"],
            format!("/problems/{kind}"),
            "{}",
            self.body
        );
        assert_eq!(self.body["status"], status.as_u16());
    }
}
