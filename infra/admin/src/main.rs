//! `erp-admin`: operator commands on the store the functions use. See `--help`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use erp_admin::{Error, ExportOptions, ImportOptions, Open, OutboxPolicy};
use erp_shared::config::Config;

const HELP: &str = "\
erp-admin: operator commands on the ERP's store (either backend)

Usage: erp-admin <command> [options]

Commands:
  create-admin  Create an administrator account (the first one of a deployed stack)
  export        Write every item of the store into a new folder (JSON lines and a manifest)
  import        Load an export into an empty store, then count it again
  help          This text, or a command's: erp-admin help <command> (or <command> --help)

The store is the one the functions use, chosen by the same environment variables:
  ERP_STORE       dynamodb or embedded (default: embedded)
  ERP_TABLE_NAME  the DynamoDB table (default: erp): the stack's TableName output
  ERP_DATA_DIR    the folder of the embedded database erp.redb (default: .erp-data)
  AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, ...: the standard AWS credential chain
                  (AWS_ENDPOINT_URL points it at an emulator)
No secret is read: the commands need the table, nothing else.
";

const CREATE_ADMIN_HELP: &str = "\
Usage: erp-admin create-admin --email EMAIL --name NAME [--additional]

Creates an active administrator with a password, as the local server does on its first
start. This is how the first admin of a deployed stack is made: not by editing the table,
nor by pointing a local server at it.

The password is read from ERP_ADMIN_PASSWORD when that is set, otherwise as one line from
standard input; never from the command line, and never from a terminal (it would show).
Read it without echo in the shell, then pipe it:

  read -rsp 'Password: ' PW; echo
  printf '%s\\n' \"$PW\" | erp-admin create-admin --email ada@example.com --name 'Ada'
  unset PW

It must pass the API's rules: at least 12 characters, not a common password, at least 5
different characters, not containing the part of the email before the @.

Refused when an account already has the email, and when an active administrator exists
already, unless --additional is given (e.g. when every administrator is locked out).

Options:
  --email EMAIL   the administrator's email (the sign-in name)
  --name NAME     the display name (1 to 100 characters)
  --additional    create it even though active administrators exist
  -h, --help      this text
";

const EXPORT_HELP: &str = "\
Usage: erp-admin export --out DIR [--page-size N]

Writes every item of the store into DIR (created; refused when it exists and is not empty,
so an export is never overwritten):
  items.jsonl    one item a line, exactly as stored, read page by page (never the whole
                 table in memory)
  manifest.json  format version, source backend, exported_at, the total and the count of
                 each kind of item, and the SHA-256 of items.jsonl; written last, so a
                 folder without it is an unfinished export

The scan is consistent page by page, not as a whole: export a store nobody writes to
(stop the local server; for a live DynamoDB table, export a point-in-time restore of it).
Items whose TTL has passed are not exported (they read as absent everywhere).

Options:
  --out DIR        the new folder
  --page-size N    items per scan page (default 200)
  -h, --help       this text
";

const IMPORT_HELP: &str = "\
Usage: erp-admin import --from DIR [--resume] [--outbox hold|send]

Loads an export made by `erp-admin export` into the store, which must be empty (a new
table). First the whole export is checked against its manifest (the SHA-256, the size and
the count of each kind) and nothing is written if it does not match. Then the items are
written in transactions of at most 100 (DynamoDB's limit), each only if its key is new,
and the store is counted again and compared with the manifest. Items whose TTL has passed
meanwhile are left out (and reported).

Email: every outbox message that was still waiting to be sent at export time (pending or
sending) is imported as failed, with a note saying why (--outbox hold, the default). The
stack's notifier, fired by the table's stream for every inserted message, and the local
server's sender only send pending messages, so the import sends no email, and nothing is
sent twice when the old installation had sent it after the export. An admin reviews them
(GET /api/v1/outbox?status=failed) and retries each one that should go
(POST /api/v1/outbox/{id}/retry). Use --outbox send only when the source was stopped before
the export: the pending messages are then sent by the restored stack.

When an import stops midway (network, throttling, Ctrl-C) it says how many items were
written; nothing written is half-written. Run the same command with --resume to continue:
items already in the store are compared with the export's (identical ones are skipped, a
different one stops the import) and the final count proves the store holds exactly the
export.

