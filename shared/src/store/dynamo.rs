//! DynamoDB backend (`aws-sdk-dynamodb`). Endpoint, region and credentials come from the
//! shared `SdkConfig` (so `AWS_ENDPOINT_URL` points it at an emulator with no code change).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put,
    ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem, Update as DdbUpdate,
};
use serde_json::{Number, Value};

use super::{
    Condition, Cursor, Item, Key, Page, Query, SkRange, StoreError, StoreResult, Update, WriteOp,
    cursor_of, expired, table,
};

#[derive(Clone)]
pub struct DynamoBackend {
    client: Client,
    table: String,
}

/// The `ExclusiveStartKey` a cursor names.
fn start_key(cursor: &Cursor) -> HashMap<String, AttributeValue> {
    cursor
        .0
        .iter()
        .map(|(k, v)| (k.clone(), AttributeValue::S(v.clone())))
        .collect()
}

/// A page of at most `limit` items from `items` (read one over the limit, so that a cursor
/// is returned only when more follow), without the expired ones.
fn page_of(mut items: Vec<Item>, limit: usize, index: Option<super::Index>) -> Page {
    let more = items.len() > limit;
    items.truncate(limit);
    let cursor = if more {
        items.last().map(|i| cursor_of(i, index))
    } else {
        None
    };
    let now = chrono::Utc::now().timestamp();
    items.retain(|i| !expired(i, now));
    Page { items, cursor }
}

/// The SDK's detail stays in the error (for the log); `Problem` never shows it to a client.
fn backend_err<E: std::fmt::Debug>(e: E) -> StoreError {
    StoreError::Backend(format!("dynamodb: {e:?}"))
}

