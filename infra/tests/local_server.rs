//! The README's first command, for real: the `erp-local` binary starts on 127.0.0.1 with the
//! admin from the environment, keeps its data across restarts, and refuses a weak admin
//! password.

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