Options:
  --from DIR            the export's folder
  --resume              continue an import of this export that stopped midway
  --outbox hold|send    what to do with email still waiting to be sent (default hold)
  -h, --help            this text
";

fn usage(message: &str) -> ExitCode {
    eprintln!("erp-admin: {message}\n(erp-admin --help for the commands)");
    ExitCode::from(2)
}

/// Parsed options of one command: `--flag value`, `--flag=value` or a bare `--switch`.
struct Args {
    values: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(
        raw: impl Iterator<Item = String>,
        with_value: &[&str],
        switches: &[&str],
    ) -> Result<Args, String> {
        let mut values = Vec::new();
        let mut raw = raw.peekable();
        while let Some(arg) = raw.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            if with_value.contains(&name.as_str()) {
                let value = match inline {
                    Some(v) => v,
                    None => raw.next().ok_or_else(|| format!("{name} needs a value"))?,
                };
                values.push((name, Some(value)));
            } else if switches.contains(&name.as_str()) && inline.is_none() {
                values.push((name, None));
            } else {
                return Err(format!("unknown option {arg:?}"));
            }
        }
        Ok(Args { values })
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.value(name)
            .ok_or_else(|| format!("{name} is required"))
    }

    fn has(&self, name: &str) -> bool {
        self.values.iter().any(|(n, _)| n == name)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut raw = std::env::args().skip(1);
    let Some(command) = raw.next() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = raw.collect();
    let help_of = |c: &str| match c {
        "create-admin" => Some(CREATE_ADMIN_HELP),
        "export" => Some(EXPORT_HELP),
        "import" => Some(IMPORT_HELP),
        _ => None,
    };
    if matches!(command.as_str(), "-h" | "--help" | "help") {
        match rest.first() {
            None => print!("{HELP}"),
            Some(c) => match help_of(c) {
                Some(h) => print!("{h}"),
                None => return usage(&format!("no command {c:?}")),
            },
        }
        return ExitCode::SUCCESS;
    }
    let Some(help) = help_of(&command) else {
        return usage(&format!("no command {command:?}"));
    };
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        print!("{help}");
        return ExitCode::SUCCESS;
    }
    let parsed = match command.as_str() {
        "create-admin" => Args::parse(rest.into_iter(), &["--email", "--name"], &["--additional"]),
        "export" => Args::parse(rest.into_iter(), &["--out", "--page-size"], &[]),
        _ => Args::parse(rest.into_iter(), &["--from", "--outbox"], &["--resume"]),
    };
    let args = match parsed {
        Ok(a) => a,
        Err(e) => return usage(&format!("{command}: {e}")),
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("erp-admin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command.as_str() {
        "create-admin" => create_admin(&config, &args).await,
        "export" => export(&config, &args).await,
        _ => import(&config, &args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => usage(&format!("{command}: {e}")),
        Err(Failure::Failed(e)) => {
            eprintln!("erp-admin {command}: {e}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Failed(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Failed(e.to_string())
    }
}

/// Adds which store was meant to a "table not found".
fn on(target: &str) -> impl Fn(Error) -> Failure + '_ {
    move |e| match e {
        Error::TableNotFound => Failure::Failed(format!("{target}: {e}")),
        e => e.into(),
    }
}

fn password() -> Result<String, Failure> {
    if let Ok(p) = std::env::var("ERP_ADMIN_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::Failed(
            "the password is read from ERP_ADMIN_PASSWORD or from standard input, not from a terminal (it would show): read -rsp 'Password: ' PW; echo; printf '%s\\n' \"$PW\" | erp-admin create-admin ...".into(),
        ));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Failed(format!("reading the password: {e}")))?;
    let p = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    if p.is_empty() {
        return Err(Failure::Failed(
            "no password on standard input (one line expected)".into(),
        ));
    }
    Ok(p.to_string())
}

