//! Operator commands on a store of either backend: create the first administrator, export
//! every item as JSON lines with a manifest, and import such an export into an empty store.
//!
//! The binary (`erp-admin`, `src/main.rs`) is a thin command line over these functions; the
//! restore drill (`tests/tests/restore.rs`) calls them directly.
//!
//! An export is a folder with two files:
//! - `items.jsonl`: every item of the table, one JSON object a line, exactly as stored (key
//!   and index attributes included), in scan order;
//! - `manifest.json`: the [`Manifest`]: format and version, the source backend, when, how
//!   many items of each kind (see `erp_shared::store::keys::kind`) and the SHA-256 of
//!   `items.jsonl`.
//!
//! Import checks the whole export against its manifest before it writes anything, writes in
//! transactions of at most 100 items (DynamoDB's limit), then counts the store again.
//! Outbox messages that were still waiting to be sent are imported as `failed` (see
//! [`OutboxPolicy`]), so neither the restored stack's notifier nor its sweep sends them on
//! its own: the old installation may have sent them after the export.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use erp_shared::accounts;
use erp_shared::config::{Config, StoreKind};
use erp_shared::domain::{Email, user::parse_name};
use erp_shared::store::{
    DynamoBackend, EmbeddedBackend, Index, Item, Key, MAX_TRANSACTION_OPS, Store, StoreError,
    WriteOp, keys, table,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `format` of every manifest.
pub const FORMAT: &str = "erp-export";
/// The version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;
pub const ITEMS_FILE: &str = "items.jsonl";
pub const MANIFEST_FILE: &str = "manifest.json";
/// Items read per scan page by an export.
pub const EXPORT_PAGE: usize = 200;
/// Items written per transaction by an import (DynamoDB allows 100 operations).
pub const IMPORT_BATCH: usize = MAX_TRANSACTION_OPS;
/// JSON bytes per import transaction, well under DynamoDB's 4 MB per transaction.
pub const IMPORT_BATCH_BYTES: usize = 2 << 20;
/// `last_error` of an outbox message held by an import.
pub const HELD: &str = "held by erp-admin import: this email was still waiting to be sent when the export was made, so the old installation may have sent it since; check with the recipient, then retry it";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command cannot do what it was asked; the message says why and what to do.
    #[error("{0}")]
    Refused(String),
    #[error(
        "no such DynamoDB table: set ERP_TABLE_NAME to the stack's TableName output and AWS_REGION to its region"
    )]
    TableNotFound,
    #[error("the export in {dir} cannot be imported: {reason}")]
    Damaged { dir: PathBuf, reason: String },
    #[error(
        "the target store is not empty: an export is only imported into an empty table. If an earlier import of this same export stopped midway, run it again with --resume"
    )]
    NotEmpty,
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("storage: {0}")]
    Store(StoreError),
    #[error(
        "the import stopped with {written} of {total} items written: {cause}. Nothing written is lost or half-written (each transaction is all or nothing); run the same import again with --resume to continue"
    )]
    Partial {
        written: u64,
        total: u64,
        cause: Box<Error>,
    },
    #[error("the counts after the import do not match the export: {0}")]
    CountMismatch(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Backend(s) if s.contains("ResourceNotFoundException") => {
                Error::TableNotFound
            }
            _ => Error::Store(e),
        }
    }
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether [`open_store`] may create an empty embedded database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    /// The database must exist (an export of a mistyped folder is an error, not empty).
    Existing,
    CreateIfMissing,
}

