//! Single-table storage: typed operations over one table, with two backends.
//!
//! Items are JSON objects (`serde_json::Map`) carrying `pk`/`sk` and optional index key
//! attributes (see [`table`]). Conditions and updates are typed values so the embedded backend
//! and DynamoDB honour exactly the same semantics; `tests/` runs one conformance suite on both.

#[cfg(feature = "dynamo")]
mod dynamo;
#[cfg(feature = "embedded")]
mod embedded;
#[cfg(feature = "embedded")]
mod eval;
pub mod keys;
pub mod table;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg(feature = "dynamo")]
pub use dynamo::DynamoBackend;
#[cfg(feature = "embedded")]
pub use embedded::EmbeddedBackend;
pub use table::{Index, TABLE};

/// One stored item: top-level attributes of a JSON object.
pub type Item = serde_json::Map<String, Value>;

/// Primary key of an item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key of a stored item, if it has one.
    pub fn of(item: &Item) -> Option<Key> {
        Some(Key::new(
            item.get(table::PK)?.as_str()?,
            item.get(table::SK)?.as_str()?,
        ))
    }
}

/// A condition evaluated atomically against the current version of an item.
///
/// Comparisons against a missing attribute are false (as in DynamoDB); numbers compare
/// numerically, strings by their UTF-8 bytes, values of different types never match.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// The item exists.
    Exists,
    /// The item does not exist.
    NotExists,
    AttrExists(String),
    AttrNotExists(String),
    Eq(String, Value),
    /// The attribute is missing or differs from the value.
    NotEq(String, Value),
    Lt(String, Value),
    Le(String, Value),
    Gt(String, Value),
    Ge(String, Value),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

impl Condition {
    /// The item's `version` attribute equals `v` (optimistic concurrency).
    pub fn version_is(v: i64) -> Self {
        Condition::Eq("version".into(), Value::from(v))
    }
    pub fn eq(attr: &str, v: impl Into<Value>) -> Self {
        Condition::Eq(attr.into(), v.into())
    }
    pub fn ge(attr: &str, v: impl Into<Value>) -> Self {
        Condition::Ge(attr.into(), v.into())
    }
}

/// One change to an attribute in an update.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    Set(String, Value),
    /// Set only when the attribute is missing.
    SetIfMissing(String, Value),
    /// Atomic numeric increment; a missing attribute counts as 0.
    Add(String, i64),
    Remove(String),
}

impl Update {
    pub fn set(attr: &str, v: impl Into<Value>) -> Self {
        Update::Set(attr.into(), v.into())
    }
    pub fn add(attr: &str, n: i64) -> Self {
        Update::Add(attr.into(), n)
    }
    pub fn remove(attr: &str) -> Self {
        Update::Remove(attr.into())
    }
}

/// One write inside an atomic transaction.
#[derive(Clone, Debug)]
pub enum WriteOp {
    Put {
        item: Item,
        condition: Option<Condition>,
    },
    Update {
        key: Key,
        updates: Vec<Update>,
        condition: Option<Condition>,
    },
    Delete {
        key: Key,
        condition: Option<Condition>,
    },
    Check {
        key: Key,
        condition: Condition,
    },
}

impl WriteOp {
    pub fn key(&self) -> Option<Key> {
        match self {
            WriteOp::Put { item, .. } => Key::of(item),
            WriteOp::Update { key, .. }
            | WriteOp::Delete { key, .. }
            | WriteOp::Check { key, .. } => Some(key.clone()),
        }
    }
    pub fn put(item: Item) -> Self {
        WriteOp::Put {
            item,
            condition: None,
        }
    }
    pub fn put_new(item: Item) -> Self {
        WriteOp::Put {
            item,
            condition: Some(Condition::NotExists),
        }
    }
}

/// Sort-key range of a query.
#[derive(Clone, Debug, PartialEq)]
pub enum SkRange {
    All,
    Eq(String),
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
}

