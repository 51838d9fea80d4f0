//! `infra/bench.sh` runs this after a release build (`erp-bench DIR`, DIR holding the built
//! binaries, default `target/release`). It prints Markdown:
//! - each function binary's release size and zipped size;
//! - start-up time to ready: from exec until the binary's first
//!   `GET /2018-06-01/runtime/invocation/next` against a stand-in Runtime API (median of 30),
//!   for every function, for a bare `lambda_http` hello-world built with the same profile and
//!   for a Python 3 + boto3 peer (`boto3_peer.py`: `import boto3`, the DynamoDB, Secrets
//!   Manager and SES v2 clients from one session), all in the same environment; then the
//!   ratios function / hello world and function / boto3 peer (median function and slowest);
//! - the first request after a cold start, on the AWS emulator (moto_server, holding the
//!   table, the signing keys in Secrets Manager, an admin and the company settings): exec →
//!   the response to a first invocation `GET /api/v1/auth/me` (an API Gateway v2 event with a
//!   valid bearer token) posted back to the stand-in Runtime API, for `auth`, the hello world
//!   and the boto3 peer making the same calls (median of 10), each answer checked (200 and the
//!   admin's email); beside it the same emulator calls from warm clients (the emulator's and
//!   the SDK's own time per request);
//! - p50/p99 latency of endpoints in-process on the embedded backend (redb file), and the
//!   store round trips each makes;
//! - the same for the customers endpoints (create, get, list, search, a page deep in the
//!   list) on a separate store loaded with 10,000 customers through the API, and how long
//!   loading them took.
//! - orders, invoices and payments endpoints (create and read an order, issue a draft invoice,
//!   record a payment, list invoices) on their own store with a customer, 20 products and a
//!   few hundred issued invoices;
//! - the daily reminder job over 2,000 open invoices;
//! - the DynamoDB item size of worst-case orders (and their invoices and `order.created`
//!   audit records) and the most lines that fit in one 400 KB item.
//!
//! `ERP_BENCH_ONLY` (comma-separated: `sizes`, `startup`, `first-request`, `latency`, `items`)
//! runs only those sections; unset, everything runs. The boto3 peer needs `boto3` and the
//! first-request section `moto[server]` for `python3` (bench.sh installs them when missing).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use erp_shared::config::SecretSource;
use erp_shared::email::Mailer;
use erp_shared::secrets::Secrets;
use erp_shared::state::AppState;
use erp_shared::store::{DynamoBackend, EmbeddedBackend, Store};
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
    "dashboard",
    "salesforce",
    "notifier",
    "reminders",
];
const STARTS: usize = 30;

/// The sections `ERP_BENCH_ONLY` can name.
const SECTIONS: &[&str] = &["sizes", "startup", "first-request", "latency", "items"];

/// Whether `ERP_BENCH_ONLY` (unset or empty: every section) asks for this section.
fn wanted(section: &str) -> bool {
    let only = std::env::var("ERP_BENCH_ONLY").unwrap_or_default();
    if only.trim().is_empty() {
        return true;
    }
    let names: Vec<&str> = only.split(',').map(str::trim).collect();
    for name in &names {
        assert!(
            SECTIONS.contains(name),
            "ERP_BENCH_ONLY: unknown section {name:?} (known: {})",
            SECTIONS.join(", ")
        );
    }
    names.contains(&section)
}

