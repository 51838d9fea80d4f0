//! Secrets: read from Secrets Manager once and cached in the process (re-read after
//! [`CACHE_TTL`] so a rotation is picked up), or, in local mode, from the environment.
//!
//! Two secrets, each readable only by the functions that need it (see `template.yaml`):
//!
//! - the application secret, the token signing keys:
//!   `{"kid": "k2", "signing_key": "...", "previous_kid": "k1", "previous_signing_key": "..."}`.
//!   `signing_key` signs access tokens. List cursors are signed with a key derived from it
//!   ([`SigningKey::derive`]), never with the signing key itself. The `previous_*` pair is
//!   still accepted while tokens signed before a rotation expire.
//! - the Salesforce secret, read by the `salesforce` function only: `{"webhook_secret": "..."}`.
//!
//! A token whose `kid` the cached keys do not know makes [`Secrets::signing_keys_for`] read
//! the secret again at once (at most once per [`MIN_REFRESH_INTERVAL`]), so a function that
//! read the secret before a rotation accepts the new key's tokens within seconds instead of
//! after its cache expires.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use tokio::sync::RwLock;
// tokio's clock (the std one outside tests), so tests can move time forward.
use tokio::time::Instant;

use crate::config::SecretSource;

pub const CACHE_TTL: Duration = Duration::from_secs(300);
/// Shortest time between two reads of a secret forced by an unknown `kid` (a flood of
/// tokens with made-up `kid`s makes at most one Secrets Manager call per interval).
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// Shortest accepted signing key or webhook secret, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// Label of the key that signs list cursors ([`SigningKey::derive`]).
pub const CURSOR_KEY_LABEL: &str = "erp/v1/cursor";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub secret: Vec<u8>,
}

impl SigningKey {
    /// A key for another purpose, derived from this one: HMAC-SHA256(signing key, label).
    /// HMAC is a pseudo-random function, so the derived key reveals nothing about the signing
    /// key, and keys with different labels are unrelated: a MAC made with one never verifies
    /// with another, nor as a token signature.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(b"erp-derived-key\0");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKeys {
    pub current: SigningKey,
    pub previous: Option<SigningKey>,
}

#[derive(Deserialize)]
struct AppSecretJson {
    kid: String,
    signing_key: String,
    previous_kid: Option<String>,
    previous_signing_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no secret source configured (set ERP_SECRET_ID or ERP_SECRETS_JSON)")]
    NotConfigured,
    #[error("secret is malformed: {0}")]
    Malformed(String),
    #[error("secrets manager: {0}")]
    Fetch(String),
}

impl SigningKeys {
    pub fn parse(json: &str) -> Result<Self, SecretError> {
        let s: AppSecretJson =
            serde_json::from_str(json).map_err(|e| SecretError::Malformed(e.to_string()))?;
        let key = |kid: String, secret: String| -> Result<SigningKey, SecretError> {
            if kid.is_empty() || secret.len() < MIN_KEY_BYTES {
                return Err(SecretError::Malformed(format!(
                    "signing keys need a kid and at least {MIN_KEY_BYTES} bytes"
                )));
            }
            Ok(SigningKey {
                kid,
                secret: secret.into_bytes(),
            })
        };
        let current = key(s.kid, s.signing_key)?;
        let previous = match (s.previous_kid, s.previous_signing_key) {
            (Some(kid), Some(secret)) => Some(key(kid, secret)?),
            _ => None,
        };
        Ok(Self { current, previous })
    }

    /// The key with this `kid`, current or previous.
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.all().find(|k| k.kid == kid)
    }

    /// The current key, then the previous one.
    pub fn all(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }
}

/// The Salesforce secret: `{"webhook_secret": "<at least 32 bytes>"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesforceKeys {
    /// Shared secret of the webhook signatures and of the Outbound Message key.
    pub webhook_secret: Vec<u8>,
}

#[derive(Deserialize)]
struct SalesforceJson {
    webhook_secret: String,
}