/// A query on the table or one index: one partition, a sort-key range, a direction, a page.
#[derive(Clone, Debug)]
pub struct Query {
    pub index: Option<Index>,
    pub pk: String,
    pub sk: SkRange,
    pub forward: bool,
    pub limit: usize,
    pub cursor: Option<Cursor>,
}

impl Query {
    pub fn table(pk: impl Into<String>) -> Self {
        Self {
            index: None,
            pk: pk.into(),
            sk: SkRange::All,
            forward: true,
            limit: 100,
            cursor: None,
        }
    }
    pub fn index(index: Index, pk: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::table(pk)
        }
    }
    pub fn range(mut self, sk: SkRange) -> Self {
        self.sk = sk;
        self
    }
    pub fn backwards(mut self) -> Self {
        self.forward = false;
        self
    }
    pub fn forward(mut self, forward: bool) -> Self {
        self.forward = forward;
        self
    }
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// Where a query page ended: the key attributes of its last item. Opaque to clients once
/// signed by `http::cursor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub BTreeMap<String, String>);

#[derive(Clone, Debug, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items follow.
    pub cursor: Option<Cursor>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("condition failed")]
    ConditionFailed,
    /// The transaction was cancelled because the conditions of these operations failed.
    #[error("transaction cancelled (failed operations {failed:?})")]
    TransactionCanceled { failed: Vec<usize> },
    /// A concurrent transaction touched the same items; safe to retry.
    #[error("transaction conflict")]
    Conflict,
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("storage backend error: {0}")]
    Backend(String),
}

impl StoreError {
    /// True when a condition (of any operation) failed.
    pub fn is_condition(&self) -> bool {
        matches!(
            self,
            StoreError::ConditionFailed | StoreError::TransactionCanceled { .. }
        )
    }
    /// True when the condition of transaction operation `i` failed.
    pub fn failed_op(&self, i: usize) -> bool {
        matches!(self, StoreError::TransactionCanceled { failed } if failed.contains(&i))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The DynamoDB action behind one write, as IAM names it: each operation of a transaction is
/// authorised as the single-item action it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WriteAction {
    PutItem,
    UpdateItem,
    DeleteItem,
    ConditionCheckItem,
}

impl WriteAction {
    /// The IAM action name (`dynamodb:PutItem`, ...).
    pub fn iam_action(self) -> &'static str {
        match self {
            WriteAction::PutItem => "dynamodb:PutItem",
            WriteAction::UpdateItem => "dynamodb:UpdateItem",
            WriteAction::DeleteItem => "dynamodb:DeleteItem",
            WriteAction::ConditionCheckItem => "dynamodb:ConditionCheckItem",
        }
    }

    fn of(op: &WriteOp) -> Self {
        match op {
            WriteOp::Put { .. } => WriteAction::PutItem,
            WriteOp::Update { .. } => WriteAction::UpdateItem,
            WriteOp::Delete { .. } => WriteAction::DeleteItem,
            WriteOp::Check { .. } => WriteAction::ConditionCheckItem,
        }
    }
}

/// Sees every write (and transaction condition check) before it is sent. The end-to-end
/// tests check each one against the function's IAM policy in `template.yaml`.
pub type WriteObserver = Arc<dyn Fn(WriteAction, &Key) + Send + Sync>;

/// Maximum operations in one transaction (DynamoDB's limit).
pub const MAX_TRANSACTION_OPS: usize = 100;
/// Maximum keys in one batch get before the store splits it.
pub const MAX_BATCH_GET: usize = 100;

#[derive(Clone)]
enum Backend {
    #[cfg(feature = "dynamo")]
    Dynamo(DynamoBackend),
    #[cfg(feature = "embedded")]
    Embedded(EmbeddedBackend),
}

/// The store handle every function uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    round_trips: Arc<AtomicU64>,
    observer: Option<WriteObserver>,
}