fn main() {
    let release = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release"));
    println!("# ERP benchmark\n");
    if wanted("sizes") {
        sizes(&release);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if wanted("startup") || wanted("first-request") {
        let python = Python::find();
        if wanted("startup") {
            startup(&release, &python);
        }
        if wanted("first-request") {
            rt.block_on(first_request(&release, &python));
        }
    }
    if wanted("latency") {
        rt.block_on(latency());
        rt.block_on(customers());
        rt.block_on(sales());
        rt.block_on(reminders());
    }
    if wanted("items") {
        item_sizes();
    }
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

/// The Python 3 + boto3 peer's script.
const BOTO3_PEER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boto3_peer.py");

/// The Python interpreter the boto3 peer runs on: `ERP_BENCH_PYTHON` (bench.sh points it at
/// a virtual environment holding boto3 alone, as Lambda's Python runtime has it), else
/// `python3`; its real executable (not a version manager's shim, which would add its own
/// start-up) and the versions for the tables.
struct Python {
    executable: PathBuf,
    version: String,
    boto3: String,
    /// Whether awscrt is importable beside boto3 (boto3 then imports it too, which Lambda's
    /// runtime does not).
    awscrt: bool,
}

impl Python {
    fn find() -> Self {
        let python = std::env::var("ERP_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
        let out = Command::new(&python)
            .args([
                "-c",
                "import importlib.util, sys, boto3\nprint(sys.executable)\nprint(sys.version.split()[0])\nprint(boto3.__version__)\nprint(importlib.util.find_spec('awscrt') is not None)",
            ])
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("{python} for the boto3 peer: {e}"));
        assert!(
            out.status.success(),
            "{python} cannot import boto3: `{python} -m pip install boto3` (infra/bench.sh does)"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines().map(str::to_string);
        let mut next = || lines.next().expect("python answered");
        Python {
            executable: PathBuf::from(next()),
            version: next(),
            boto3: next(),
            awscrt: next() == "True",
        }
    }
}

/// What the benchmark starts: a function binary, the hello world or the boto3 peer.
struct Target {
    name: String,
    program: PathBuf,
    args: Vec<String>,
}

impl Target {
    fn binary(dir: &Path, name: &str) -> Self {
        Target {
            name: name.to_string(),
            program: dir.join(name),
            args: Vec::new(),
        }
    }

    fn boto3_peer(python: &Python) -> Self {
        Target {
            name: "boto3 peer".into(),
            program: python.executable.clone(),
            args: vec![BOTO3_PEER.into()],
        }
    }

    /// Starts it with the Lambda environment (nothing else of this process's), talking to
    /// the Runtime API at `runtime`, plus `extra` variables.
    fn spawn(&self, runtime: SocketAddr, extra: &[(&str, String)], stderr: Stdio) -> Child {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", runtime.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
            // Lambda sets both; boto3 reads only the second.
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("ERP_STORE", "dynamodb")
            .env("ERP_TABLE_NAME", "bench")
            .env("ERP_SECRET_ID", "bench-secret")
            .env("ERP_EMAIL", "ses")
            .env("ERP_LOG", "warn");
        for (key, value) in extra {
            command.env(key, value);
        }
        command
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.program.display()))
    }
}

/// Starts the target against a stand-in Runtime API and returns the time until it asks for
/// its first invocation.
fn time_to_ready(target: &Target) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let started = Instant::now();
    let mut child = target.spawn(addr, &[], Stdio::null());
    let (stream, _) = listener.accept().expect("runtime client connects");
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("request line");
    let elapsed = started.elapsed();
    assert!(
        line.starts_with("GET /2018-06-01/runtime/invocation/next"),
        "{}: unexpected first request: {line}",
        target.name
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

/// Median, min and max of `STARTS` start-ups (after one that warms the page cache).
fn startups(target: &Target) -> (Duration, Duration, Duration) {
    let _ = time_to_ready(target);
    let mut times: Vec<Duration> = (0..STARTS).map(|_| time_to_ready(target)).collect();
    times.sort();
    (times[STARTS / 2], times[0], times[STARTS - 1])
}

fn startup(release: &Path, python: &Python) {
    println!("## Start-up to ready (exec → first `invocation/next`, median of {STARTS})\n");
    println!("| binary | median | min | max |\n|---|---|---|---|");
    let row = |target: &Target| {
        let (median, min, max) = startups(target);
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            target.name,
            ms(median),
            ms(min),
            ms(max)
        );
        median
    };
    // A function not built (a debug build of a few of them) gets a row saying so.
    let mut functions: Vec<(&str, Duration)> = Vec::new();
    for name in FUNCTIONS {
        if release.join(name).exists() {
            functions.push((*name, row(&Target::binary(release, name))));
        } else {
            println!("| {name} | not built | | |");
        }
    }
    let hello = row(&Target::binary(release, "hello"));
    let boto3 = row(&Target::boto3_peer(python));
    println!();
    println!(
        "boto3 peer: `infra/bench/boto3_peer.py` on Python {} with boto3 {}{} (`import boto3`, \
         one session, the DynamoDB, Secrets Manager and SES v2 clients), same environment.\n",
        python.version,
        python.boto3,
        if python.awscrt {
            " and awscrt installed beside it (boto3 imports it: slower than on Lambda's runtime; \
             bench.sh uses a virtual environment with boto3 alone)"
        } else {
            " alone"
        }
    );
    if functions.is_empty() {
        return;
    }
    functions.sort_by_key(|(_, median)| *median);
    let (median_name, median) = functions[functions.len() / 2];
    let (worst_name, worst) = functions[functions.len() - 1];
    println!(
        "| ratio | median function ({median_name}, {:.2} ms) | slowest function ({worst_name}, {:.2} ms) |\n|---|---|---|",
        ms(median),
        ms(worst)
    );
    println!(
        "| function / hello world ({:.2} ms) | {} | {} |",
        ms(hello),
        ratio(median, hello),
        ratio(worst, hello)
    );
    println!(
        "| function / boto3 peer ({:.2} ms) | {} | {} |",
        ms(boto3),
        ratio(median, boto3),
        ratio(worst, boto3)
    );
    println!();
}

fn ratio(a: Duration, b: Duration) -> String {
    let r = a.as_secs_f64() / b.as_secs_f64();
    if r >= 10.0 {
        format!("{r:.0}×")
    } else if r >= 0.1 {
        format!("{r:.2}×")
    } else {
        format!("{r:.3}×")
    }
}

/// What the stand-in Runtime API saw, in order.
enum Seen {
    /// A `GET …/invocation/next`, when its request line arrived.
    Next(Instant),
    /// The invocation's response body, when it had all arrived.
    Response(Instant, Vec<u8>),
    /// Anything else (an init or invocation error): the request line and body.
    Other(String, Vec<u8>),
}

/// Reads one HTTP/1.1 request (Content-Length or chunked body); None at the end of the
/// connection. Returns when its request line arrived, the line and the body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Instant, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let at = Instant::now();
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    let mut trailer = String::new();
                    if reader.read_line(&mut trailer).ok()? == 0 || trailer.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..]).ok()?;
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf).ok()?;
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((at, line.trim_end().to_string(), body))
}

