//! The command line on the embedded backend: help, the first admin, export and import.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn temp(what: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "erp-admin-cli-{what}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ))
}

/// Runs `erp-admin` on the embedded database in `data`, with `stdin` as its input.
fn run(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_erp-admin"))
        .args(args)
        .env_clear()
        .env("ERP_STORE", "embedded")
        .env("ERP_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("erp-admin runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_command_has_help() {
    let data = temp("help");
    let all = run(&data, &["--help"], "");
    assert!(all.status.success());
    for command in ["create-admin", "export", "import"] {
        assert!(text(&all).contains(command));
        let one = run(&data, &[command, "--help"], "");
        assert!(one.status.success(), "{}", text(&one));
        assert!(text(&one).contains(&format!("Usage: erp-admin {command}")));
        assert_eq!(run(&data, &["help", command], "").stdout, one.stdout);
    }
    assert!(text(&run(&data, &["create-admin", "--help"], "")).contains("read -rsp"));
    let unknown = run(&data, &["frobnicate"], "");
    assert_eq!(unknown.status.code(), Some(2));
    let missing = run(&data, &["create-admin", "--email", "a@example.com"], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).contains("--name is required"));
    assert!(!data.exists(), "help and usage errors touch nothing");
}

#[test]
fn the_first_admin_then_an_export_and_its_import() {
    let data = temp("data");
    let admin = [
        "create-admin",
        "--email",
        "Ops@Example.com",
        "--name",
        "Ops",
    ];
    let weak = run(&data, &admin, "password123\n");
    assert_eq!(weak.status.code(), Some(1));
    assert!(text(&weak).contains("the password"), "{}", text(&weak));
    let empty = run(&data, &admin, "");
    assert!(text(&empty).contains("no password"), "{}", text(&empty));
    let made = run(&data, &admin, "quiet-lantern-meadow-7\n");
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("created the administrator ops@example.com"));
    let again = run(&data, &admin, "quiet-lantern-meadow-7\n");
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already exists"), "{}", text(&again));
    let other = [
        "create-admin",
        "--email=second@example.com",
        "--name=Second",
    ];
    let refused = run(&data, &other, "quiet-lantern-meadow-7\r\n");
    assert!(
        text(&refused).contains("--additional"),
        "{}",
        text(&refused)
    );
    let mut additional = other.to_vec();
    additional.push("--additional");
    let second = run(&data, &additional, "quiet-lantern-meadow-7\r\n");
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("2 active administrator(s)"));

    let out = temp("export");
    let out_s = out.to_str().unwrap();
    let exported = run(&data, &["export", "--out", out_s], "");
    assert!(exported.status.success(), "{}", text(&exported));
    assert!(
        text(&exported).contains("exported 5 items"),
        "{}",
        text(&exported)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["kinds"]["user"], 2);
    assert_eq!(manifest["kinds"]["counter"], 1);
    let twice = run(&data, &["export", "--out", out_s], "");
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        text(&twice).contains("never written over"),
        "{}",
        text(&twice)
    );
    let none = run(
        &temp("nothing"),
        &["export", "--out", &format!("{out_s}-2")],
        "",
    );
    assert!(
        text(&none).contains("no embedded database"),
        "{}",
        text(&none)
    );

    let restored = temp("restored");
    let imported = run(&restored, &["import", "--from", out_s], "");
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(
        text(&imported).contains("imported 5 items"),
        "{}",
        text(&imported)
    );
    let into_full = run(&restored, &["import", "--from", out_s], "");
    assert_eq!(into_full.status.code(), Some(1));
    assert!(
        text(&into_full).contains("not empty"),
        "{}",
        text(&into_full)
    );
    let resumed = run(&restored, &["import", "--from", out_s, "--resume"], "");
    assert!(
        text(&resumed).contains("(5 already there)"),
        "{}",
        text(&resumed)
    );
    // The restored copy knows the admin.
    let known = run(&restored, &admin, "quiet-lantern-meadow-7\n");
    assert!(text(&known).contains("already exists"), "{}", text(&known));
    for d in [data, out, restored] {
        let _ = std::fs::remove_dir_all(d);
    }
}