async fn create_admin(config: &Config, args: &Args) -> Result<(), Failure> {
    let email = args.required("--email").map_err(Failure::Usage)?;
    let name = args.required("--name").map_err(Failure::Usage)?;
    let password = password()?;
    let (store, target) = erp_admin::open_store(config, Open::CreateIfMissing).await?;
    let admins = erp_admin::create_admin(&store, email, name, &password, args.has("--additional"))
        .await
        .map_err(on(&target))?;
    println!(
        "created the administrator {} in the {target} ({admins} active administrator(s)); sign in with that email and password",
        email.trim().to_lowercase()
    );
    Ok(())
}

async fn export(config: &Config, args: &Args) -> Result<(), Failure> {
    let out = PathBuf::from(args.required("--out").map_err(Failure::Usage)?);
    let page_size = match args.value("--page-size") {
        None => erp_admin::EXPORT_PAGE,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => n,
            _ => return Err(Failure::Usage("--page-size must be 1 to 10000".into())),
        },
    };
    let (store, target) = erp_admin::open_store(config, Open::Existing).await?;
    eprintln!("exporting the {target} into {}", out.display());
    let started = Instant::now();
    let manifest = erp_admin::export(&store, &out, &ExportOptions { page_size })
        .await
        .map_err(on(&target))?;
    println!(
        "exported {} items ({} bytes) in {:.2} s, {} scan pages; SHA-256 {}",
        manifest.total,
        manifest.items_bytes,
        started.elapsed().as_secs_f64(),
        store.round_trips(),
        manifest.items_sha256
    );
    for (kind, n) in &manifest.kinds {
        println!("  {kind:<18} {n}");
    }
    Ok(())
}

async fn import(config: &Config, args: &Args) -> Result<(), Failure> {
    let from = PathBuf::from(args.required("--from").map_err(Failure::Usage)?);
    let outbox = match args.value("--outbox") {
        None | Some("hold") => OutboxPolicy::Hold,
        Some("send") => OutboxPolicy::Send,
        Some(other) => {
            return Err(Failure::Usage(format!(
                "--outbox must be hold or send, not {other:?}"
            )));
        }
    };
    let manifest = erp_admin::verify(&from)?;
    eprintln!(
        "the export is intact: {} items from the {} backend, exported {}",
        manifest.total, manifest.source_backend, manifest.exported_at
    );
    let (store, target) = erp_admin::open_store(config, Open::CreateIfMissing).await?;
    eprintln!("importing into the {target}");
    let started = Instant::now();
    let options = ImportOptions {
        outbox,
        resume: args.has("--resume"),
        progress: Some(Arc::new(|done, total| {
            eprint!("\r  {done} of {total} items");
        })),
    };
    let result = erp_admin::import(&store, &from, &options).await;
    eprintln!();
    let report = result.map_err(on(&target))?;
    println!(
        "imported {} items ({} already there) in {:.2} s; the store now holds:",
        report.written,
        report.already_present,
        started.elapsed().as_secs_f64()
    );
    for (kind, n) in &report.counts {
        println!("  {kind:<18} {n}");
    }
    for (kind, n) in &report.expired {
        println!("left out {n} {kind} item(s) whose TTL had passed");
    }
    if report.held_outbox > 0 {
        println!(
            "held {} email(s) that were waiting to be sent at export time: they are listed as failed (GET /api/v1/outbox?status=failed); check with the recipients, then retry the ones that should go (POST /api/v1/outbox/{{id}}/retry)",
            report.held_outbox
        );
    }
    Ok(())
}