/// The store the functions would use with this configuration (`ERP_STORE`, `ERP_TABLE_NAME`,
/// `ERP_DATA_DIR`, the standard AWS chain), and a description of it for the operator. Only
/// the store: no secret is read.
pub async fn open_store(config: &Config, open: Open) -> Result<(Store, String)> {
    match config.store {
        StoreKind::Dynamo => {
            let sdk = erp_shared::aws::operator_config().await;
            let Some(region) = sdk.region().map(ToString::to_string) else {
                return Err(Error::Refused(
                    "no AWS region: set AWS_REGION (or AWS_PROFILE with a region)".into(),
                ));
            };
            let backend = DynamoBackend::new(&sdk, &config.table_name);
            let what = format!("DynamoDB table {} in {region}", config.table_name);
            Ok((Store::dynamo(backend), what))
        }
        StoreKind::Embedded => {
            let path = config.data_dir.join("erp.redb");
            if open == Open::Existing && !path.exists() {
                return Err(Error::Refused(format!(
                    "no embedded database at {} (set ERP_DATA_DIR, or ERP_STORE=dynamodb)",
                    path.display()
                )));
            }
            fs::create_dir_all(&config.data_dir)
                .map_err(io(config.data_dir.display().to_string()))?;
            let backend = EmbeddedBackend::open(&path).map_err(|e| match e {
                StoreError::Backend(s) if s.to_lowercase().contains("already open") => {
                    Error::Refused(format!(
                        "{} is in use by another process: stop the local server first",
                        path.display()
                    ))
                }
                other => Error::Store(other),
            })?;
            Ok((
                Store::embedded(backend),
                format!("embedded database {}", path.display()),
            ))
        }
    }
}

/// Creates an active administrator with this email, name and password. Refused when the
/// password is weak (the API's rules), an account already has the email, or (unless
/// `additional`) an active administrator exists already. Returns the number of active
/// administrators after.
pub async fn create_admin(
    store: &Store,
    email: &str,
    name: &str,
    password: &str,
    additional: bool,
) -> Result<i64> {
    let email = Email::parse(email).map_err(|e| Error::Refused(format!("--email {e}")))?;
    let name = parse_name(name).map_err(|e| Error::Refused(format!("--name {e}")))?;
    if let Some(w) = erp_shared::auth::password::weakness(password, Some(email.as_str())) {
        return Err(Error::Refused(format!(
            "the password {w} (the rules of the API: at least 12 characters, not a common password, at least 5 different characters, not containing the email's name)"
        )));
    }
    let admins = accounts::active_admin_count(store).await?;
    if accounts::find_by_email(store, &email).await?.is_some() {
        return Err(Error::Refused(format!(
            "an account with the email {email} already exists (sign in with it, or reset its password through the API)"
        )));
    }
    if admins > 0 && !additional {
        return Err(Error::Refused(format!(
            "{admins} active administrator(s) exist already: invite further users through the API, or pass --additional to create another administrator anyway (e.g. when every administrator is locked out)"
        )));
    }
    match accounts::bootstrap_admin(store, email.clone(), &name, password).await {
        Ok(true) => Ok(accounts::active_admin_count(store).await?),
        Ok(false) => Err(Error::Refused(format!(
            "an account with the email {email} already exists"
        ))),
        Err(e) if e.contains("ResourceNotFoundException") => Err(Error::TableNotFound),
        Err(e) => Err(Error::Refused(e)),
    }
}

/// What an export contains; `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// `embedded` or `dynamodb`.
    pub source_backend: String,
    /// RFC 3339, when the export finished.
    pub exported_at: String,
    pub items_file: String,
    /// Lowercase hex SHA-256 of the items file.
    pub items_sha256: String,
    pub items_bytes: u64,
    pub total: u64,
    /// Items per kind (`user`, `invoice`, `audit`, ...).
    pub kinds: BTreeMap<String, u64>,
}

#[derive(Clone, Debug)]
pub struct ExportOptions {
    pub page_size: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            page_size: EXPORT_PAGE,
        }
    }
}