impl DynamoBackend {
    pub fn new(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self {
            client: Client::new(config),
            table: table.into(),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Creates the table from [`table::TABLE`] (tests and local tooling; production tables
    /// come from `template.yaml`).
    pub async fn create_table(&self) -> StoreResult<()> {
        let spec = &table::TABLE;
        let mut attrs = vec![spec.partition_key, spec.sort_key];
        let mut gsis = Vec::new();
        for index in spec.indexes {
            let (p, s) = index.attributes();
            attrs.extend([p, s]);
            gsis.push(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name())
                    .key_schema(key_element(p, KeyType::Hash))
                    .key_schema(key_element(s, KeyType::Range))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(backend_err)?,
            );
        }
        let mut req = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(spec.partition_key, KeyType::Hash))
            .key_schema(key_element(spec.sort_key, KeyType::Range))
            .set_global_secondary_indexes(Some(gsis));
        for a in attrs {
            req = req.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(a)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(backend_err)?,
            );
        }
        req.send().await.map_err(backend_err)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(spec.ttl_attribute)
                    .enabled(true)
                    .build()
                    .map_err(backend_err)?,
            )
            .send()
            .await
            .map_err(backend_err)?;
        Ok(())
    }

    pub(super) async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend_err)?;
        let now = chrono::Utc::now().timestamp();
        Ok(out.item.map(from_map).filter(|i| !expired(i, now)))
    }

    pub(super) async fn put(&self, item: Item, condition: Option<Condition>) -> StoreResult<()> {
        let mut expr = Expr::default();
        let cond = condition.map(|c| expr.condition(&c));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_map(item)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await
            .map_err(single_err)?;
        Ok(())
    }

    pub(super) async fn update(
        &self,
        key: &Key,
        updates: Vec<Update>,
        condition: Option<Condition>,
    ) -> StoreResult<Item> {
        let mut expr = Expr::default();
        let update = expr.update(&updates);
        let cond = condition.map(|c| expr.condition(&c));
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .update_expression(update)
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await
            .map_err(single_err)?;
        Ok(out.attributes.map(from_map).unwrap_or_default())
    }

    pub(super) async fn delete(&self, key: &Key, condition: Option<Condition>) -> StoreResult<()> {
        let mut expr = Expr::default();
        let cond = condition.map(|c| expr.condition(&c));
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await
            .map_err(single_err)?;
        Ok(())
    }

    pub(super) async fn query(&self, query: Query) -> StoreResult<Page> {
        let mut expr = Expr::default();
        let (pk_attr, sk_attr) = match query.index {
            None => (table::PK, table::SK),
            Some(i) => i.attributes(),
        };
        let pk_name = expr.name(pk_attr);
        let pk_value = expr.value(Value::String(query.pk.clone()));
        let mut key_cond = format!("{pk_name} = {pk_value}");
        let sk_name = if query.sk == SkRange::All {
            String::new()
        } else {
            expr.name(sk_attr)
        };
        match &query.sk {
            SkRange::All => {}
            SkRange::Eq(s) => {
                let v = expr.value(Value::String(s.clone()));
                key_cond.push_str(&format!(" AND {sk_name} = {v}"));
            }
            SkRange::BeginsWith(p) => {
                let v = expr.value(Value::String(p.clone()));
                key_cond.push_str(&format!(" AND begins_with({sk_name}, {v})"));
            }
            // DynamoDB refuses empty key values: an empty lower bound is no lower bound.
            SkRange::Between(a, b) if a.is_empty() => {
                let vb = expr.value(Value::String(b.clone()));
                key_cond.push_str(&format!(" AND {sk_name} <= {vb}"));
            }
            SkRange::Between(a, b) => {
                let va = expr.value(Value::String(a.clone()));
                let vb = expr.value(Value::String(b.clone()));
                key_cond.push_str(&format!(" AND {sk_name} BETWEEN {va} AND {vb}"));
            }
        }
        let mut start = query.cursor.as_ref().map(start_key);
        // Ask for one more item than the page so the cursor is only returned when more follow
        // (the embedded backend behaves the same way); keep reading when DynamoDB stops a
        // response early at its 1 MB limit.
        let want = query.limit + 1;
        let mut items: Vec<Item> = Vec::new();
        loop {
            let limit = i32::try_from(want - items.len())
                .map_err(|_| StoreError::Invalid("limit too large".into()))?;
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(query.index.map(|i| i.name().to_string()))
                .key_condition_expression(key_cond.clone())
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .scan_index_forward(query.forward)
                .set_consistent_read(query.index.is_none().then_some(true))
                .limit(limit)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(backend_err)?;
            items.extend(out.items.unwrap_or_default().into_iter().map(from_map));
            start = out.last_evaluated_key;
            if items.len() >= want || start.is_none() {
                break;
            }
        }
        Ok(page_of(items, query.limit, query.index))
    }

    pub(super) async fn scan(&self, after: Option<Cursor>, limit: usize) -> StoreResult<Page> {
        let mut start = after.as_ref().map(start_key);
        // As in `query`: one item more than the page tells whether more follow, and a
        // response cut short at 1 MB is continued.
        let want = limit + 1;
        let mut items: Vec<Item> = Vec::new();
        loop {
            let page_limit = i32::try_from(want - items.len())
                .map_err(|_| StoreError::Invalid("limit too large".into()))?;
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .limit(page_limit)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(backend_err)?;
            items.extend(out.items.unwrap_or_default().into_iter().map(from_map));
            start = out.last_evaluated_key;
            if items.len() >= want || start.is_none() {
                break;
            }
        }
        Ok(page_of(items, limit, None))
    }

    pub(super) async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        let mut pending: Vec<HashMap<String, AttributeValue>> = keys.iter().map(key_map).collect();
        let mut found = Vec::new();
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let ka = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(backend_err)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, ka)
                .send()
                .await
                .map_err(backend_err)?;
            if let Some(mut responses) = out.responses {
                found.extend(
                    responses
                        .remove(&self.table)
                        .unwrap_or_default()
                        .into_iter()
                        .map(from_map),
                );
            }
            if let Some(mut unprocessed) = out.unprocessed_keys {
                if let Some(rest) = unprocessed.remove(&self.table) {
                    pending = rest.keys;
                }
            }
            if !pending.is_empty() {
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Backend(
                        "batch get kept returning unprocessed keys".into(),
                    ));
                }
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt.min(6))).await;
            }
        }
        let now = chrono::Utc::now().timestamp();
        found.retain(|i| !expired(i, now));
        Ok(found)
    }

    pub(super) async fn transact(&self, ops: Vec<WriteOp>) -> StoreResult<()> {
        let mut items = Vec::with_capacity(ops.len());
        for op in ops {
            let mut expr = Expr::default();
            let item = match op {
                WriteOp::Put { item, condition } => {
                    let cond = condition.map(|c| expr.condition(&c));
                    TransactWriteItem::builder().put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_map(item)))
                            .set_condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(backend_err)?,
                    )
                }
                WriteOp::Update {
                    key,
                    updates,
                    condition,
                } => {
                    let update = expr.update(&updates);
                    let cond = condition.map(|c| expr.condition(&c));
                    TransactWriteItem::builder().update(
                        DdbUpdate::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(&key)))
                            .update_expression(update)
                            .set_condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(backend_err)?,
                    )
                }
                WriteOp::Delete { key, condition } => {
                    let cond = condition.map(|c| expr.condition(&c));
                    TransactWriteItem::builder().delete(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(&key)))
                            .set_condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(backend_err)?,
                    )
                }
                WriteOp::Check { key, condition } => {
                    let cond = expr.condition(&condition);
                    TransactWriteItem::builder().condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(&key)))
                            .condition_expression(cond)
                            .set_expression_attribute_names(expr.names())
                            .set_expression_attribute_values(expr.values())
                            .build()
                            .map_err(backend_err)?,
                    )
                }
            };
            items.push(item.build());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => {
                use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
                match e.err() {
                    E::TransactionCanceledException(c) => {
                        let reasons = c.cancellation_reasons();
                        let failed: Vec<usize> = reasons
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                            .map(|(i, _)| i)
                            .collect();
                        if !failed.is_empty() {
                            Err(StoreError::TransactionCanceled { failed })
                        } else if reasons
                            .iter()
                            .any(|r| r.code() == Some("TransactionConflict"))
                        {
                            Err(StoreError::Conflict)
                        } else {
                            Err(backend_err(c))
                        }
                    }
                    other => Err(backend_err(other)),
                }
            }
            Err(e) => Err(backend_err(e)),
        }
    }
}

