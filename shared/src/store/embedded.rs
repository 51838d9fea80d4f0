//! Embedded backend on `redb`: a real transactional database in one file (or in memory), so the
//! local server keeps its data across restarts with no AWS account and no Docker.
//!
//! Layout: table `items` maps `(pk, sk)` to the JSON item; each global secondary index is a
//! table of `(index pk, index sk, pk, sk)` entries. redb serialises write transactions, which
//! gives conditional writes and transactions the same atomicity DynamoDB has.

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableTable, TableDefinition};

use super::{
    Condition, Cursor, Index, Item, Key, Page, Query, SkRange, StoreError, StoreResult, Update,
    WriteOp, cursor_of, eval, expired, table,
};

const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");
const GSI1: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi1");
const GSI2: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi2");
const GSI3: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi3");
const GSI4: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi4");
const GSI5: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi5");

fn index_table(
    index: Index,
) -> TableDefinition<'static, (&'static str, &'static str, &'static str, &'static str), ()> {
    match index {
        Index::Gsi1 => GSI1,
        Index::Gsi2 => GSI2,
        Index::Gsi3 => GSI3,
        Index::Gsi4 => GSI4,
        Index::Gsi5 => GSI5,
    }
}

/// Upper bound for string ranges: greater than any realistic key.
const MAX: &str = "\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}";

#[derive(Clone)]
pub struct EmbeddedBackend {
    db: Arc<Database>,
}