/// Writes every item of `store` into the new or empty folder `dir` (never over an existing
/// export), page by page: memory holds one page, never the table. The scan is not one
/// snapshot: export a store nobody writes to (the local server stopped, or a table restored
/// from a point in time).
pub async fn export(store: &Store, dir: &Path, options: &ExportOptions) -> Result<Manifest> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(io(dir.display().to_string()))?;
        if entries.next().is_some() {
            return Err(Error::Refused(format!(
                "{} is not empty: an export is never written over another one; choose a new folder",
                dir.display()
            )));
        }
    }
    // The first page before any file: an unreachable store leaves nothing behind.
    let page_size = options.page_size.max(1);
    let mut page = store.scan(None, page_size).await?;
    fs::create_dir_all(dir).map_err(io(dir.display().to_string()))?;
    let items_path = dir.join(ITEMS_FILE);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&items_path)
        .map_err(io(items_path.display().to_string()))?;
    let mut out = BufWriter::new(file);
    let mut hasher = Sha256::new();
    let (mut total, mut bytes) = (0u64, 0u64);
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    loop {
        for item in &page.items {
            let key = Key::of(item)
                .ok_or_else(|| Error::Refused("the store holds an item without pk/sk".into()))?;
            let mut line = serde_json::to_vec(item).expect("a JSON object serialises");
            line.push(b'\n');
            hasher.update(&line);
            out.write_all(&line)
                .map_err(io(items_path.display().to_string()))?;
            *kinds.entry(keys::kind(&key).to_string()).or_default() += 1;
            total += 1;
            bytes += line.len() as u64;
        }
        match page.cursor.take() {
            Some(c) => page = store.scan(Some(c), page_size).await?,
            None => break,
        }
    }
    let file = out
        .into_inner()
        .map_err(|e| io(items_path.display().to_string())(e.into_error()))?;
    file.sync_all()
        .map_err(io(items_path.display().to_string()))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        source_backend: store.backend_name().into(),
        exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        items_file: ITEMS_FILE.into(),
        items_sha256: hex::encode(hasher.finalize()),
        items_bytes: bytes,
        total,
        kinds,
    };
    // The manifest last: a folder without one is an unfinished export, and import refuses it.
    let manifest_path = dir.join(MANIFEST_FILE);
    let mut m = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&manifest_path)
        .map_err(io(manifest_path.display().to_string()))?;
    let mut json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    json.push(b'\n');
    m.write_all(&json)
        .and_then(|()| m.sync_all())
        .map_err(io(manifest_path.display().to_string()))?;
    Ok(manifest)
}

/// What an import does with outbox messages that were `pending` (or `sending`) at export
/// time. Importing into DynamoDB fires the table's stream, and the notifier delivers every
/// inserted message that is pending; the local server's sender does the same within seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutboxPolicy {
    /// Import them as `failed` with [`HELD`] as the error: listed for the admins
    /// (`GET /api/v1/outbox?status=failed`), sent only when one retries it. Safe when the
    /// source may have sent them after the export.
    #[default]
    Hold,
    /// Import them as they are: the restored stack sends them. Only when the source was
    /// stopped before the export (nothing can have been sent since).
    Send,
}

/// Called with (items done, items to do) after each transaction.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

#[derive(Clone, Default)]
pub struct ImportOptions {
    pub outbox: OutboxPolicy,
    /// Continue an import that stopped midway: the store may hold items already, each of
    /// which must be exactly the export's (they are checked, not written again).
    pub resume: bool,
    pub progress: Option<Progress>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Items written by this run.
    pub written: u64,
    /// Items found already in the store, identical (an earlier run of the same import).
    pub already_present: u64,
    /// Items whose TTL had passed by the import, per kind: they would read as absent, so
    /// they are not written.
    pub expired: BTreeMap<String, u64>,
    /// Outbox messages imported as `failed` ([`OutboxPolicy::Hold`]).
    pub held_outbox: u64,
    /// The store's items per kind, counted after the import.
    pub counts: BTreeMap<String, u64>,
}

