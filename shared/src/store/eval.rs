//! Condition and update semantics for the embedded backend, matching DynamoDB's.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Condition, Item, Key, StoreError, StoreResult, Update, table};

/// Compares two attribute values the way DynamoDB does: numbers numerically, strings
/// bytewise; `None` for values of different or unordered types.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                Some(x.cmp(&y))
            } else {
                x.as_f64()?.partial_cmp(&y.as_f64()?)
            }
        }
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => compare(a, b) == Some(Ordering::Equal),
        _ => a == b,
    }
}

pub fn holds(condition: &Condition, item: Option<&Item>) -> bool {
    let attr = |name: &str| item.and_then(|i| i.get(name));
    let cmp = |name: &str, v: &Value, ok: fn(Ordering) -> bool| {
        attr(name).and_then(|a| compare(a, v)).is_some_and(ok)
    };
    match condition {
        Condition::Exists => item.is_some(),
        Condition::NotExists => item.is_none(),
        Condition::AttrExists(a) => attr(a).is_some(),
        Condition::AttrNotExists(a) => attr(a).is_none(),
        Condition::Eq(a, v) => attr(a).is_some_and(|x| equal(x, v)),
        Condition::NotEq(a, v) => !attr(a).is_some_and(|x| equal(x, v)),
        Condition::Lt(a, v) => cmp(a, v, Ordering::is_lt),
        Condition::Le(a, v) => cmp(a, v, Ordering::is_le),
        Condition::Gt(a, v) => cmp(a, v, Ordering::is_gt),
        Condition::Ge(a, v) => cmp(a, v, Ordering::is_ge),
        Condition::And(cs) => cs.iter().all(|c| holds(c, item)),
        Condition::Or(cs) => cs.iter().any(|c| holds(c, item)),
    }
}

/// Applies updates to the current item (or a new one with just the key).
pub fn apply(key: &Key, current: Option<Item>, updates: &[Update]) -> StoreResult<Item> {
    let mut item = current.unwrap_or_else(|| {
        let mut i = Item::new();
        i.insert(table::PK.into(), Value::String(key.pk.clone()));
        i.insert(table::SK.into(), Value::String(key.sk.clone()));
        i
    });
    for u in updates {
        match u {
            Update::Set(a, v) => {
                item.insert(a.clone(), v.clone());
            }
            Update::SetIfMissing(a, v) => {
                item.entry(a.clone()).or_insert_with(|| v.clone());
            }
            Update::Add(a, n) => {
                let current = match item.get(a) {
                    None => 0,
                    Some(v) => v.as_i64().ok_or_else(|| {
                        StoreError::Invalid(format!("ADD on non-integer attribute {a}"))
                    })?,
                };
                let next = current
                    .checked_add(*n)
                    .ok_or_else(|| StoreError::Invalid(format!("overflow adding to {a}")))?;
                item.insert(a.clone(), Value::from(next));
            }
            Update::Remove(a) => {
                item.remove(a);
            }
        }
    }
    Ok(item)
}
