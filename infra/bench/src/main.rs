//! `infra/bench.sh` runs this after a release build. It prints:
//! - each function binary's release size and zipped size;
//! - start-up time to ready: from exec until the binary's first
//!   `GET /2018-06-01/runtime/invocation/next` against a stand-in Runtime API (median of 30),
//!   for every function and for a bare `lambda_http` hello-world built with the same profile;
//! - p50/p99 latency of endpoints in-process on the embedded backend (redb file), and the
//!   store round trips each makes;
//! - the same for the customers endpoints (create, get, list, search, a page deep in the
//!   list) on a separate store loaded with 10,000 customers through the API, and how long
//!   loading them took.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use erp_shared::email::Mailer;
use erp_shared::secrets::Secrets;
use erp_shared::state::AppState;
use erp_shared::store::{EmbeddedBackend, Store};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const FUNCTIONS: &[&str] = &[
    "auth",
    "users",
    "customers",
    "products",
    "audit",
    "orders",
    "invoices",
    "payments",
];
const STARTS: usize = 30;

fn main() {
    let release = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release"));
    println!("# ERP benchmark\n");
    sizes(&release);
    startup(&release);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(latency());
    rt.block_on(customers());
}

fn zipped_size(path: &Path) -> u64 {
    let out = Command::new("python3")
        .args([
            "-c",
            "import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED,compresslevel=9)\nz.write(sys.argv[1],'bootstrap')\nz.close()\nprint(len(b.getvalue()))",
        ])
        .arg(path)
        .output()
        .expect("python3 for zip size");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / 1024.0 / 1024.0)
}

fn sizes(release: &Path) {
    println!("## Release binaries (x86_64 host build, profile.release)\n");
    println!("| binary | size | zipped |\n|---|---|---|");
    for name in FUNCTIONS.iter().chain(&["hello"]) {
        let path = release.join(name);
        let size = std::fs::metadata(&path)
            .map(|m| m.len())
            .unwrap_or_else(|_| panic!("{} missing: build it first", path.display()));
        println!("| {name} | {} | {} |", mib(size), mib(zipped_size(&path)));
    }
    println!();
}

/// Starts the binary against a stand-in Runtime API and returns the time until it asks for
/// its first invocation.
fn time_to_ready(binary: &Path) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("ERP_STORE", "dynamodb")
        .env("ERP_TABLE_NAME", "bench")
        .env("ERP_SECRET_ID", "bench-secret")
        .env("ERP_EMAIL", "ses")
        .env("ERP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start binary");
    let (stream, _) = listener.accept().expect("runtime client connects");
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("request line");
    let elapsed = started.elapsed();
    assert!(
        line.starts_with("GET /2018-06-01/runtime/invocation/next"),
        "unexpected first request: {line}"
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn startup(release: &Path) {
    println!("## Start-up to ready (exec → first `invocation/next`, median of {STARTS})\n");
    println!("| binary | median | min | max |\n|---|---|---|---|");
    for name in FUNCTIONS.iter().chain(&["hello"]) {
        let path = release.join(name);
        let _ = time_to_ready(&path); // warm the page cache
        let mut times: Vec<Duration> = (0..STARTS).map(|_| time_to_ready(&path)).collect();
        times.sort();
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} ms |",
            ms(times[STARTS / 2]),
            ms(times[0]),
            ms(times[STARTS - 1])
        );
    }
    println!();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Bench {
    router: Router,
    store: Store,
}

impl Bench {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Runs `f` `n` times; prints p50/p99 and the store round trips of one call.
    async fn measure<F, Fut>(&self, label: &str, n: usize, mut f: F)
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = StatusCode>,
    {
        let before = self.store.round_trips();
        let status = f(usize::MAX).await;
        let trips = self.store.round_trips() - before;
        assert!(status.is_success(), "{label}: {status}");
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            let t = Instant::now();
            let status = f(i).await;
            times.push(t.elapsed());
            assert!(status.is_success(), "{label}: {status}");
        }
        times.sort();
        let p = |q: f64| ms(times[((n as f64 * q).ceil() as usize).clamp(1, n) - 1]);
        println!(
            "| {label} | {n} | {:.3} ms | {:.3} ms | {trips} |",
            p(0.50),
            p(0.99)
        );
    }
}