/// Reads and checks an export against its manifest (checksum, size, counts) without
/// writing anything.
pub fn verify(dir: &Path) -> Result<Manifest> {
    let damaged = |reason: String| Error::Damaged {
        dir: dir.to_path_buf(),
        reason,
    };
    let manifest_path = dir.join(MANIFEST_FILE);
    let raw = match fs::read(&manifest_path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(damaged(format!(
                "no {MANIFEST_FILE} (not an export, or an export that did not finish)"
            )));
        }
        Err(e) => return Err(io(manifest_path.display().to_string())(e)),
    };
    let manifest: Manifest = serde_json::from_slice(&raw)
        .map_err(|e| damaged(format!("{MANIFEST_FILE} is not a manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(damaged(format!(
            "format {:?}, not {FORMAT:?}",
            manifest.format
        )));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(Error::Refused(format!(
            "the export is format version {}, newer than this erp-admin reads ({FORMAT_VERSION}): use a newer erp-admin",
            manifest.format_version
        )));
    }
    if manifest.items_file.contains(['/', '\\']) || manifest.items_file.starts_with('.') {
        return Err(damaged("the items file must be a plain file name".into()));
    }
    let mut hasher = Sha256::new();
    let (mut total, mut bytes) = (0u64, 0u64);
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for_each_line(dir, &manifest, |n, line| {
        hasher.update(line);
        bytes += line.len() as u64;
        let key = parse_line(line)
            .map(|(_, key)| key)
            .map_err(|e| damaged(format!("line {n} of {}: {e}", manifest.items_file)))?;
        *kinds.entry(keys::kind(&key).to_string()).or_default() += 1;
        total += 1;
        Ok(())
    })?;
    let sha = hex::encode(hasher.finalize());
    if sha != manifest.items_sha256 || bytes != manifest.items_bytes {
        return Err(damaged(format!(
            "{} does not match the manifest's checksum (SHA-256 {sha}, {bytes} bytes; the manifest says {}, {} bytes): the file was changed or truncated",
            manifest.items_file, manifest.items_sha256, manifest.items_bytes
        )));
    }
    if total != manifest.total || kinds != manifest.kinds {
        return Err(damaged(format!(
            "the items ({total}: {kinds:?}) do not match the manifest's counts ({}: {:?})",
            manifest.total, manifest.kinds
        )));
    }
    Ok(manifest)
}

/// Loads the export in `dir` into `store`, which must be empty (or hold exactly what an
/// earlier run of the same import wrote, with `resume`). Everything is checked before the
/// first write; the store is counted again after the last one.
pub async fn import(store: &Store, dir: &Path, options: &ImportOptions) -> Result<ImportReport> {
    let manifest = verify(dir)?;
    if !options.resume && !store.scan(None, 1).await?.items.is_empty() {
        return Err(Error::NotEmpty);
    }
    let now = chrono::Utc::now().timestamp();
    let mut report = ImportReport::default();
    // What the store must hold afterwards: items without a TTL per kind, and the TTL of the
    // others (one may expire while the import runs).
    let mut lasting: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut expiring: Vec<(i64, &'static str)> = Vec::new();
    let total = manifest.total;
    let mut batch: Vec<Item> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut lines = Lines::open(dir, &manifest)?;
    // Lines read so far (the batch's included).
    let mut read = 0u64;
    let partial = |r: &ImportReport, cause: Error| Error::Partial {
        written: r.written + r.already_present,
        total,
        cause: Box::new(cause),
    };
    loop {
        let next = lines.next().map_err(|e| partial(&report, e))?;
        let full = next.as_ref().is_none_or(|line| {
            !batch.is_empty()
                && (batch.len() == IMPORT_BATCH || batch_bytes + line.len() > IMPORT_BATCH_BYTES)
        });
        if full && !batch.is_empty() {
            let (written, present) = match write_batch(store, std::mem::take(&mut batch)).await {
                Ok(n) => n,
                Err(e) => return Err(partial(&report, e)),
            };
            report.written += written;
            report.already_present += present;
            batch_bytes = 0;
            if let Some(p) = &options.progress {
                p(read, total);
            }
        }
        let Some(line) = next else { break };
        read += 1;
        let (mut item, key) = parse_line(&line).map_err(|e| {
            partial(
                &report,
                Error::Damaged {
                    dir: dir.to_path_buf(),
                    reason: e,
                },
            )
        })?;
        let kind = keys::kind(&key);
        let ttl = item.get(table::TTL).and_then(Value::as_i64);
        if ttl.is_some_and(|t| t <= now) {
            *report.expired.entry(kind.to_string()).or_default() += 1;
            continue;
        }
        if kind == "outbox" && options.outbox == OutboxPolicy::Hold && hold(&mut item) {
            report.held_outbox += 1;
        }
        match ttl {
            Some(t) => expiring.push((t, kind)),
            None => *lasting.entry(kind).or_default() += 1,
        }
        batch_bytes += line.len();
        batch.push(item);
    }
    // Count again, allowing for TTL items that expire while the store is counted.
    let started = chrono::Utc::now().timestamp();
    report.counts = count(store).await?;
    let ended = chrono::Utc::now().timestamp();
    let mut kinds: Vec<&str> = lasting.keys().copied().collect();
    kinds.extend(expiring.iter().map(|(_, k)| *k));
    kinds.extend(report.counts.keys().map(String::as_str));
    kinds.sort_unstable();
    kinds.dedup();
    let mut wrong = Vec::new();
    for kind in kinds {
        let base = lasting.get(kind).copied().unwrap_or(0);
        let alive = |at: i64| {
            expiring
                .iter()
                .filter(|(t, k)| *k == kind && *t > at)
                .count() as u64
        };
        let (least, most) = (base + alive(ended), base + alive(started));
        let found = report.counts.get(kind).copied().unwrap_or(0);
        if found < least || found > most {
            let expected = if least == most {
                least.to_string()
            } else {
                format!("{least} to {most}")
            };
            wrong.push(format!("{kind}: {found}, expected {expected}"));
        }
    }
    if !wrong.is_empty() {
        return Err(Error::CountMismatch(wrong.join("; ")));
    }
    Ok(report)
}

/// Items per kind in the store (one scan).
pub async fn count(store: &Store) -> Result<BTreeMap<String, u64>> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = store.scan(cursor, 500).await?;
        for item in &page.items {
            let kind = Key::of(item).map(|k| keys::kind(&k)).unwrap_or("unknown");
            *counts.entry(kind.to_string()).or_default() += 1;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(counts),
        }
    }
}