impl SalesforceKeys {
    pub fn parse(json: &str) -> Result<Self, SecretError> {
        let s: SalesforceJson =
            serde_json::from_str(json).map_err(|e| SecretError::Malformed(e.to_string()))?;
        if s.webhook_secret.len() < MIN_KEY_BYTES {
            return Err(SecretError::Malformed(format!(
                "webhook_secret needs at least {MIN_KEY_BYTES} bytes"
            )));
        }
        Ok(Self {
            webhook_secret: s.webhook_secret.into_bytes(),
        })
    }
}

/// Where a secret's JSON is read from.
#[derive(Clone)]
enum Origin {
    Config(SecretSource),
    /// A value the test can change (unit tests of rotation).
    #[cfg(test)]
    Memory(Arc<std::sync::Mutex<String>>),
}

struct Cached<T> {
    /// When the cached value was read (it is reused for `ttl`).
    at: Instant,
    /// The last read, successful or not (forced reads wait `min_refresh` after it).
    attempted: Instant,
    value: Arc<T>,
}

impl<T> Cached<T> {
    fn new(value: Arc<T>) -> Self {
        let now = Instant::now();
        Self {
            at: now,
            attempted: now,
            value,
        }
    }
}

/// Reads a secret's string from Secrets Manager, in a build with its client.
#[derive(Clone)]
struct SecretsClient {
    #[cfg(feature = "secrets-manager")]
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsClient {
    fn new(sdk: &aws_config::SdkConfig) -> Self {
        #[cfg(not(feature = "secrets-manager"))]
        let _ = sdk;
        Self {
            #[cfg(feature = "secrets-manager")]
            client: aws_sdk_secretsmanager::Client::new(sdk),
        }
    }

    #[cfg(feature = "secrets-manager")]
    async fn read(&self, id: &str) -> Result<String, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| {
                SecretError::Fetch(format!(
                    "{:?}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                ))
            })?;
        out.secret_string
            .ok_or_else(|| SecretError::Malformed("secret has no string value".into()))
    }

    #[cfg(not(feature = "secrets-manager"))]
    async fn read(&self, _id: &str) -> Result<String, SecretError> {
        Err(SecretError::Fetch(
            "this build has no Secrets Manager client (feature `secrets-manager` of erp-shared)"
                .into(),
        ))
    }
}

/// One secret, read from its source, parsed, and cached for `ttl`.
struct SecretCache<T> {
    origin: Origin,
    client: Option<SecretsClient>,
    parse: fn(&str) -> Result<T, SecretError>,
    cache: Arc<RwLock<Option<Cached<T>>>>,
    ttl: Duration,
    min_refresh: Duration,
    /// Reads of the source so far (cheap; tests and measurements look at it).
    fetches: Arc<AtomicU64>,
}

impl<T> Clone for SecretCache<T> {
    fn clone(&self) -> Self {
        Self {
            origin: self.origin.clone(),
            client: self.client.clone(),
            parse: self.parse,
            cache: self.cache.clone(),
            ttl: self.ttl,
            min_refresh: self.min_refresh,
            fetches: self.fetches.clone(),
        }
    }
}

impl<T> SecretCache<T> {
    fn new(
        source: SecretSource,
        sdk: Option<&aws_config::SdkConfig>,
        parse: fn(&str) -> Result<T, SecretError>,
    ) -> Self {
        let client = match (&source, sdk) {
            (SecretSource::SecretsManager(_), Some(sdk)) => Some(SecretsClient::new(sdk)),
            _ => None,
        };
        Self::with_origin(Origin::Config(source), client, parse)
    }

    fn with_origin(
        origin: Origin,
        client: Option<SecretsClient>,
        parse: fn(&str) -> Result<T, SecretError>,
    ) -> Self {
        Self {
            origin,
            client,
            parse,
            cache: Arc::default(),
            ttl: CACHE_TTL,
            min_refresh: MIN_REFRESH_INTERVAL,
            fetches: Arc::default(),
        }
    }