const ADMIN_EMAIL: &str = "admin@bench.example.com";
const ADMIN_PASSWORD: &str = "benchmark-passphrase-1";

/// A fresh embedded (redb file) store in `dir` with the admin account, and the local router
/// over it.
async fn open_bench(dir: &Path) -> Bench {
    std::fs::create_dir_all(dir).expect("bench dir");
    let config = erp_tests::test_config(dir.to_path_buf());
    let store = Store::embedded(EmbeddedBackend::open(&dir.join("bench.redb")).expect("redb"));
    let secrets = Secrets::new(config.secrets.clone().expect("secret"), None);
    let mailer = Mailer::Files {
        dir: dir.join("outbox"),
        from: "erp@example.com".into(),
    };
    let state = AppState::assemble(config, store.clone(), secrets, mailer);
    erp_shared::accounts::bootstrap_admin(
        &state.store,
        erp_shared::domain::Email::parse(ADMIN_EMAIL).expect("email"),
        "Admin",
        ADMIN_PASSWORD,
    )
    .await
    .expect("admin");
    Bench {
        router: erp_local::router(state),
        store,
    }
}

impl Bench {
    /// Logs the admin in and returns a fresh access token (valid for 15 minutes).
    async fn admin_token(&self) -> String {
        let (status, login) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
            )
            .await;
        assert!(status.is_success(), "login: {status}");
        login["access_token"].as_str().expect("token").to_string()
    }
}

async fn latency() {
    let dir = std::env::temp_dir().join(format!("erp-bench-{}", std::process::id()));
    let bench = open_bench(&dir).await;
    let (email, password) = (ADMIN_EMAIL, ADMIN_PASSWORD);
    let token = bench.admin_token().await;

    println!("## In-process latency (embedded redb store, release build)\n");
    println!("| endpoint | requests | p50 | p99 | store round trips |\n|---|---|---|---|---|");
    bench
        .measure("GET /api/v1/auth/me", 2000, |_| {
            let b = &bench;
            let t = token.clone();
            async move { b.call("GET", "/api/v1/auth/me", Some(&t), None).await.0 }
        })
        .await;
    bench
        .measure(
            "POST /api/v1/auth/login (argon2id 19 MiB, t=2)",
            100,
            |_| {
                let b = &bench;
                async move {
                    b.call(
                        "POST",
                        "/api/v1/auth/login",
                        None,
                        Some(json!({"email": email, "password": password})),
                    )
                    .await
                    .0
                }
            },
        )
        .await;
    println!();
    std::fs::remove_dir_all(&dir).ok();
}

/// Customers loaded before the customer measurements.
const CUSTOMERS: usize = 10_000;
/// First words of customer names, cycled so a prefix search (`q=acme`) returns a realistic
/// share (1 in 20) of the customers.
const NAME_WORDS: &[&str] = &[
    "Acme",
    "Beta",
    "Cobalt",
    "Delta",
    "Evergreen",
    "Falcon",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orion",
    "Pioneer",
    "Quartz",
    "Riverside",
    "Summit",
    "Titan",
];
const CURRENCIES: &[&str] = &["EUR", "USD", "GBP", "CHF"];

fn customer_body(i: usize) -> Value {
    json!({
        "name": format!("{} {i:05} Ltd", NAME_WORDS[i % NAME_WORDS.len()]),
        "currency": CURRENCIES[i % CURRENCIES.len()],
        "email": format!("c{i:05}@example.com"),
    })
}