/// Marks a message that was waiting to be sent as held (`failed`, listed for the admins).
fn hold(item: &mut Item) -> bool {
    if !matches!(
        item.get("status").and_then(Value::as_str),
        Some("pending" | "sending")
    ) {
        return false;
    }
    let (gp, _) = Index::Gsi1.attributes();
    item.insert("status".into(), "failed".into());
    item.insert(gp.into(), keys::OUTBOX_FAILED.into());
    item.insert("last_error".into(), HELD.into());
    true
}

/// Writes one batch as one transaction of conditional puts. An item that exists already is
/// compared: identical, it is this import's own (an earlier run, or a request that committed
/// although its answer was lost) and counted as present; different, the import stops.
/// Returns (written, present).
async fn write_batch(store: &Store, mut items: Vec<Item>) -> Result<(u64, u64)> {
    let mut present = 0u64;
    let mut attempt = 0u32;
    loop {
        if items.is_empty() {
            return Ok((0, present));
        }
        let ops = items.iter().cloned().map(WriteOp::put_new).collect();
        let err = match store.transact(ops).await {
            Ok(()) => return Ok((items.len() as u64, present)),
            Err(e) => e,
        };
        attempt += 1;
        match err {
            StoreError::TransactionCanceled { failed } => {
                let keys: Vec<Key> = failed
                    .iter()
                    .filter_map(|&i| items.get(i).and_then(Key::of))
                    .collect();
                let stored: HashMap<Key, Item> = store
                    .batch_get(&keys)
                    .await?
                    .into_iter()
                    .filter_map(|i| Key::of(&i).map(|k| (k, i)))
                    .collect();
                let mut same = Vec::new();
                for &i in &failed {
                    let Some(key) = items.get(i).and_then(Key::of) else {
                        continue;
                    };
                    match stored.get(&key) {
                        Some(s) if *s == items[i] => same.push(i),
                        Some(_) => {
                            return Err(Error::Refused(format!(
                                "the store already holds the item {} / {} with other content: it is not this export's (someone else writes to this table, or the export holds the key twice)",
                                key.pk, key.sk
                            )));
                        }
                        // Gone again (expired meanwhile): try once more.
                        None => {}
                    }
                }
                same.sort_unstable();
                for &i in same.iter().rev() {
                    items.remove(i);
                    present += 1;
                }
                if attempt > 8 {
                    return Err(Error::Refused(
                        "a transaction kept failing its conditions".into(),
                    ));
                }
            }
            e if transient(&e) && attempt <= 8 => {
                tokio::time::sleep(Duration::from_millis(50 << attempt.min(6))).await;
            }
            e => return Err(e.into()),
        }
    }
}