fn backend<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl EmbeddedBackend {
    /// Opens (or creates) the database file.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let db = Database::create(path).map_err(backend)?;
        Self::init(db)
    }

    pub fn memory() -> StoreResult<Self> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(backend)?;
        Self::init(db)
    }

    fn init(db: Database) -> StoreResult<Self> {
        let tx = db.begin_write().map_err(backend)?;
        {
            tx.open_table(ITEMS).map_err(backend)?;
            for index in table::INDEXES {
                tx.open_table(index_table(index)).map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)?;
        Ok(Self { db: Arc::new(db) })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(backend)?
    }

    pub(super) async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        let key = key.clone();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(backend)?;
            let items = tx.open_table(ITEMS).map_err(backend)?;
            let item = read(&items, &key)?;
            Ok(item.filter(|i| !expired(i, now())))
        })
        .await
    }

    pub(super) async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        let keys = keys.to_vec();
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(backend)?;
            let items = tx.open_table(ITEMS).map_err(backend)?;
            let now = now();
            let mut out = Vec::new();
            for key in &keys {
                if let Some(item) = read(&items, key)?.filter(|i| !expired(i, now)) {
                    out.push(item);
                }
            }
            Ok(out)
        })
        .await
    }

    pub(super) async fn put(&self, item: Item, condition: Option<Condition>) -> StoreResult<()> {
        self.write(vec![WriteOp::Put { item, condition }])
            .await
            .map(|_| ())
            .map_err(single)
    }

    pub(super) async fn update(
        &self,
        key: &Key,
        updates: Vec<Update>,
        condition: Option<Condition>,
    ) -> StoreResult<Item> {
        let op = WriteOp::Update {
            key: key.clone(),
            updates,
            condition,
        };
        let mut written = self.write(vec![op]).await.map_err(single)?;
        written
            .pop()
            .flatten()
            .ok_or_else(|| StoreError::Backend("update wrote nothing".into()))
    }

    pub(super) async fn delete(&self, key: &Key, condition: Option<Condition>) -> StoreResult<()> {
        self.write(vec![WriteOp::Delete {
            key: key.clone(),
            condition,
        }])
        .await
        .map(|_| ())
        .map_err(single)
    }

    pub(super) async fn transact(&self, ops: Vec<WriteOp>) -> StoreResult<()> {
        self.write(ops).await.map(|_| ())
    }

    /// Checks every condition, then applies every operation, in one write transaction.
    /// Returns the new version of each written item (`None` for deletes and checks).
    async fn write(&self, ops: Vec<WriteOp>) -> StoreResult<Vec<Option<Item>>> {
        self.blocking(move |db| {
            let tx = db.begin_write().map_err(backend)?;
            let mut results = Vec::with_capacity(ops.len());
            {
                let mut items = tx.open_table(ITEMS).map_err(backend)?;
                // Phase 1: evaluate all conditions against the state before the transaction.
                let mut current = Vec::with_capacity(ops.len());
                let mut failed = Vec::new();
                for (i, op) in ops.iter().enumerate() {
                    let key = op
                        .key()
                        .ok_or_else(|| StoreError::Invalid("item without key".into()))?;
                    let existing = read(&items, &key)?;
                    let condition = match op {
                        WriteOp::Put { condition, .. }
                        | WriteOp::Update { condition, .. }
                        | WriteOp::Delete { condition, .. } => condition.as_ref(),
                        WriteOp::Check { condition, .. } => Some(condition),
                    };
                    if condition.is_some_and(|c| !eval::holds(c, existing.as_ref())) {
                        failed.push(i);
                    }
                    current.push((key, existing));
                }
                if !failed.is_empty() {
                    return Err(StoreError::TransactionCanceled { failed });
                }
                // Phase 2: compute the new items.
                let mut next = Vec::with_capacity(ops.len());
                for (op, (key, existing)) in ops.iter().zip(current.iter()) {
                    let new_item = match op {
                        WriteOp::Put { item, .. } => Some(Some(item.clone())),
                        WriteOp::Update { updates, .. } => {
                            Some(Some(eval::apply(key, existing.clone(), updates)?))
                        }
                        WriteOp::Delete { .. } => Some(None),
                        WriteOp::Check { .. } => None,
                    };
                    next.push(new_item);
                }
                // Phase 3: write items and index entries.
                for ((key, existing), new_item) in current.iter().zip(next) {
                    let Some(new_item) = new_item else {
                        results.push(None);
                        continue;
                    };
                    let mut indexes = Vec::new();
                    for index in table::INDEXES {
                        indexes.push(tx.open_table(index_table(index)).map_err(backend)?);
                    }
                    if let Some(old) = existing {
                        for (index, t) in table::INDEXES.iter().zip(indexes.iter_mut()) {
                            if let Some((ipk, isk)) = index_key(old, *index) {
                                t.remove((ipk, isk, key.pk.as_str(), key.sk.as_str()))
                                    .map_err(backend)?;
                            }
                        }
                    }
                    match &new_item {
                        Some(item) => {
                            let bytes = serde_json::to_vec(item).map_err(backend)?;
                            items
                                .insert((key.pk.as_str(), key.sk.as_str()), bytes.as_slice())
                                .map_err(backend)?;
                            for (index, t) in table::INDEXES.iter().zip(indexes.iter_mut()) {
                                if let Some((ipk, isk)) = index_key(item, *index) {
                                    t.insert((ipk, isk, key.pk.as_str(), key.sk.as_str()), ())
                                        .map_err(backend)?;
                                }
                            }
                        }
                        None => {
                            items
                                .remove((key.pk.as_str(), key.sk.as_str()))
                                .map_err(backend)?;
                        }
                    }
                    results.push(new_item);
                }
            }
            tx.commit().map_err(backend)?;
            Ok(results)
        })
        .await
    }

    pub(super) async fn query(&self, query: Query) -> StoreResult<Page> {
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(backend)?;
            let items = tx.open_table(ITEMS).map_err(backend)?;
            let (lo, hi) = sk_bounds(&query.sk);
            let p = query.pk.as_str();
            // Entries of the partition in query order: (sort key matched, item key, item bytes
            // when the walk already has them).
            let entries: Entries<'_> = match query.index {
                None => {
                    let c = query.cursor.as_ref().map(cursor_table_key).transpose()?;
                    let lower = match (&c, query.forward) {
                        (Some(k), true) => Bound::Excluded((p, k.sk.as_str())),
                        _ => Bound::Included((p, lo.as_str())),
                    };
                    let upper = match (&c, query.forward) {
                        (Some(k), false) => Bound::Excluded((p, k.sk.as_str())),
                        _ => Bound::Included((p, hi.as_str())),
                    };
                    let range = items
                        .range::<(&str, &str)>((lower, upper))
                        .map_err(backend)?;
                    let it = range.map(|e| {
                        let (k, v) = e.map_err(backend)?;
                        let (pk, sk) = k.value();
                        Ok((sk.to_string(), Key::new(pk, sk), Some(v.value().to_vec())))
                    });
                    if query.forward {
                        Box::new(it)
                    } else {
                        Box::new(it.rev())
                    }
                }
                Some(index) => {
                    let t = tx.open_table(index_table(index)).map_err(backend)?;
                    let c = query
                        .cursor
                        .as_ref()
                        .map(|c| cursor_index_key(c, index))
                        .transpose()?;
                    let lower = match (&c, query.forward) {
                        (Some(k), true) => {
                            Bound::Excluded((p, k.1.as_str(), k.2.as_str(), k.3.as_str()))
                        }
                        _ => Bound::Included((p, lo.as_str(), "", "")),
                    };
                    let upper = match (&c, query.forward) {
                        (Some(k), false) => {
                            Bound::Excluded((p, k.1.as_str(), k.2.as_str(), k.3.as_str()))
                        }
                        _ => Bound::Included((p, hi.as_str(), MAX, MAX)),
                    };
                    let range = t
                        .range::<(&str, &str, &str, &str)>((lower, upper))
                        .map_err(backend)?;
                    let it = range.map(|e| {
                        let (k, _) = e.map_err(backend)?;
                        let (_, isk, pk, sk) = k.value();
                        Ok((isk.to_string(), Key::new(pk, sk), None))
                    });
                    if query.forward {
                        Box::new(it)
                    } else {
                        Box::new(it.rev())
                    }
                }
            };
            let now = now();
            let mut out = Vec::new();
            let mut more = false;
            for entry in entries {
                let (sort_key, key, bytes) = entry?;
                if !sk_matches(&query.sk, &sort_key) {
                    continue;
                }
                if out.len() == query.limit {
                    more = true;
                    break;
                }
                let item = match bytes {
                    Some(b) => serde_json::from_slice(&b).map_err(backend)?,
                    None => match read(&items, &key)? {
                        Some(item) => item,
                        None => continue,
                    },
                };
                if !expired(&item, now) {
                    out.push(item);
                }
            }
            let cursor = if more {
                out.last().map(|i| cursor_of(i, query.index))
            } else {
                None
            };
            Ok(Page { items: out, cursor })
        })
        .await
    }

    pub(super) async fn scan(&self, after: Option<Cursor>, limit: usize) -> StoreResult<Page> {
        self.blocking(move |db| {
            let tx = db.begin_read().map_err(backend)?;
            let items = tx.open_table(ITEMS).map_err(backend)?;
            let c = after.as_ref().map(cursor_table_key).transpose()?;
            let lower = match &c {
                Some(k) => Bound::Excluded((k.pk.as_str(), k.sk.as_str())),
                None => Bound::Unbounded,
            };
            let range = items
                .range::<(&str, &str)>((lower, Bound::Unbounded))
                .map_err(backend)?;
            let now = now();
            let mut out = Vec::new();
            let mut more = false;
            for entry in range {
                if out.len() == limit {
                    more = true;
                    break;
                }
                let (_, v) = entry.map_err(backend)?;
                let item: Item = serde_json::from_slice(v.value()).map_err(backend)?;
                if !expired(&item, now) {
                    out.push(item);
                }
            }
            let cursor = if more {
                out.last().map(|i| cursor_of(i, None))
            } else {
                None
            };
            Ok(Page { items: out, cursor })
        })
        .await
    }
}