/// Serves one connection of the function's runtime client: hands out `event` to the first
/// `invocation/next` of the whole run, leaves later ones waiting, and accepts whatever is
/// posted back (reporting it on `seen`).
fn runtime_connection(
    stream: TcpStream,
    seen: mpsc::Sender<Seen>,
    served: Arc<AtomicBool>,
    event: Arc<str>,
) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some((at, line, body)) = read_request(&mut reader) {
        let mut parts = line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let reply = if method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            let _ = seen.send(Seen::Next(at));
            if served.swap(true, Ordering::SeqCst) {
                continue; // the second invocation never comes: the function is stopped
            }
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_millis()
                + 60_000;
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 lambda-runtime-aws-request-id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n\
                 lambda-runtime-deadline-ms: {deadline}\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                 lambda-runtime-trace-id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0\r\n\
                 content-length: {}\r\n\r\n{event}",
                event.len()
            )
        } else {
            let _ = seen.send(
                if method == "POST"
                    && path.starts_with("/2018-06-01/runtime/invocation/")
                    && path.ends_with("/response")
                {
                    Seen::Response(Instant::now(), body)
                } else {
                    Seen::Other(line.clone(), body)
                },
            );
            let ok = "{\"status\":\"OK\"}";
            format!(
                "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ok}",
                ok.len()
            )
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// One cold start with a first invocation.
struct Invocation {
    /// Exec → first `invocation/next`.
    ready: Duration,
    /// Exec → the invocation's response received.
    responded: Duration,
    /// The response posted back (API Gateway v2 response JSON).
    response: Value,
}

/// Starts the target against a stand-in Runtime API that hands it `event` as its first
/// invocation, and waits for its response.
fn first_invocation(target: &Target, env: &[(&str, String)], event: &str) -> Invocation {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    let done = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicBool::new(false));
    let event: Arc<str> = Arc::from(event);
    let acceptor = {
        let done = done.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let (tx, served, event) = (tx.clone(), served.clone(), event.clone());
                    std::thread::spawn(move || runtime_connection(stream, tx, served, event));
                }
            }
        })
    };
    let log_path = std::env::temp_dir().join(format!(
        "erp-bench-{}-{}.log",
        std::process::id(),
        target.name.replace(' ', "-")
    ));
    let log = std::fs::File::create(&log_path).expect("log file");
    let started = Instant::now();
    let mut child = target.spawn(addr, env, Stdio::from(log));
    let mut ready = None;
    let outcome = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Seen::Next(at)) => {
                ready.get_or_insert(at - started);
            }
            Ok(Seen::Response(at, body)) => break Ok((at - started, body)),
            Ok(Seen::Other(line, body)) => {
                break Err(format!("{line}: {}", String::from_utf8_lossy(&body)));
            }
            Err(_) => break Err("no response within 60 s".into()),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    done.store(true, Ordering::SeqCst);
    let _ = TcpStream::connect(addr); // wakes the acceptor, which then stops
    let _ = acceptor.join();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    std::fs::remove_file(&log_path).ok();
    let (responded, body) =
        outcome.unwrap_or_else(|e| panic!("{}: {e}\nits stderr:\n{log}", target.name));
    let response = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{}: response is not JSON ({e}): {}",
            target.name,
            String::from_utf8_lossy(&body)
        )
    });
    Invocation {
        ready: ready.expect("a next before the response"),
        responded,
        response,
    }
}

/// The API Gateway (HTTP API, payload 2.0) event of `GET /api/v1/auth/me` with this token.
fn me_event(token: &str) -> String {
    let now = chrono::Utc::now();
    json!({
        "version": "2.0",
        "routeKey": "GET /api/v1/auth/me",
        "rawPath": "/api/v1/auth/me",
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "authorization": format!("Bearer {token}"),
            "host": "bench.execute-api.us-east-1.amazonaws.com",
            "user-agent": "erp-bench",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "bench",
            "http": {
                "method": "GET",
                "path": "/api/v1/auth/me",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "erp-bench",
            },
            "requestId": "bench-request-1",
            "routeKey": "GET /api/v1/auth/me",
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": false,
    })
    .to_string()
}

/// The status and body of an API Gateway v2 response.
fn gateway_response(target: &str, response: &Value) -> (u64, String) {
    assert_ne!(
        response["isBase64Encoded"],
        json!(true),
        "{target}: unexpected base64 body: {response}"
    );
    (
        response["statusCode"].as_u64().unwrap_or(0),
        response["body"].as_str().unwrap_or_default().to_string(),
    )
}