/// A failure that goes away when tried again later.
fn transient(e: &StoreError) -> bool {
    match e {
        StoreError::Conflict => true,
        StoreError::Backend(s) => [
            "Throttl",
            "ProvisionedThroughputExceeded",
            "RequestLimitExceeded",
            "InternalServerError",
            "ServiceUnavailable",
            "TransactionInProgress",
            "TransactionConflict",
            "DispatchFailure",
            "TimeoutError",
        ]
        .iter()
        .any(|m| s.contains(m)),
        _ => false,
    }
}

/// One line of the items file as an item and its key.
fn parse_line(line: &[u8]) -> Result<(Item, Key), String> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let item: Item = serde_json::from_slice(body).map_err(|e| format!("not a JSON object: {e}"))?;
    let key = Key::of(&item).ok_or("an item without string pk and sk")?;
    Ok((item, key))
}

/// The items file, line by line (each with its newline), never whole in memory.
struct Lines {
    reader: BufReader<File>,
    path: PathBuf,
}

impl Lines {
    fn open(dir: &Path, manifest: &Manifest) -> Result<Self> {
        let path = dir.join(&manifest.items_file);
        let file = File::open(&path).map_err(|e| Error::Damaged {
            dir: dir.to_path_buf(),
            reason: format!("{}: {e}", manifest.items_file),
        })?;
        Ok(Self {
            reader: BufReader::with_capacity(1 << 20, file),
            path,
        })
    }

    fn next(&mut self) -> Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut line)
            .map_err(io(self.path.display().to_string()))?;
        Ok((n > 0).then_some(line))
    }
}