    async fn fetch(&self) -> Result<Arc<T>, SecretError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let json = match &self.origin {
            Origin::Config(SecretSource::Inline(json)) => json.clone(),
            Origin::Config(SecretSource::SecretsManager(id)) => {
                let client = self.client.as_ref().ok_or(SecretError::NotConfigured)?;
                client.read(id).await?
            }
            #[cfg(test)]
            Origin::Memory(value) => value.lock().expect("secret value").clone(),
        };
        Ok(Arc::new((self.parse)(&json)?))
    }

    /// The cached value, read again once it is older than `ttl`.
    async fn get(&self) -> Result<Arc<T>, SecretError> {
        if let Some(c) = self.cache.read().await.as_ref() {
            if c.at.elapsed() < self.ttl {
                return Ok(c.value.clone());
            }
        }
        let mut cache = self.cache.write().await;
        if let Some(c) = cache.as_ref() {
            if c.at.elapsed() < self.ttl {
                return Ok(c.value.clone());
            }
        }
        let value = self.fetch().await?;
        *cache = Some(Cached::new(value.clone()));
        Ok(value)
    }

    /// Reads the secret again, unless the cached value is `fresh_enough` (another request
    /// refreshed it meanwhile) or the last read was less than `min_refresh` ago. A failed
    /// read keeps the cached value (and counts as a read for the rate limit).
    async fn refresh_unless(
        &self,
        fresh_enough: impl Fn(&T) -> bool,
    ) -> Result<Arc<T>, SecretError> {
        let mut cache = self.cache.write().await;
        let Some(c) = cache.as_mut() else {
            drop(cache);
            return self.get().await;
        };
        if fresh_enough(&c.value) || c.attempted.elapsed() < self.min_refresh {
            return Ok(c.value.clone());
        }
        c.attempted = Instant::now();
        match self.fetch().await {
            Ok(value) => {
                *c = Cached::new(value.clone());
                Ok(value)
            }
            Err(e) => {
                tracing::warn!(error = %e, "forced secret reread failed; keeping the cached value");
                Ok(c.value.clone())
            }
        }
    }
}

/// Reads and caches the application secret (the token signing keys).
#[derive(Clone)]
pub struct Secrets {
    inner: SecretCache<SigningKeys>,
}

impl Secrets {
    pub fn new(source: SecretSource, sdk: Option<&aws_config::SdkConfig>) -> Self {
        Self {
            inner: SecretCache::new(source, sdk, SigningKeys::parse),
        }
    }

    /// Changes how long a read secret is reused (tests of rotation use zero).
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.inner.ttl = ttl;
        self
    }

    /// Changes the shortest time between two reads forced by an unknown `kid`.
    pub fn with_refresh_interval(mut self, interval: Duration) -> Self {
        self.inner.min_refresh = interval;
        self
    }

    /// Fixed keys (tests and benchmarks): never read again.
    pub fn fixed(keys: SigningKeys) -> Self {
        let mut inner = SecretCache::new(
            SecretSource::Inline(String::new()),
            None,
            SigningKeys::parse,
        );
        inner.ttl = Duration::MAX;
        inner.min_refresh = Duration::MAX;
        *inner.cache.try_write().expect("fresh lock") = Some(Cached::new(Arc::new(keys)));
        Self { inner }
    }

    /// Keys read from a value the test changes at will.
    #[cfg(test)]
    pub(crate) fn in_memory(value: Arc<std::sync::Mutex<String>>) -> Self {
        Self {
            inner: SecretCache::with_origin(Origin::Memory(value), None, SigningKeys::parse),
        }
    }

    /// The cached signing keys.
    pub async fn signing_keys(&self) -> Result<Arc<SigningKeys>, SecretError> {
        self.inner.get().await
    }

    /// Signing keys that know `kid` if the secret does: when the cached keys do not, the
    /// secret is read again at once (at most once per [`MIN_REFRESH_INTERVAL`]); the keys
    /// returned may still not know it (a made-up or retired `kid`).
    pub async fn signing_keys_for(&self, kid: &str) -> Result<Arc<SigningKeys>, SecretError> {
        let keys = self.inner.get().await?;
        if keys.by_kid(kid).is_some() {
            return Ok(keys);
        }
        self.inner.refresh_unless(|k| k.by_kid(kid).is_some()).await
    }

    /// How many times the secret was read from its source.
    pub fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }
}

