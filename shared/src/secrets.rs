//! Secrets: read from Secrets Manager once and cached in the process (re-read after
//! [`CACHE_TTL`] so a rotation is picked up), or, in local mode, from the environment.
//!
//! The application secret is one JSON object:
//! `{"kid": "k2", "signing_key": "...", "previous_kid": "k1", "previous_signing_key": "..."}`.
//! `signing_key` signs access tokens and list cursors; the `previous_*` pair is still accepted
//! while tokens signed before a rotation expire.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::RwLock;

use crate::config::SecretSource;

pub const CACHE_TTL: Duration = Duration::from_secs(300);
/// Shortest accepted signing key, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub secret: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKeys {
    pub current: SigningKey,
    pub previous: Option<SigningKey>,
    /// Shared secret of the Salesforce webhook signatures (`salesforce_webhook_secret`);
    /// without it the Salesforce routes refuse every request.
    pub salesforce_webhook_secret: Option<Vec<u8>>,
}

#[derive(Deserialize)]
struct AppSecretJson {
    kid: String,
    signing_key: String,
    previous_kid: Option<String>,
    previous_signing_key: Option<String>,
    salesforce_webhook_secret: Option<String>,
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
        let salesforce_webhook_secret = match s.salesforce_webhook_secret {
            Some(w) if w.len() < MIN_KEY_BYTES => {
                return Err(SecretError::Malformed(format!(
                    "salesforce_webhook_secret needs at least {MIN_KEY_BYTES} bytes"
                )));
            }
            w => w.map(String::into_bytes),
        };
        Ok(Self {
            current,
            previous,
            salesforce_webhook_secret,
        })
    }

    /// The key with this `kid`, current or previous.
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|k| k.kid == kid)
    }
}

struct Cached {
    at: Instant,
    keys: Arc<SigningKeys>,
}

/// Reads and caches the application secret.
#[derive(Clone)]
pub struct Secrets {
    source: SecretSource,
    client: Option<aws_sdk_secretsmanager::Client>,
    cache: Arc<RwLock<Option<Cached>>>,
    ttl: Duration,
}

impl Secrets {
    pub fn new(source: SecretSource, sdk: Option<&aws_config::SdkConfig>) -> Self {
        let client = match (&source, sdk) {
            (SecretSource::SecretsManager(_), Some(sdk)) => {
                Some(aws_sdk_secretsmanager::Client::new(sdk))
            }
            _ => None,
        };
        Self {
            source,
            client,
            cache: Arc::default(),
            ttl: CACHE_TTL,
        }
    }

    /// Changes how long a read secret is reused (tests of rotation use zero).
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Fixed keys (tests and benchmarks).
    pub fn fixed(keys: SigningKeys) -> Self {
        let s = Self {
            source: SecretSource::Inline(String::new()),
            client: None,
            cache: Arc::default(),
            ttl: Duration::MAX,
        };
        *s.cache.try_write().expect("fresh lock") = Some(Cached {
            at: Instant::now(),
            keys: Arc::new(keys),
        });
        s
    }

    pub async fn signing_keys(&self) -> Result<Arc<SigningKeys>, SecretError> {
        if let Some(c) = self.cache.read().await.as_ref() {
            if c.at.elapsed() < self.ttl {
                return Ok(c.keys.clone());
            }
        }
        let mut cache = self.cache.write().await;
        if let Some(c) = cache.as_ref() {
            if c.at.elapsed() < self.ttl {
                return Ok(c.keys.clone());
            }
        }
        let json = match &self.source {
            SecretSource::Inline(json) => json.clone(),
            SecretSource::SecretsManager(id) => {
                let client = self.client.as_ref().ok_or(SecretError::NotConfigured)?;
                let out = client
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
                    .ok_or_else(|| SecretError::Malformed("secret has no string value".into()))?
            }
        };
        let keys = Arc::new(SigningKeys::parse(&json)?);
        *cache = Some(Cached {
            at: Instant::now(),
            keys: keys.clone(),
        });
        Ok(keys)
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
    }

    #[tokio::test]
    async fn inline_secret_is_read_once_and_cached() {
        let s = Secrets::new(SecretSource::Inline(generate_secret_json()), None);
        let a = s.signing_keys().await.unwrap();
        let b = s.signing_keys().await.unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