fn for_each_line(
    dir: &Path,
    manifest: &Manifest,
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut lines = Lines::open(dir, manifest)?;
    let mut n = 0;
    while let Some(line) = lines.next()? {
        n += 1;
        f(n, &line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use erp_shared::store::{Condition, to_item};
    use serde_json::json;

    fn temp_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("erp-admin-{name}-{}", unique()))
    }

    fn unique() -> String {
        format!(
            "{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        )
    }

    async fn sample() -> Store {
        let store = Store::memory();
        let email = Email::parse("admin@example.com").unwrap();
        accounts::bootstrap_admin(&store, email, "Admin", "correct-horse-battery")
            .await
            .unwrap();
        for i in 0..250 {
            let item = to_item(&keys::customer(&format!("c{i:03}")), &json!({"n": i})).unwrap();
            store.put(item, None).await.unwrap();
        }
        let now = chrono::Utc::now().timestamp();
        let mut session = to_item(&keys::session("f1"), &json!({})).unwrap();
        session.insert(table::TTL.into(), json!(now + 3600));
        store.put(session, None).await.unwrap();
        for (id, status) in [("o1", "pending"), ("o2", "sent"), ("o3", "sending")] {
            let mut item = to_item(&keys::outbox(id), &json!({"status": status})).unwrap();
            item.insert("gsi1pk".into(), keys::OUTBOX_PENDING.into());
            item.insert("gsi1sk".into(), format!("t#{id}").into());
            store.put(item, None).await.unwrap();
        }
        store
    }

    #[tokio::test]
    async fn an_export_imports_into_an_empty_store_with_the_same_items() {
        let source = sample().await;
        let dir = temp_dir("roundtrip");
        let manifest = export(&source, &dir, &ExportOptions { page_size: 7 })
            .await
            .unwrap();
        assert_eq!(manifest.total, 1 + 1 + 1 + 250 + 1 + 3);
        assert_eq!(manifest.kinds["customer"], 250);
        assert_eq!(manifest.kinds["user"], 1);
        assert_eq!(manifest.kinds["outbox"], 3);
        assert_eq!(verify(&dir).unwrap(), manifest);
        // Never over an existing export.
        assert!(matches!(
            export(&source, &dir, &ExportOptions::default()).await,
            Err(Error::Refused(_))
        ));

        let target = Store::memory();
        let report = import(&target, &dir, &ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(report.written, manifest.total);
        assert_eq!(report.held_outbox, 2);
        assert_eq!(report.counts, manifest.kinds);
        for key in [keys::customer("c042"), keys::session("f1")] {
            assert_eq!(
                target.get(&key).await.unwrap(),
                source.get(&key).await.unwrap()
            );
        }
        let held = target.get(&keys::outbox("o1")).await.unwrap().unwrap();
        assert_eq!(held["status"], "failed");
        assert_eq!(held["gsi1pk"], keys::OUTBOX_FAILED);
        assert_eq!(held["last_error"], HELD);
        let sent = target.get(&keys::outbox("o2")).await.unwrap().unwrap();
        assert_eq!(
            sent,
            source.get(&keys::outbox("o2")).await.unwrap().unwrap()
        );

        // Not into a store with items, not even the same ones, unless resumed.
        assert!(matches!(
            import(&target, &dir, &ImportOptions::default()).await,
            Err(Error::NotEmpty)
        ));
        let again = import(
            &target,
            &dir,
            &ImportOptions {
                resume: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((again.written, again.already_present), (0, manifest.total));
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_resumed_import_finishes_and_refuses_foreign_items() {
        let source = sample().await;
        let dir = temp_dir("resume");
        let manifest = export(&source, &dir, &ExportOptions::default())
            .await
            .unwrap();
        // An import that stopped after some items: a prefix of the file is in the store.
        let target = Store::memory();
        let text = fs::read_to_string(dir.join(ITEMS_FILE)).unwrap();
        for line in text.lines().take(120) {
            let item: Item = serde_json::from_str(line).unwrap();
            target.put(item, None).await.unwrap();
        }
        let options = ImportOptions {
            resume: true,
            outbox: OutboxPolicy::Send,
            ..Default::default()
        };
        let report = import(&target, &dir, &options).await.unwrap();
        assert_eq!(report.already_present, 120);
        assert_eq!(report.written, manifest.total - 120);
        assert_eq!(report.held_outbox, 0);
        let pending = target.get(&keys::outbox("o1")).await.unwrap().unwrap();
        assert_eq!(pending["status"], "pending");

        // An item that differs from the export's stops the import.
        let other = Store::memory();
        let mut changed = to_item(&keys::customer("c100"), &json!({"n": -1})).unwrap();
        other
            .put(changed.clone(), Some(Condition::NotExists))
            .await
            .unwrap();
        let err = import(&other, &dir, &options).await.unwrap_err();
        let Error::Partial { cause, .. } = &err else {
            panic!("{err}")
        };
        assert!(cause.to_string().contains("other content"), "{cause}");
        // An item the export does not have fails the final count.
        let extra = Store::memory();
        changed.insert("pk".into(), "CUSTOMER#zzz".into());
        extra.put(changed, None).await.unwrap();
        let err = import(&extra, &dir, &options).await.unwrap_err();
        assert!(matches!(err, Error::CountMismatch(_)), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_changed_or_unfinished_export_is_refused_before_any_write() {
        let source = sample().await;
        let dir = temp_dir("tamper");
        export(&source, &dir, &ExportOptions::default())
            .await
            .unwrap();
        let path = dir.join(ITEMS_FILE);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replacen("\"n\":42", "\"n\":43", 1)).unwrap();
        let target = Store::memory();
        let err = import(&target, &dir, &ImportOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("checksum"), "{err}");
        assert!(target.scan(None, 1).await.unwrap().items.is_empty());
        fs::remove_file(dir.join(MANIFEST_FILE)).unwrap();
        let err = verify(&dir).unwrap_err();
        assert!(err.to_string().contains("did not finish"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn create_admin_follows_the_api_rules() {
        let store = Store::memory();
        let weak = create_admin(&store, "ops@example.com", "Ops", "password123", false).await;
        assert!(weak.unwrap_err().to_string().contains("the password"));
        assert_eq!(
            create_admin(
                &store,
                "ops@example.com",
                "Ops",
                "violet-otter-harbour",
                false
            )
            .await
            .unwrap(),
            1
        );
        let again = create_admin(
            &store,
            "ops@example.com",
            "Ops",
            "violet-otter-harbour",
            true,
        )
        .await
        .unwrap_err();
        assert!(again.to_string().contains("already exists"), "{again}");
        let second = create_admin(
            &store,
            "ops2@example.com",
            "Ops",
            "violet-otter-harbour",
            false,
        )
        .await
        .unwrap_err();
        assert!(second.to_string().contains("--additional"), "{second}");
        assert_eq!(
            create_admin(
                &store,
                "ops2@example.com",
                "Ops",
                "violet-otter-harbour",
                true
            )
            .await
            .unwrap(),
            2
        );
    }
}