macro_rules! dispatch {
    ($self:ident, $method:ident ( $($arg:expr),* )) => {{
        $self.round_trips.fetch_add(1, Ordering::Relaxed);
        match &$self.backend {
            #[cfg(feature = "dynamo")]
            Backend::Dynamo(b) => b.$method($($arg),*).await,
            #[cfg(feature = "embedded")]
            Backend::Embedded(b) => b.$method($($arg),*).await,
        }
    }};
}

impl Store {
    #[cfg(feature = "dynamo")]
    pub fn dynamo(backend: DynamoBackend) -> Self {
        Self {
            backend: Backend::Dynamo(backend),
            round_trips: Arc::default(),
            observer: None,
        }
    }
    #[cfg(feature = "embedded")]
    pub fn embedded(backend: EmbeddedBackend) -> Self {
        Self {
            backend: Backend::Embedded(backend),
            round_trips: Arc::default(),
            observer: None,
        }
    }
    /// An in-memory embedded store (unit tests, benchmarks).
    #[cfg(feature = "embedded")]
    pub fn memory() -> Self {
        Self::embedded(EmbeddedBackend::memory().expect("in-memory redb"))
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            #[cfg(feature = "dynamo")]
            Backend::Dynamo(_) => "dynamodb",
            #[cfg(feature = "embedded")]
            Backend::Embedded(_) => "embedded",
        }
    }

    /// Calls `observer` with every write made through this handle (and its clones).
    pub fn observe_writes(mut self, observer: WriteObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    fn observe(&self, action: WriteAction, key: &Key) {
        if let Some(o) = &self.observer {
            o(action, key);
        }
    }

    /// Store round trips made through this handle (and its clones) so far.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    pub async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        dispatch!(self, get(key))
    }

    pub async fn put(&self, item: Item, condition: Option<Condition>) -> StoreResult<()> {
        check_item(&item)?;
        if let Some(key) = Key::of(&item) {
            self.observe(WriteAction::PutItem, &key);
        }
        dispatch!(self, put(item, condition))
    }

    /// Applies the updates (creating the item when missing, as DynamoDB does) and returns the
    /// new version of the item.
    pub async fn update(
        &self,
        key: &Key,
        updates: Vec<Update>,
        condition: Option<Condition>,
    ) -> StoreResult<Item> {
        check_updates(&updates)?;
        self.observe(WriteAction::UpdateItem, key);
        dispatch!(self, update(key, updates, condition))
    }

    pub async fn delete(&self, key: &Key, condition: Option<Condition>) -> StoreResult<()> {
        self.observe(WriteAction::DeleteItem, key);
        dispatch!(self, delete(key, condition))
    }

    pub async fn query(&self, query: Query) -> StoreResult<Page> {
        if query.limit == 0 {
            return Err(StoreError::Invalid("query limit must be positive".into()));
        }
        // Normalised here so both backends agree (DynamoDB refuses an empty prefix and an
        // inverted range; an empty prefix matches everything, an inverted range nothing).
        let query = match &query.sk {
            SkRange::BeginsWith(p) if p.is_empty() => query.range(SkRange::All),
            SkRange::Between(a, b) if a > b => return Ok(Page::default()),
            _ => query,
        };
        dispatch!(self, query(query))
    }

    /// One page of every item of the table, in no particular order (both backends page
    /// through the whole table exactly once; exports read it this way). Expired TTL items
    /// are left out, as everywhere. Each page is consistent in itself, not the whole scan.
    pub async fn scan(&self, after: Option<Cursor>, limit: usize) -> StoreResult<Page> {
        if limit == 0 {
            return Err(StoreError::Invalid("scan limit must be positive".into()));
        }
        dispatch!(self, scan(after, limit))
    }

    /// Gets many items in one round trip (up to [`MAX_BATCH_GET`] keys); missing items are
    /// left out. Order follows `keys`.
    pub async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        if keys.len() > MAX_BATCH_GET {
            return Err(StoreError::Invalid(format!(
                "batch get of more than {MAX_BATCH_GET} keys"
            )));
        }
        let found: Vec<Item> = dispatch!(self, batch_get(keys))?;
        let mut by_key: std::collections::HashMap<Key, Item> = found
            .into_iter()
            .filter_map(|i| Key::of(&i).map(|k| (k, i)))
            .collect();
        Ok(keys.iter().filter_map(|k| by_key.remove(k)).collect())
    }

    /// Applies every operation or none.
    pub async fn transact(&self, ops: Vec<WriteOp>) -> StoreResult<()> {
        if ops.is_empty() {
            return Ok(());
        }
        if ops.len() > MAX_TRANSACTION_OPS {
            return Err(StoreError::Invalid(format!(
                "transaction of {} operations (max {MAX_TRANSACTION_OPS})",
                ops.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for op in &ops {
            let key = op
                .key()
                .ok_or_else(|| StoreError::Invalid("item without pk/sk".into()))?;
            if !seen.insert(key.clone()) {
                return Err(StoreError::Invalid(
                    "two operations on one item in a transaction".into(),
                ));
            }
            self.observe(WriteAction::of(op), &key);
            match op {
                WriteOp::Put { item, .. } => check_item(item)?,
                WriteOp::Update { updates, .. } => check_updates(updates)?,
                _ => {}
            }
        }
        dispatch!(self, transact(ops))
    }
}

fn check_item(item: &Item) -> StoreResult<()> {
    if Key::of(item).is_none() {
        return Err(StoreError::Invalid("item without string pk/sk".into()));
    }
    for (_, key_attr) in table::INDEXES.iter().map(|i| (i, i.attributes())) {
        for attr in [key_attr.0, key_attr.1] {
            if let Some(v) = item.get(attr) {
                if !v.is_string() {
                    return Err(StoreError::Invalid(format!(
                        "index key {attr} must be a string"
                    )));
                }
            }
        }
    }
    Ok(())
}

fn check_updates(updates: &[Update]) -> StoreResult<()> {
    for u in updates {
        let attr = match u {
            Update::Set(a, _)
            | Update::SetIfMissing(a, _)
            | Update::Add(a, _)
            | Update::Remove(a) => a,
        };
        if attr == table::PK || attr == table::SK {
            return Err(StoreError::Invalid(
                "the primary key cannot be updated".into(),
            ));
        }
    }
    Ok(())
}

/// Seconds since the epoch, the unit of the TTL attribute.
pub fn epoch_seconds(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

/// True when the item carries a TTL in the past: such items read as absent on both backends
/// (DynamoDB deletes them within days; until then they must not be visible).
pub(crate) fn expired(item: &Item, now: i64) -> bool {
    item.get(table::TTL)
        .and_then(Value::as_i64)
        .is_some_and(|t| t <= now)
}

/// Serialises a value into an item and adds its key.
pub fn to_item<T: Serialize>(key: &Key, value: &T) -> StoreResult<Item> {
    let Value::Object(mut map) =
        serde_json::to_value(value).map_err(|e| StoreError::Invalid(e.to_string()))?
    else {
        return Err(StoreError::Invalid(
            "entity must serialise to an object".into(),
        ));
    };
    map.insert(table::PK.into(), Value::String(key.pk.clone()));
    map.insert(table::SK.into(), Value::String(key.sk.clone()));
    Ok(map)
}

/// Reads an entity back from an item (key and index attributes are ignored).
pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_json::from_value(Value::Object(item))
        .map_err(|e| StoreError::Backend(format!("stored item does not match its type: {e}")))
}

/// The cursor of an item: its primary key plus, for index queries, its index key. The
/// DynamoDB backend builds the same map, so cursors mean the same on both.
pub fn cursor_of(item: &Item, index: Option<Index>) -> Cursor {
    let mut attrs = vec![table::PK, table::SK];
    if let Some(index) = index {
        let (p, s) = index.attributes();
        attrs.extend([p, s]);
    }
    Cursor(
        attrs
            .into_iter()
            .filter_map(|a| Some((a.to_string(), item.get(a)?.as_str()?.to_string())))
            .collect(),
    )
}