/// Customers endpoints in-process on their own embedded store holding [`CUSTOMERS`]
/// customers, created through the API.
async fn customers() {
    let dir = std::env::temp_dir().join(format!("erp-bench-customers-{}", std::process::id()));
    let bench = open_bench(&dir).await;
    let token = bench.admin_token().await;

    let started = Instant::now();
    let mut ids = Vec::with_capacity(CUSTOMERS);
    for i in 0..CUSTOMERS {
        let (status, body) = bench
            .call(
                "POST",
                "/api/v1/customers",
                Some(&token),
                Some(customer_body(i)),
            )
            .await;
        assert!(status.is_success(), "create customer {i}: {status} {body}");
        ids.push(body["id"].as_str().expect("customer id").to_string());
    }
    let load = started.elapsed();

    println!("## Customers on a store of 10,000 customers (embedded redb, release build)\n");
    println!(
        "Loading {CUSTOMERS} customers (sequential `POST /api/v1/customers`): {:.2} s, {:.0} customers/s.\n",
        load.as_secs_f64(),
        CUSTOMERS as f64 / load.as_secs_f64()
    );
    println!("| endpoint | requests | p50 | p99 | store round trips |\n|---|---|---|---|---|");

    // Access tokens last 15 minutes: log in again before each measured section.
    let token = bench.admin_token().await;
    let mut next = CUSTOMERS;
    bench
        .measure("POST /api/v1/customers", 500, |_| {
            let b = &bench;
            let t = token.clone();
            let body = customer_body(next);
            next += 1;
            async move {
                b.call("POST", "/api/v1/customers", Some(&t), Some(body))
                    .await
                    .0
            }
        })
        .await;

    let token = bench.admin_token().await;
    bench
        .measure("GET /api/v1/customers/{id}", 2000, |i| {
            let b = &bench;
            let t = token.clone();
            // Spread reads over the whole store (7919 is prime, so this visits every id).
            let path = format!(
                "/api/v1/customers/{}",
                ids[i.wrapping_mul(7919) % ids.len()]
            );
            async move { b.call("GET", &path, Some(&t), None).await.0 }
        })
        .await;

    let token = bench.admin_token().await;
    bench
        .measure(
            "GET /api/v1/customers?limit=25 (first page by name)",
            500,
            |_| {
                let b = &bench;
                let t = token.clone();
                async move {
                    b.call("GET", "/api/v1/customers?limit=25", Some(&t), None)
                        .await
                        .0
                }
            },
        )
        .await;

    let token = bench.admin_token().await;
    let (_, hits) = bench
        .call(
            "GET",
            "/api/v1/customers?q=acme&limit=25",
            Some(&token),
            None,
        )
        .await;
    let found = hits["items"].as_array().map_or(0, Vec::len);
    assert_eq!(found, 25, "q=acme should fill a page");
    bench
        .measure(
            "GET /api/v1/customers?q=acme&limit=25 (name prefix)",
            500,
            |_| {
                let b = &bench;
                let t = token.clone();
                async move {
                    b.call("GET", "/api/v1/customers?q=acme&limit=25", Some(&t), None)
                        .await
                        .0
                }
            },
        )
        .await;

    // The cursor of page 200: walk pages 1 to 199 once.
    let token = bench.admin_token().await;
    let mut cursor: Option<String> = None;
    for page in 1..200 {
        let path = match &cursor {
            None => "/api/v1/customers?limit=25".to_string(),
            Some(c) => format!("/api/v1/customers?limit=25&cursor={c}"),
        };
        let (status, body) = bench.call("GET", &path, Some(&token), None).await;
        assert!(status.is_success(), "page {page}: {status}");
        cursor = Some(
            body["next_cursor"]
                .as_str()
                .unwrap_or_else(|| panic!("page {page} has no next_cursor"))
                .to_string(),
        );
    }
    let page200 = format!(
        "/api/v1/customers?limit=25&cursor={}",
        cursor.expect("cursor of page 200")
    );
    let (_, body) = bench.call("GET", &page200, Some(&token), None).await;
    assert_eq!(body["items"].as_array().map_or(0, Vec::len), 25);
    bench
        .measure(
            "GET /api/v1/customers?limit=25&cursor=… (page 200 by name)",
            200,
            |_| {
                let b = &bench;
                let t = token.clone();
                let path = page200.clone();
                async move { b.call("GET", &path, Some(&t), None).await.0 }
            },
        )
        .await;
    println!();
    std::fs::remove_dir_all(&dir).ok();
}