/// Cold starts with a first request measured per target.
const FIRST_REQUESTS: usize = 10;
/// Warm emulator calls timed for the reference.
const WARM_CALLS: usize = 30;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Cold start plus first request: `auth`, the hello world and the boto3 peer answer a first
/// `GET /api/v1/auth/me` against the emulator.
async fn first_request(release: &Path, python: &Python) {
    let endpoint = erp_tests::moto_endpoint().to_string();
    let sdk = erp_tests::moto_sdk().await;
    let pid = std::process::id();
    let table = format!("erp-bench-{pid}");
    let backend = DynamoBackend::new(&sdk, table.clone());
    backend.create_table().await.expect("create table");
    let store = Store::dynamo(backend);
    let secret_arn = erp_tests::create_secret(
        &sdk,
        &format!("erp-bench-{pid}"),
        &erp_tests::test_secret_json(),
    )
    .await;
    let dir = std::env::temp_dir().join(format!("erp-bench-first-{pid}"));
    let mut config = erp_tests::test_config(dir.clone());
    config.secrets = Some(SecretSource::SecretsManager(secret_arn.clone()));
    let mailer = Mailer::Files {
        dir: dir.join("outbox"),
        from: "erp@example.com".into(),
    };
    // A state whose caches (signing keys, company settings) are empty, as after a cold start.
    let fresh = || {
        let secrets = Secrets::new(SecretSource::SecretsManager(secret_arn.clone()), Some(&sdk));
        let state = AppState::assemble(config.clone(), store.clone(), secrets, mailer.clone());
        Bench {
            router: erp_local::router(state),
            store: store.clone(),
        }
    };
    let bench = fresh();
    erp_shared::accounts::bootstrap_admin(
        &store,
        erp_shared::domain::Email::parse(ADMIN_EMAIL).expect("email"),
        "Admin",
        ADMIN_PASSWORD,
    )
    .await
    .expect("admin");
    bench.seller_ready().await;
    let token = bench.admin_token().await;
    let me = bench.ok("GET", "/api/v1/auth/me", &token, None).await;
    assert_eq!(me["email"], ADMIN_EMAIL, "in-process /auth/me: {me}");
    let user_id = me["id"].as_str().expect("user id").to_string();

    // The emulator's own share: the calls of a first /auth/me from warm clients.
    let mut in_process = Vec::with_capacity(WARM_CALLS);
    let mut trips = 0;
    for _ in 0..=WARM_CALLS {
        let cold = fresh();
        let before = store.round_trips();
        let t = Instant::now();
        let (status, body) = cold
            .call("GET", "/api/v1/auth/me", Some(&token), None)
            .await;
        in_process.push(t.elapsed());
        trips = store.round_trips() - before;
        assert_eq!(status, StatusCode::OK, "in-process /auth/me: {body}");
    }
    in_process.remove(0);
    let in_process = median(in_process);
    let mut get_item = Vec::with_capacity(WARM_CALLS);
    for i in 0..=WARM_CALLS {
        let t = Instant::now();
        let user = erp_shared::accounts::get_user(&store, &user_id)
            .await
            .expect("get user");
        if i > 0 {
            get_item.push(t.elapsed());
        }
        assert!(user.is_some(), "the admin is stored");
    }
    let get_item = median(get_item);
    let secrets_client = aws_sdk_secretsmanager::Client::new(&sdk);
    let mut get_secret = Vec::with_capacity(WARM_CALLS);
    for i in 0..=WARM_CALLS {
        let t = Instant::now();
        secrets_client
            .get_secret_value()
            .secret_id(&secret_arn)
            .send()
            .await
            .expect("get secret");
        if i > 0 {
            get_secret.push(t.elapsed());
        }
    }
    let get_secret = median(get_secret);
    let rust_calls = get_secret + get_item * trips as u32;

    let env: Vec<(&str, String)> = vec![
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("ERP_TABLE_NAME", table.clone()),
        ("ERP_SECRET_ID", secret_arn.clone()),
    ];
    let out = Command::new(&python.executable)
        .args([BOTO3_PEER, "warm", &WARM_CALLS.to_string(), &user_id])
        .env_clear()
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stderr(Stdio::inherit())
        .output()
        .expect("boto3 peer, warm calls");
    assert!(out.status.success(), "boto3 peer, warm calls failed");
    let warm: Value = serde_json::from_slice(&out.stdout).expect("boto3 warm timings");
    let boto3_ms = |key: &str| warm[key].as_f64().expect("timing");
    let (boto3_get_item, boto3_get_secret) =
        (boto3_ms("get_item_ms"), boto3_ms("get_secret_value_ms"));
    let boto3_calls = Duration::from_secs_f64((boto3_get_secret + 2.0 * boto3_get_item) / 1000.0);

    // Cold starts answering the first request; every answer is checked.
    let event = me_event(&token);
    let targets = [
        (Target::binary(release, "auth"), rust_calls),
        (Target::binary(release, "hello"), Duration::ZERO),
        (Target::boto3_peer(python), boto3_calls),
    ];
    println!(
        "## First request after a cold start (exec → response to a first `GET /api/v1/auth/me` posted back, median of {FIRST_REQUESTS})\n"
    );
    println!(
        "Against the AWS emulator (moto_server {}, single-threaded, on this machine): the table with \
         an admin and the company settings, the signing keys in Secrets Manager. The event is an \
         API Gateway v2 `GET /api/v1/auth/me` with a valid bearer token; each answer is checked \
         (200 with the admin's email; the hello world answers 200 `hello`). `auth` reads the signing \
         keys (GetSecretValue), the user and the company settings ({trips} GetItems); the boto3 peer \
         makes the same calls. *Warm calls*: the same calls from already-warm clients (medians of \
         {WARM_CALLS}), the emulator's and the SDK's own time per request, which the first request \
         pays in any case.\n",
        moto_version(),
    );
    println!(
        "| binary | init (to first `next`) | first response | difference | warm calls | difference − warm calls |\n|---|---|---|---|---|---|"
    );
    for (target, warm_calls) in &targets {
        let _ = first_invocation(target, &env, &event); // warm the page cache
        let mut ready = Vec::with_capacity(FIRST_REQUESTS);
        let mut responded = Vec::with_capacity(FIRST_REQUESTS);
        let mut handling = Vec::with_capacity(FIRST_REQUESTS);
        for _ in 0..FIRST_REQUESTS {
            let run = first_invocation(target, &env, &event);
            let (status, body) = gateway_response(&target.name, &run.response);
            assert_eq!(status, 200, "{}: {}", target.name, run.response);
            if target.name == "hello" {
                assert_eq!(body, "hello", "hello: {}", run.response);
            } else {
                let me: Value = serde_json::from_str(&body)
                    .unwrap_or_else(|_| panic!("{}: body is not JSON: {body}", target.name));
                assert_eq!(me["email"], ADMIN_EMAIL, "{}: {body}", target.name);
            }
            ready.push(run.ready);
            responded.push(run.responded);
            handling.push(run.responded - run.ready);
        }
        let handling = median(handling);
        let (warm_text, net_text) = if warm_calls.is_zero() {
            ("—".to_string(), format!("{:.2} ms", ms(handling)))
        } else {
            (
                format!("{:.2} ms", ms(*warm_calls)),
                format!("{:.2} ms", ms(handling) - ms(*warm_calls)),
            )
        };
        println!(
            "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {warm_text} | {net_text} |",
            target.name,
            ms(median(ready)),
            ms(median(responded)),
            ms(handling)
        );
    }
    println!();
    println!(
        "Warm calls: Rust SDK GetSecretValue {:.2} ms + {trips} × GetItem {:.2} ms; boto3 \
         GetSecretValue {boto3_get_secret:.2} ms + 2 × GetItem {boto3_get_item:.2} ms. The whole \
         `GET /api/v1/auth/me` in-process on warm store clients with empty caches (as the first \
         request has them): {:.2} ms ({trips} store round trips and the secret). *Difference* is \
         the median over the runs of (first response − init).\n",
        ms(get_secret),
        ms(get_item),
        ms(in_process)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The version of moto the emulator runs (the `python3` that `erp_tests` starts it with).
fn moto_version() -> String {
    Command::new("python3")
        .args(["-c", "import moto; print(moto.__version__)"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "?".into())
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

impl Bench {
    /// Stores the seller data EN 16931 needs (legal name, address, VAT id): no invoice is
    /// issued without it.
    async fn seller_ready(&self) {
        use erp_shared::domain::address::Address;
        let mut settings = erp_shared::domain::company::CompanySettings::defaults(chrono_tz::UTC);
        settings.legal_name = Some("Bench Trading Ltd".into());
        settings.address = Some(Address {
            line1: "1 Quay Street".into(),
            line2: None,
            city: "Dublin".into(),
            region: None,
            postal_code: "D02".into(),
            country: "IE".into(),
        });
        settings.tax_id = Some("IE6388047V".into());
        settings.version = 1;
        let keep = erp_shared::domain::company::LogoChange::Keep;
        let ops = erp_shared::settings::save_ops(0, &settings, &keep).expect("settings item");
        self.store.transact(ops).await.expect("settings saved");
    }

    /// Calls the API and returns the body, panicking unless the answer is a success.
    async fn ok(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let (status, reply) = self.call(method, path, Some(token), body).await;
        assert!(status.is_success(), "{method} {path}: {status} {reply}");
        reply
    }
}

/// Products on the sales store; every measured order and invoice has one line of each.
const PRODUCTS: usize = 20;
/// Issued invoices created before the sales measurements (the list has data).
const ISSUED_INVOICES: usize = 300;
/// Orders created before the sales measurements (read by `GET /api/v1/orders/{id}`).
const SETUP_ORDERS: usize = 100;
/// Requests per write measurement (orders, issue, payments).
const SALES_WRITES: usize = 300;

/// A fresh bench in its own folder (`erp-bench-<name>-<pid>`), an admin token and one
/// customer made from `body`: (folder, bench, token, customer id).
async fn with_customer(name: &str, mut body: Value) -> (PathBuf, Bench, String, String) {
    let dir = std::env::temp_dir().join(format!("erp-bench-{name}-{}", std::process::id()));
    let bench = open_bench(&dir).await;
    let token = bench.admin_token().await;
    bench.seller_ready().await;
    body["billing_address"] =
        json!({"line1": "1 Main Street", "city": "Dublin", "postal_code": "D01", "country": "IE"});
    let customer = bench
        .ok("POST", "/api/v1/customers", &token, Some(body))
        .await["id"]
        .as_str()
        .expect("customer id")
        .to_string();
    (dir, bench, token, customer)
}

/// Orders, invoices and payments endpoints in-process on their own embedded store: one
/// customer, [`PRODUCTS`] products and [`ISSUED_INVOICES`] issued invoices, created through
/// the API.
async fn sales() {
    let (dir, bench, token, customer) = with_customer(
        "sales",
        json!({"name": "Acme Ltd", "currency": "EUR", "payment_terms_days": 30}),
    )
    .await;
    let mut products = Vec::with_capacity(PRODUCTS);
    for n in 1..=PRODUCTS {
        let body = json!({
            "sku": format!("SKU-{n:02}"),
            "name": format!("Product {n:02}"),
            "unit_price": {"amount": 1999, "currency": "EUR"},
            "tax_rate": "20",
        });
        let product = bench
            .ok("POST", "/api/v1/products", &token, Some(body))
            .await;
        products.push(product["id"].as_str().expect("product id").to_string());
    }
    let lines: Vec<Value> = products
        .iter()
        .map(|p| json!({"product_id": p, "quantity": "2"}))
        .collect();
    let document = json!({"customer_id": customer, "lines": lines});

    // A draft invoice with the 20 lines; returns its id.
    let draft = |token: String| {
        let (b, body) = (&bench, document.clone());
        async move {
            b.ok("POST", "/api/v1/invoices", &token, Some(body)).await["id"]
                .as_str()
                .expect("invoice id")
                .to_string()
        }
    };
    let issue_path = |id: &str| format!("/api/v1/invoices/{id}/issue");

    let started = Instant::now();
    let mut orders = Vec::with_capacity(SETUP_ORDERS);
    for _ in 0..SETUP_ORDERS {
        let order = bench
            .ok("POST", "/api/v1/orders", &token, Some(document.clone()))
            .await;
        orders.push(order["id"].as_str().expect("order id").to_string());
    }
    // Issued invoices for the list, then the one that takes the measured payments.
    for _ in 0..=ISSUED_INVOICES {
        let id = draft(token.clone()).await;
        bench
            .ok("POST", &issue_path(&id), &token, Some(json!({})))
            .await;
    }
    let token = bench.admin_token().await;
    let payee = draft(token.clone()).await;
    let issued = bench
        .ok("POST", &issue_path(&payee), &token, Some(json!({})))
        .await;
    let balance = issued["balance_due"].as_i64().expect("balance_due");
    assert!(
        balance >= 100 * (SALES_WRITES as i64 + 1),
        "balance {balance} too small for the payments"
    );
    // One draft per issue request, and the last for the round-trip count (usize::MAX).
    let mut drafts = Vec::with_capacity(SALES_WRITES + 1);
    for _ in 0..=SALES_WRITES {
        drafts.push(draft(token.clone()).await);
    }
    let setup = started.elapsed();

    println!("## Orders, invoices and payments (embedded redb, release build)\n");
    println!(
        "Store: 1 customer, {PRODUCTS} products, {SETUP_ORDERS} orders, {} issued invoices and {} drafts, \
         created through the API in {:.2} s. Orders and invoices have {PRODUCTS} lines \
         (quantity 2 of each product).\n",
        ISSUED_INVOICES + 2,
        SALES_WRITES + 1,
        setup.as_secs_f64()
    );
    println!("| endpoint | requests | p50 | p99 | store round trips |\n|---|---|---|---|---|");

    // Access tokens last 15 minutes: log in again before each measured section.
    let token = bench.admin_token().await;
    bench
        .measure("POST /api/v1/orders (20 lines)", SALES_WRITES, |_| {
            let b = &bench;
            let t = token.clone();
            let body = document.clone();
            async move {
                b.call("POST", "/api/v1/orders", Some(&t), Some(body))
                    .await
                    .0
            }
        })
        .await;

    let token = bench.admin_token().await;
    bench
        .measure("GET /api/v1/orders/{id} (20 lines)", 2000, |i| {
            let b = &bench;
            let t = token.clone();
            let path = format!("/api/v1/orders/{}", orders[i % orders.len()]);
            async move { b.call("GET", &path, Some(&t), None).await.0 }
        })
        .await;

    let token = bench.admin_token().await;
    bench
        .measure(
            "POST /api/v1/invoices/{id}/issue (20-line draft)",
            SALES_WRITES,
            |i| {
                let b = &bench;
                let t = token.clone();
                let path = issue_path(&drafts[i.min(SALES_WRITES)]);
                async move { b.call("POST", &path, Some(&t), Some(json!({}))).await.0 }
            },
        )
        .await;

    let token = bench.admin_token().await;
    let pay_path = format!("/api/v1/invoices/{payee}/payments");
    bench
        .measure("POST /api/v1/invoices/{id}/payments", SALES_WRITES, |_| {
            let b = &bench;
            let t = token.clone();
            let path = pay_path.clone();
            async move {
                b.call(
                    "POST",
                    &path,
                    Some(&t),
                    Some(json!({"amount": 100, "method": "bank_transfer"})),
                )
                .await
                .0
            }
        })
        .await;
    let paid = bench
        .ok("GET", &format!("/api/v1/invoices/{payee}"), &token, None)
        .await;
    assert_eq!(
        paid["amount_paid"].as_i64(),
        Some(100 * (SALES_WRITES as i64 + 1)),
        "every payment recorded"
    );

    let token = bench.admin_token().await;
    let page = bench
        .ok("GET", "/api/v1/invoices?limit=25", &token, None)
        .await;
    assert_eq!(page["items"].as_array().map_or(0, Vec::len), 25);
    bench
        .measure("GET /api/v1/invoices?limit=25 (newest first)", 500, |_| {
            let b = &bench;
            let t = token.clone();
            async move {
                b.call("GET", "/api/v1/invoices?limit=25", Some(&t), None)
                    .await
                    .0
            }
        })
        .await;

    // Invoice PDFs and sending them (the email is rendered with its PDF and written as .eml).
    let token = bench.admin_token().await;
    let pdf_path = format!("/api/v1/invoices/{payee}/pdf");
    bench
        .measure("GET /api/v1/invoices/{id}/pdf (20 lines)", 300, |_| {
            let (b, t, path) = (&bench, token.clone(), pdf_path.clone());
            async move { b.call("GET", &path, Some(&t), None).await.0 }
        })
        .await;
    let long: Vec<Value> = (0..500)
        .map(|i| json!({"description": format!("Line {i:03}: consulting, travel and materials as agreed in the statement of work"), "quantity": "3", "unit_price": 12_345, "tax_rate": if i % 3 == 0 { "20" } else { "7" }}))
        .collect();
    let big = bench
        .ok(
            "POST",
            "/api/v1/invoices",
            &token,
            Some(json!({"customer_id": customer, "lines": long})),
        )
        .await["id"]
        .as_str()
        .expect("invoice id")
        .to_string();
    bench
        .ok("POST", &issue_path(&big), &token, Some(json!({})))
        .await;
    let big_pdf = format!("/api/v1/invoices/{big}/pdf");
    bench
        .measure("GET /api/v1/invoices/{id}/pdf (500 lines)", 100, |_| {
            let (b, t, path) = (&bench, token.clone(), big_pdf.clone());
            async move { b.call("GET", &path, Some(&t), None).await.0 }
        })
        .await;
    let token = bench.admin_token().await;
    let send_path = format!("/api/v1/invoices/{payee}/send");
    bench
        .measure(
            "POST /api/v1/invoices/{id}/send (20 lines, PDF attached, sent at once)",
            200,
            |_| {
                let (b, t, path) = (&bench, token.clone(), send_path.clone());
                async move {
                    b.call(
                        "POST",
                        &path,
                        Some(&t),
                        Some(json!({"to": "buyer@example.com"})),
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

/// Open invoices for the reminder job.
const REMINDER_INVOICES: usize = 2_000;

/// The daily reminder job over [`REMINDER_INVOICES`] open invoices due across 60 days.
async fn reminders() {
    let (dir, bench, token, customer) = with_customer(
        "reminders",
        json!({"name": "Acme Ltd", "email": "ap@acme.example.com", "currency": "EUR"}),
    )
    .await;
    let started = Instant::now();
    let first_due: chrono::NaiveDate = "2026-03-01".parse().expect("date");
    for i in 0..REMINDER_INVOICES {
        let id = bench
            .ok(
                "POST",
                "/api/v1/invoices",
                &token,
                Some(json!({"customer_id": customer, "lines": [{"description": "Service", "quantity": "1", "unit_price": 10_000}]})),
            )
            .await["id"]
            .as_str()
            .expect("id")
            .to_string();
        let due = first_due + chrono::Duration::days((i % 60) as i64);
        bench
            .ok(
                "POST",
                &format!("/api/v1/invoices/{id}/issue"),
                &token,
                Some(json!({"issue_date": "2026-02-01", "due_date": due.to_string()})),
            )
            .await;
    }
    let setup = started.elapsed();
    let date: chrono::NaiveDate = "2026-04-10".parse().expect("date");
    let company = erp_shared::settings::load(&bench.store, chrono_tz::UTC)
        .await
        .expect("settings");
    let actor = erp_shared::audit::Actor::system("bench", "bench");
    let trips = bench.store.round_trips();
    let t = Instant::now();
    let first = erp_shared::reminders::run(&bench.store, &company, date, &actor)
        .await
        .expect("run");
    let first_time = t.elapsed();
    let first_trips = bench.store.round_trips() - trips;
    let trips = bench.store.round_trips();
    let t = Instant::now();
    let again = erp_shared::reminders::run(&bench.store, &company, date, &actor)
        .await
        .expect("rerun");
    let again_time = t.elapsed();
    let again_trips = bench.store.round_trips() - trips;
    assert_eq!(again.sent, 0, "a rerun sends nothing");
    println!("## Daily reminder job (embedded redb, release build)\n");
    println!(
        "{REMINDER_INVOICES} open invoices due on 60 consecutive days, created through the API in {:.2} s; \
         default schedule (-3, 0, 7, 14, 30 days), run for {date}.\n",
        setup.as_secs_f64()
    );
    println!(
        "| run | invoices read | reminders queued | time | store round trips |\n|---|---|---|---|---|"
    );
    println!(
        "| first run of the day | {} | {} | {:.1} ms | {first_trips} |",
        first.examined,
        first.sent,
        ms(first_time)
    );
    println!(
        "| second run the same day | {} | {} | {:.1} ms | {again_trips} |",
        again.examined,
        again.sent,
        ms(again_time)
    );
    println!();
    std::fs::remove_dir_all(&dir).ok();
}

/// DynamoDB's largest item.
const ITEM_LIMIT: usize = 400 * 1024;

/// The size DynamoDB counts for an item (a JSON object of attributes, as the DynamoDB
/// backend stores it: strings as S, numbers as N, null as NULL, booleans as BOOL, arrays as
/// L, objects as M), following
/// <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html>:
/// each attribute is its name's UTF-8 bytes plus its value's size.
fn dynamo_item_size(item: &Value) -> usize {
    match item {
        Value::Object(attributes) => attributes
            .iter()
            .map(|(name, value)| name.len() + dynamo_value_size(value))
            .sum(),
        other => dynamo_value_size(other),
    }
}

/// The size of one attribute value (without its name): strings are their UTF-8 bytes;
/// numbers 1 byte per two significant digits plus 1; null and booleans 1 byte; lists and
/// maps 3 bytes plus, per element, 1 byte and the element's size (and, in a map, the
/// element's name).
fn dynamo_value_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::String(s) => s.len(),
        Value::Number(n) => dynamo_number_size(&n.to_string()),
        Value::Array(elements) => {
            3 + elements
                .iter()
                .map(|e| 1 + dynamo_value_size(e))
                .sum::<usize>()
        }
        Value::Object(entries) => {
            3 + entries
                .iter()
                .map(|(name, e)| 1 + name.len() + dynamo_value_size(e))
                .sum::<usize>()
        }
    }
}

/// 1 byte per two significant digits (leading and trailing zeros trimmed), rounded up,
/// plus 1 byte.
fn dynamo_number_size(number: &str) -> usize {
    let mantissa = number.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.max(1).div_ceil(2) + 1
}

/// Text of exactly `chars` characters of `c`.
fn text_of(c: char, chars: usize) -> String {
    std::iter::repeat_n(c, chars).collect()
}

/// A value read from its JSON text form, as the API reads it (decimals, dates).
macro_rules! parsed {
    ($text:expr) => {
        serde_json::from_value(json!($text)).expect($text)
    };
}

/// An invoiced order of `n` lines with every text field at its longest in characters of `c`,
/// 36-character ids and long numbers.
fn worst_case_order(n: usize, c: char) -> erp_shared::domain::sales::Order {
    use erp_shared::domain::money::{Discount, LineInput, Rounding, price_line, totals};
    use erp_shared::domain::sales::{MAX_DESCRIPTION, Order, OrderStatus};

    let id = |i: usize| format!("0195f3c2-7a4b-7c1d-8e2f-{i:012}");
    let lines: Vec<_> = (0..n)
        .map(|i| {
            price_line(
                LineInput {
                    product_id: Some(id(i)),
                    description: text_of(c, MAX_DESCRIPTION),
                    quantity: parsed!("1234.5678"),
                    unit_price: 987_654_321,
                    discount: Some(Discount::Percent {
                        value: parsed!("12.5"),
                    }),
                    tax_rate: parsed!("20"),
                },
                Rounding::HalfUp,
            )
            .expect("line")
        })
        .collect();
    let at = "2026-01-31T23:59:59.999Z".to_string();
    Order {
        id: id(1_000_001),
        customer_id: id(1_000_002),
        customer_name: text_of(c, 200),
        currency: erp_shared::domain::Currency::parse("EUR").expect("EUR"),
        totals: totals(&lines),
        lines,
        notes: Some(text_of(c, 2000)),
        status: OrderStatus::Invoiced,
        invoice_id: Some(id(1_000_003)),
        created_at: at.clone(),
        updated_at: at,
        version: 1_000_000,
    }
}

/// The invoice made from `order` (same lines), issued, numbered and partly paid.
fn invoice_of(order: &erp_shared::domain::sales::Order) -> erp_shared::domain::sales::Invoice {
    use erp_shared::domain::sales::{Invoice, InvoiceKind, InvoiceStatus};
    Invoice {
        id: order.invoice_id.clone().expect("invoiced"),
        kind: InvoiceKind::Invoice,
        number: Some("INV-2026-000123".into()),
        order_id: Some(order.id.clone()),
        credited_invoice_id: None,
        customer_id: order.customer_id.clone(),
        customer_name: order.customer_name.clone(),
        currency: order.currency,
        lines: order.lines.clone(),
        totals: order.totals,
        notes: order.notes.clone(),
        status: InvoiceStatus::PartiallyPaid,
        issue_date: Some(parsed!("2026-01-31")),
        due_date: Some(parsed!("2026-03-02")),
        payment_terms_days: 30,
        amount_paid: 123_456,
        amount_credited: 654_321,
        balance_due: order.totals.total - 777_777,
        paid_on: None,
        buyer_reference: None,
        purchase_order_reference: None,
        created_at: order.created_at.clone(),
        updated_at: order.updated_at.clone(),
        version: 1_000_000,
    }
}

/// The `order.created` audit record written with `order` (it carries the whole order).
fn order_created_audit(order: &erp_shared::domain::sales::Order) -> Value {
    use erp_shared::audit::{Actor, diff, record};
    use erp_shared::store::WriteOp;
    let actor = Actor {
        id: "0195f3c2-7a4b-7c1d-8e2f-000000000004".into(),
        role: Some(erp_shared::auth::Role::Admin),
        request_id: "0195f3c2-7a4b-7c1d-8e2f-000000000005".into(),
        source_ip: Some("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff".into()),
    };
    match record(
        &actor,
        "order.created",
        "order",
        &order.id,
        diff(None, Some(order)),
    )
    .expect("audit record")
    {
        WriteOp::Put { item, .. } => Value::Object(item),
        _ => unreachable!("an audit record is a put"),
    }
}

/// The largest `n` in `1..=hi` with `size(n) <= limit` (`size` grows with `n`), or 0.
fn largest_fitting(limit: usize, hi: usize, size: impl Fn(usize) -> usize) -> usize {
    let (mut lo, mut hi) = (0, hi);
    assert!(size(hi) > limit, "search bound {hi} too small");
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if size(mid) <= limit {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Prints the DynamoDB item size of worst-case orders and the most lines that fit in one item.
fn item_sizes() {
    use erp_shared::domain::sales::{MAX_DESCRIPTION, MAX_LINES};
    use erp_shared::sales::{invoice_item, order_item};

    let order_size = |n: usize, c: char| {
        dynamo_item_size(&Value::Object(
            order_item(&worst_case_order(n, c)).expect("order item"),
        ))
    };
    let invoice_size = |n: usize, c: char| {
        dynamo_item_size(&Value::Object(
            invoice_item(&invoice_of(&worst_case_order(n, c))).expect("invoice item"),
        ))
    };
    let audit_size =
        |n: usize, c: char| dynamo_item_size(&order_created_audit(&worst_case_order(n, c)));
    // Characters of 1 and 4 UTF-8 bytes (descriptions are limited in characters).
    let texts = [('x', "ASCII (1 byte/char)"), ('😀', "emoji (4 bytes/char)")];

    println!("## Largest order that fits in one item (DynamoDB 400 KB = 409,600 bytes)\n");
    println!(
        "Worst case per line: {MAX_DESCRIPTION}-character description, 36-character product id, \
         quantity 1234.5678, 12.5 % discount, tax rate 20, unit price 987654321; order header \
         with a 200-character customer name, 2,000-character notes and an invoice id. Sizes \
         follow DynamoDB's item size rules (attribute names + values, 3 bytes per map or list, \
         1 byte per element).\n"
    );
    println!(
        "| item | text | {MAX_LINES} lines | share of 400 KB | most lines that fit |\n|---|---|---|---|---|"
    );
    let mut headline = Vec::new();
    for (c, text) in texts {
        let rows: [(&str, &dyn Fn(usize) -> usize); 3] = [
            ("order", &|n| order_size(n, c)),
            ("invoice made from it", &|n| invoice_size(n, c)),
            ("`order.created` audit record", &|n| audit_size(n, c)),
        ];
        for (item, size) in rows {
            let at_max = size(MAX_LINES);
            let fits = largest_fitting(ITEM_LIMIT, 20_000, size);
            println!(
                "| {item} | {text} | {} bytes | {:.0} % | {fits} |",
                grouped(at_max),
                at_max as f64 * 100.0 / ITEM_LIMIT as f64
            );
            if item == "order" {
                headline.push((text, at_max, fits));
            }
        }
    }
    println!();
    for (text, at_max, fits) in headline {
        println!(
            "Order, {text}: {MAX_LINES} lines of worst-case text: {} bytes ({:.0}% of the 400 KB item limit); largest order that fits: {fits} lines.",
            grouped(at_max),
            at_max as f64 * 100.0 / ITEM_LIMIT as f64
        );
    }
    println!();
}
