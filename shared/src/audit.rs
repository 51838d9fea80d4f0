//! The audit trail: who changed what, when, from where. A record is written in the same
//! transaction as the change it describes and is never updated or deleted.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Principal, Role};
use crate::error::Problem;
use crate::http::{ClientIp, RequestId};
use crate::store::{Index, StoreError, WriteOp, keys, to_item};

/// Fields never copied into an audit record (secrets and bookkeeping).
pub const NEVER_RECORDED: &[&str] = &["password_hash", "version", "updated_at", "session_epoch"];

/// Who acts, and the request it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub role: Option<Role>,
    pub request_id: String,
    pub source_ip: Option<String>,
}

impl Actor {
    /// A non-human actor (the Salesforce integration, scheduled jobs).
    pub fn system(name: &str, request_id: &str) -> Self {
        Self {
            id: format!("system:{name}"),
            role: None,
            request_id: request_id.into(),
            source_ip: None,
        }
    }

    /// The same request, acting as a given user (e.g. the user who just logged in).
    pub fn as_user(&self, user_id: &str, role: Option<Role>) -> Self {
        Self {
            id: user_id.into(),
            role,
            ..self.clone()
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let principal = parts.extensions.get::<Principal>().cloned();
        let RequestId(request_id) = RequestId::from_request_parts(parts, state).await?;
        let ClientIp(source_ip) = ClientIp::from_request_parts(parts, state).await?;
        Ok(match principal {
            Some(p) => Actor {
                id: p.user_id,
                role: Some(p.role),
                request_id,
                source_ip,
            },
            None => Actor {
                id: "anonymous".into(),
                role: None,
                request_id,
                source_ip,
            },
        })
    }
}

/// One changed field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub field: String,
    #[schema(value_type = Object)]
    pub old: Value,
    #[schema(value_type = Object)]
    pub new: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor_id: String,
    pub actor_role: Option<Role>,
    /// e.g. `customer.updated`, `user.login_failed`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub request_id: String,
    pub source_ip: Option<String>,
    pub changes: Vec<Change>,
}

/// Field-by-field difference of two versions of an entity (top-level fields), leaving out
/// [`NEVER_RECORDED`]. `None` stands for "did not exist".
pub fn diff<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Vec<Change> {
    let as_map = |v: Option<&T>| -> serde_json::Map<String, Value> {
        match v.map(serde_json::to_value) {
            Some(Ok(Value::Object(m))) => m,
            _ => serde_json::Map::new(),
        }
    };
    let (old, new) = (as_map(before), as_map(after));
    let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter(|f| !NEVER_RECORDED.contains(&f.as_str()))
        .filter_map(|f| {
            let (o, n) = (
                old.get(f).cloned().unwrap_or(Value::Null),
                new.get(f).cloned().unwrap_or(Value::Null),
            );
            (o != n).then(|| Change {
                field: f.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// The write of an audit record (to put in the change's transaction).
pub fn record(
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    changes: Vec<Change>,
) -> Result<WriteOp, StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let at = crate::accounts::now_rfc3339();
    let rec = AuditRecord {
        id: id.clone(),
        at: at.clone(),
        actor_id: actor.id.clone(),
        actor_role: actor.role,
        action: action.into(),
        entity_type: entity_type.into(),
        entity_id: entity_id.into(),
        request_id: actor.request_id.clone(),
        source_ip: actor.source_ip.clone(),
        changes,
    };
    let sk = format!("{at}#{id}");
    let mut item = to_item(&keys::audit(entity_type, entity_id, &sk), &rec)?;
    let (p1, s1) = Index::Gsi1.attributes();
    item.insert(p1.into(), keys::AUDIT_FEED.into());
    item.insert(s1.into(), sk.clone().into());
    let (p2, s2) = Index::Gsi2.attributes();
    item.insert(p2.into(), keys::audit_by_actor(&actor.id).into());
    item.insert(s2.into(), sk.into());
    Ok(WriteOp::put_new(item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_lists_changed_fields_and_never_secrets() {
        let a = json!({"name": "Acme", "email": "a@acme.test", "password_hash": "x", "version": 1});
        let b = json!({"name": "Acme Ltd", "email": "a@acme.test", "password_hash": "y", "version": 2, "phone": "1"});
        let d = diff(Some(&a), Some(&b));
        assert_eq!(
            d,
            vec![
                Change {
                    field: "name".into(),
                    old: json!("Acme"),
                    new: json!("Acme Ltd")
                },
                Change {
                    field: "phone".into(),
                    old: Value::Null,
                    new: json!("1")
                },
            ]
        );
        let created = diff(None, Some(&a));
        assert!(
            created
                .iter()
                .all(|c| c.field != "password_hash" && c.old.is_null())
        );
    }
}