/// Reads and caches the Salesforce secret (the `salesforce` function only).
#[derive(Clone)]
pub struct SalesforceSecret {
    inner: SecretCache<SalesforceKeys>,
}

impl SalesforceSecret {
    pub fn new(source: SecretSource, sdk: Option<&aws_config::SdkConfig>) -> Self {
        Self {
            inner: SecretCache::new(source, sdk, SalesforceKeys::parse),
        }
    }

    pub async fn keys(&self) -> Result<Arc<SalesforceKeys>, SecretError> {
        self.inner.get().await
    }
}

/// A fresh random secret JSON (used by the local server on first start).
pub fn generate_secret_json() -> String {
    let key = crate::auth::random_token(48);
    serde_json::json!({ "kid": format!("local-{}", &key[..8]), "signing_key": key }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    const K1: &str = "first-signing-key-0123456789abcdefghijkl";
    const K2: &str = "second-signing-key-0123456789abcdefghijk";

    #[test]
    fn parses_current_and_previous_keys() {
        let k = SigningKeys::parse(
            r#"{"kid":"k2","signing_key":"0123456789abcdef0123456789abcdef","previous_kid":"k1","previous_signing_key":"fedcba9876543210fedcba9876543210"}"#,
        )
        .unwrap();
        assert_eq!(k.by_kid("k2").unwrap().kid, "k2");
        assert_eq!(k.by_kid("k1").unwrap().kid, "k1");
        assert!(k.by_kid("k0").is_none());
    }

    #[test]
    fn refuses_short_keys() {
        assert!(SigningKeys::parse(r#"{"kid":"k","signing_key":"short"}"#).is_err());
        assert!(SigningKeys::parse("not json").is_err());
        assert!(SalesforceKeys::parse(r#"{"webhook_secret":"short"}"#).is_err());
        assert!(SalesforceKeys::parse(r#"{}"#).is_err());
    }

    #[test]
    fn derived_keys_differ_from_the_signing_key_and_from_each_other() {
        let k = SigningKey {
            kid: "k".into(),
            secret: vec![7; 32],
        };
        let cursor = k.derive(CURSOR_KEY_LABEL);
        assert_ne!(cursor.as_slice(), k.secret.as_slice());
        assert_ne!(cursor, k.derive("erp/v1/other"));
        assert_eq!(cursor, k.derive(CURSOR_KEY_LABEL), "deterministic");
        let other = SigningKey {
            kid: "k".into(),
            secret: vec![8; 32],
        };
        assert_ne!(cursor, other.derive(CURSOR_KEY_LABEL));
    }

    #[tokio::test]
    async fn inline_secret_is_read_once_and_cached() {
        let s = Secrets::new(SecretSource::Inline(generate_secret_json()), None);
        let a = s.signing_keys().await.unwrap();
        let b = s.signing_keys().await.unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(s.fetches(), 1);
    }

    fn secret(kid: &str, key: &str, previous: Option<(&str, &str)>) -> String {
        let mut v = serde_json::json!({"kid": kid, "signing_key": key});
        if let Some((pk, pkey)) = previous {
            v["previous_kid"] = pk.into();
            v["previous_signing_key"] = pkey.into();
        }
        v.to_string()
    }

    /// After a rotation, a warm reader whose cache is still fresh learns the new `kid` from
    /// the first token that carries it: one read, not a 5-minute wait.
    #[tokio::test]
    async fn an_unknown_kid_rereads_the_secret_once() {
        let value = Arc::new(Mutex::new(secret("k1", K1, None)));
        let s = Secrets::in_memory(value.clone()).with_refresh_interval(Duration::ZERO);
        assert_eq!(s.signing_keys().await.unwrap().current.kid, "k1");
        assert_eq!(s.fetches(), 1);

        *value.lock().unwrap() = secret("k2", K2, Some(("k1", K1)));
        // A known kid never rereads; the cache still holds k1 only.
        assert_eq!(s.signing_keys_for("k1").await.unwrap().current.kid, "k1");
        assert_eq!(s.fetches(), 1);
        // The new kid: one reread, and the keys now know it.
        let keys = s.signing_keys_for("k2").await.unwrap();
        assert_eq!(keys.current.kid, "k2");
        assert_eq!(s.fetches(), 2);
        // Cached from now on.
        assert_eq!(s.signing_keys_for("k2").await.unwrap().current.kid, "k2");
        assert_eq!(s.signing_keys().await.unwrap().current.kid, "k2");
        assert_eq!(s.fetches(), 2);
    }

    /// Made-up kids cost at most one read per interval, also when many arrive at once.
    #[tokio::test(start_paused = true)]
    async fn unknown_kid_rereads_are_rate_limited() {
        let value = Arc::new(Mutex::new(secret("k1", K1, None)));
        let s = Secrets::in_memory(value.clone());
        s.signing_keys().await.unwrap();
        assert_eq!(s.fetches(), 1);
        // Within the interval after the first read: no reread at all.
        for i in 0..20 {
            let keys = s.signing_keys_for(&format!("forged-{i}")).await.unwrap();
            assert_eq!(keys.current.kid, "k1");
        }
        assert_eq!(s.fetches(), 1);
        tokio::time::advance(MIN_REFRESH_INTERVAL).await;
        // Past it: 50 concurrent requests with unknown kids make exactly one read.
        let all = futures::future::join_all((0..50).map(|i| {
            let s = s.clone();
            async move { s.signing_keys_for(&format!("forged-{i}")).await }
        }))
        .await;
        assert!(all.iter().all(|r| r.is_ok()));
        assert_eq!(s.fetches(), 2);
        // A real rotation within the interval waits for its end (at most 30 s, not 5 min).
        *value.lock().unwrap() = secret("k2", K2, Some(("k1", K1)));
        tokio::time::advance(MIN_REFRESH_INTERVAL / 2).await;
        assert_eq!(s.signing_keys_for("k2").await.unwrap().current.kid, "k1");
        assert_eq!(s.fetches(), 2);
        tokio::time::advance(MIN_REFRESH_INTERVAL / 2).await;
        assert_eq!(s.signing_keys_for("k2").await.unwrap().current.kid, "k2");
        assert_eq!(s.fetches(), 3);
        // Well before the 5-minute cache lifetime.
        assert!(MIN_REFRESH_INTERVAL * 2 < CACHE_TTL);
    }

    /// A reread that fails keeps the keys already read (and still counts for the limit).
    #[tokio::test]
    async fn a_failed_reread_keeps_the_cached_keys() {
        let value = Arc::new(Mutex::new(secret("k1", K1, None)));
        let s = Secrets::in_memory(value.clone()).with_refresh_interval(Duration::ZERO);
        s.signing_keys().await.unwrap();
        *value.lock().unwrap() = "not json".into();
        assert_eq!(s.signing_keys_for("k9").await.unwrap().current.kid, "k1");
        assert_eq!(s.fetches(), 2);
        assert_eq!(s.signing_keys().await.unwrap().current.kid, "k1");
    }

    #[tokio::test]
    async fn fixed_keys_are_never_reread() {
        let s = Secrets::fixed(SigningKeys::parse(&secret("k1", K1, None)).unwrap());
        assert_eq!(s.signing_keys_for("k2").await.unwrap().current.kid, "k1");
        assert_eq!(s.fetches(), 0);
    }

    #[tokio::test]
    async fn the_salesforce_secret_is_its_own_json() {
        let s = SalesforceSecret::new(
            SecretSource::Inline(r#"{"webhook_secret":"0123456789abcdef0123456789abcdef"}"#.into()),
            None,
        );
        assert_eq!(
            s.keys().await.unwrap().webhook_secret,
            b"0123456789abcdef0123456789abcdef"
        );
        // The signing-key secret is not a Salesforce secret, nor the other way round.
        let app = SalesforceSecret::new(SecretSource::Inline(secret("k1", K1, None)), None);
        assert!(app.keys().await.is_err());
        assert!(
            SigningKeys::parse(r#"{"webhook_secret":"0123456789abcdef0123456789abcdef"}"#).is_err()
        );
    }
}