fn single_err<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    if let SdkError::ServiceError(s) = &e {
        if s.err().code() == Some("ConditionalCheckFailedException") {
            return StoreError::ConditionFailed;
        }
        if s.err().code() == Some("TransactionConflictException") {
            return StoreError::Conflict;
        }
    }
    backend_err(e)
}

fn key_element(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("key schema element")
}

fn key_map(key: &Key) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (table::PK.to_string(), AttributeValue::S(key.pk.clone())),
        (table::SK.to_string(), AttributeValue::S(key.sk.clone())),
    ])
}

fn to_attr(v: Value) -> AttributeValue {
    match v {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s),
        Value::Array(a) => AttributeValue::L(a.into_iter().map(to_attr).collect()),
        Value::Object(m) => {
            AttributeValue::M(m.into_iter().map(|(k, v)| (k, to_attr(v))).collect())
        }
    }
}

fn from_attr(a: AttributeValue) -> Value {
    match a {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(b),
        AttributeValue::N(n) => n
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                n.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or(Value::String(n)),
        AttributeValue::S(s) => Value::String(s),
        AttributeValue::L(l) => Value::Array(l.into_iter().map(from_attr).collect()),
        AttributeValue::M(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, from_attr(v))).collect())
        }
        AttributeValue::Ss(ss) => Value::Array(ss.into_iter().map(Value::String).collect()),
        _ => Value::Null,
    }
}

fn to_map(item: Item) -> HashMap<String, AttributeValue> {
    item.into_iter().map(|(k, v)| (k, to_attr(v))).collect()
}

fn from_map(m: HashMap<String, AttributeValue>) -> Item {
    m.into_iter().map(|(k, v)| (k, from_attr(v))).collect()
}

/// Builds expression strings with `#n`/`:v` placeholders from typed conditions and updates.
#[derive(Default)]
struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn name(&mut self, attr: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| a.as_str() == attr) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), attr.to_string());
        placeholder
    }

    fn value(&mut self, v: Value) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), to_attr(v));
        placeholder
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }

    fn condition(&mut self, c: &Condition) -> String {
        let mut cmp = |a: &str, op: &str, v: &Value| {
            let n = self.name(a);
            let v = self.value(v.clone());
            format!("{n} {op} {v}")
        };
        match c {
            Condition::Exists => {
                let n = self.name(table::PK);
                format!("attribute_exists({n})")
            }
            Condition::NotExists => {
                let n = self.name(table::PK);
                format!("attribute_not_exists({n})")
            }
            Condition::AttrExists(a) => {
                let n = self.name(a);
                format!("attribute_exists({n})")
            }
            Condition::AttrNotExists(a) => {
                let n = self.name(a);
                format!("attribute_not_exists({n})")
            }
            Condition::Eq(a, v) => cmp(a, "=", v),
            Condition::NotEq(a, v) => {
                let n = self.name(a);
                let v = self.value(v.clone());
                format!("(attribute_not_exists({n}) OR {n} <> {v})")
            }
            Condition::Lt(a, v) => cmp(a, "<", v),
            Condition::Le(a, v) => cmp(a, "<=", v),
            Condition::Gt(a, v) => cmp(a, ">", v),
            Condition::Ge(a, v) => cmp(a, ">=", v),
            Condition::And(cs) | Condition::Or(cs) => {
                if cs.is_empty() {
                    // An empty AND holds, an empty OR does not; express both with the key.
                    let n = self.name(table::PK);
                    let holds = matches!(c, Condition::And(_));
                    return if holds {
                        format!("(attribute_exists({n}) OR attribute_not_exists({n}))")
                    } else {
                        format!("(attribute_exists({n}) AND attribute_not_exists({n}))")
                    };
                }
                let joiner = if matches!(c, Condition::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = cs.iter().map(|c| self.condition(c)).collect();
                format!("({})", parts.join(joiner))
            }
        }
    }

    fn update(&mut self, updates: &[Update]) -> String {
        let mut set = Vec::new();
        let mut add = Vec::new();
        let mut remove = Vec::new();
        for u in updates {
            match u {
                Update::Set(a, v) => {
                    let (n, v) = (self.name(a), self.value(v.clone()));
                    set.push(format!("{n} = {v}"));
                }
                Update::SetIfMissing(a, v) => {
                    let (n, v) = (self.name(a), self.value(v.clone()));
                    set.push(format!("{n} = if_not_exists({n}, {v})"));
                }
                Update::Add(a, d) => {
                    let (n, v) = (self.name(a), self.value(Value::from(*d)));
                    add.push(format!("{n} {v}"));
                }
                Update::Remove(a) => remove.push(self.name(a)),
            }
        }
        let mut parts = Vec::new();
        if !set.is_empty() {
            parts.push(format!("SET {}", set.join(", ")));
        }
        if !add.is_empty() {
            parts.push(format!("ADD {}", add.join(", ")));
        }
        if !remove.is_empty() {
            parts.push(format!("REMOVE {}", remove.join(", ")));
        }
        parts.join(" ")
    }
}
