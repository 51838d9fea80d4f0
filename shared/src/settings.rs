//! Storage of the company settings and logo, and the in-process cache every function reads
//! them through (see [`crate::state::AppState::company`]).

use base64::Engine;
use serde_json::Value;

use crate::domain::company::{CompanySettings, LogoChange, LogoMeta};
use crate::store::{Condition, Store, StoreResult, WriteOp, from_item, keys, to_item};

/// Today in the company's time zone `tz` (see [`CompanySettings::tz`]).
pub fn today(tz: chrono_tz::Tz) -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// The stored settings, or the defaults (version 0) when none were saved.
pub async fn load(store: &Store, default_tz: chrono_tz::Tz) -> StoreResult<CompanySettings> {
    match store.get(&keys::company_settings()).await? {
        Some(item) => from_item(item),
        None => Ok(CompanySettings::defaults(default_tz)),
    }
}

/// The logo image and what it is, if one is set.
pub async fn load_logo(store: &Store) -> StoreResult<Option<(LogoMeta, Vec<u8>)>> {
    Ok(store.get(&keys::company_logo()).await?.and_then(logo_of))
}

/// The logo in a stored logo item.
pub fn logo_of(item: crate::store::Item) -> Option<(LogoMeta, Vec<u8>)> {
    let data = item
        .get("data")
        .and_then(Value::as_str)
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok());
    let meta = item
        .get("meta")
        .cloned()
        .and_then(|m| serde_json::from_value::<LogoMeta>(m).ok());
    meta.zip(data)
}

/// The writes that replace the settings written at `before_version` with `after` (0: first
/// save), and apply the logo change. The first op is the version-checked settings put.
pub fn save_ops(
    before_version: i64,
    after: &CompanySettings,
    logo: &LogoChange,
) -> StoreResult<Vec<WriteOp>> {
    let condition = if before_version == 0 {
        Condition::NotExists
    } else {
        Condition::version_is(before_version)
    };
    let mut ops = vec![WriteOp::Put {
        item: to_item(&keys::company_settings(), after)?,
        condition: Some(condition),
    }];
    match logo {
        LogoChange::Keep => {}
        LogoChange::Remove => ops.push(WriteOp::Delete {
            key: keys::company_logo(),
            condition: None,
        }),
        LogoChange::Replace(meta, bytes) => ops.push(WriteOp::put(to_item(
            &keys::company_logo(),
            &serde_json::json!({
                "meta": meta,
                "data": base64::engine::general_purpose::STANDARD.encode(bytes),
            }),
        )?)),
    }
    Ok(ops)
}

/// How long a function trusts its cached copy of the settings. A change made through one
/// function reaches the others' warm instances within this time.
pub const CACHE_SECONDS: u64 = 30;

/// A cached copy and when it was read.
type Cached = Option<(std::time::Instant, std::sync::Arc<CompanySettings>)>;

/// Per-process cache of the settings (shared by every clone of the state).
#[derive(Clone, Default)]
pub struct SettingsCache(std::sync::Arc<tokio::sync::RwLock<Cached>>);

impl SettingsCache {
    pub async fn get(
        &self,
        store: &Store,
        default_tz: chrono_tz::Tz,
    ) -> StoreResult<std::sync::Arc<CompanySettings>> {
        if let Some((at, s)) = self.0.read().await.as_ref() {
            if at.elapsed().as_secs() < CACHE_SECONDS {
                return Ok(s.clone());
            }
        }
        let fresh = std::sync::Arc::new(load(store, default_tz).await?);
        *self.0.write().await = Some((std::time::Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// Forgets the cached copy (after this process changed the settings).
    pub async fn forget(&self) {
        *self.0.write().await = None;
    }
}