type Entries<'a> = Box<dyn Iterator<Item = StoreResult<(String, Key, Option<Vec<u8>>)>> + 'a>;

/// Single operations report a failed condition as `ConditionFailed`, as DynamoDB does.
fn single(e: StoreError) -> StoreError {
    match e {
        StoreError::TransactionCanceled { .. } => StoreError::ConditionFailed,
        other => other,
    }
}

fn read(
    items: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: &Key,
) -> StoreResult<Option<Item>> {
    match items
        .get((key.pk.as_str(), key.sk.as_str()))
        .map_err(backend)?
    {
        Some(v) => Ok(Some(serde_json::from_slice(v.value()).map_err(backend)?)),
        None => Ok(None),
    }
}

fn index_key(item: &Item, index: Index) -> Option<(&str, &str)> {
    let (p, s) = index.attributes();
    Some((item.get(p)?.as_str()?, item.get(s)?.as_str()?))
}

fn sk_bounds(range: &SkRange) -> (String, String) {
    match range {
        SkRange::All => (String::new(), MAX.to_string()),
        SkRange::Eq(s) => (s.clone(), s.clone()),
        SkRange::BeginsWith(p) => (p.clone(), format!("{p}{MAX}")),
        SkRange::Between(a, b) => (a.clone(), b.clone()),
    }
}

fn sk_matches(range: &SkRange, sk: &str) -> bool {
    match range {
        SkRange::All => true,
        SkRange::Eq(s) => sk == s,
        SkRange::BeginsWith(p) => sk.starts_with(p.as_str()),
        SkRange::Between(a, b) => a.as_str() <= sk && sk <= b.as_str(),
    }
}

fn cursor_field(c: &Cursor, name: &str) -> StoreResult<String> {
    c.0.get(name)
        .cloned()
        .ok_or_else(|| StoreError::Invalid("cursor does not fit this query".into()))
}

fn cursor_table_key(c: &Cursor) -> StoreResult<Key> {
    Ok(Key::new(
        cursor_field(c, table::PK)?,
        cursor_field(c, table::SK)?,
    ))
}

fn cursor_index_key(c: &Cursor, index: Index) -> StoreResult<(String, String, String, String)> {
    let (p, s) = index.attributes();
    Ok((
        cursor_field(c, p)?,
        cursor_field(c, s)?,
        cursor_field(c, table::PK)?,
        cursor_field(c, table::SK)?,
    ))
}
