//! The one place that reads environment variables: everything becomes a typed [`Config`].

use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Embedded,
    Dynamo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailKind {
    /// Write `.eml` files into the data folder.
    File,
    Ses,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Anyone may register; the account stays `pending` until an admin approves it.
    Approval,
    /// Invite only.
    Closed,
}

/// Where a secret (the signing keys, the Salesforce secret) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// A Secrets Manager secret (id or ARN) holding the JSON described in `secrets.rs`.
    SecretsManager(String),
    /// Local mode: the same JSON from an environment variable (`ERP_SECRETS_JSON`,
    /// `ERP_SALESFORCE_SECRET_JSON`).
    Inline(String),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub store: StoreKind,
    /// DynamoDB table name.
    pub table_name: String,
    /// Local data folder (embedded database, `.eml` outbox files).
    pub data_dir: PathBuf,
    pub email: EmailKind,
    /// Sender address of every email.
    pub email_from: String,
    /// Base URL of the single-page app, used in links sent by email.
    pub public_url: String,
    pub registration: RegistrationMode,
    pub secrets: Option<SecretSource>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// The value of the `X-Origin-Verify` header CloudFront adds to the API requests it
    /// forwards (`ERP_ORIGIN_VERIFY`): only a request that carries it may name its
    /// viewer's address (`CloudFront-Viewer-Address`). None: no request may.
    pub origin_verify: Option<String>,
    /// The company's time zone until the company settings set one: business dates (issue,
    /// due, "today") are calendar dates in the settings' time zone.
    pub time_zone: chrono_tz::Tz,
    /// Rounding of line amounts: `half_up` (default) or `half_even`.
    pub rounding: crate::domain::money::Rounding,
    /// The Salesforce organisation (18-character id) allowed to send Outbound Messages.
    pub salesforce_org_id: Option<String>,
    /// The Salesforce secret (`{"webhook_secret": ...}`), separate from the signing keys:
    /// `ERP_SALESFORCE_SECRET_ID` (Secrets Manager) or `ERP_SALESFORCE_SECRET_JSON` (inline).
    /// Without it the Salesforce routes answer 404 `salesforce-not-configured`.
    pub salesforce_secret: Option<SecretSource>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let store = match get("ERP_STORE").as_deref() {
            None | Some("embedded") => StoreKind::Embedded,
            Some("dynamodb") => StoreKind::Dynamo,
            Some(other) => {
                return Err(ConfigError(format!(
                    "ERP_STORE must be embedded or dynamodb, not {other:?}"
                )));
            }
        };
        let email = match get("ERP_EMAIL").as_deref() {
            None | Some("file") => EmailKind::File,
            Some("ses") => EmailKind::Ses,
            Some(other) => {
                return Err(ConfigError(format!(
                    "ERP_EMAIL must be file or ses, not {other:?}"
                )));
            }
        };
        let registration = match get("ERP_REGISTRATION_MODE").as_deref() {
            None | Some("approval") => RegistrationMode::Approval,
            Some("closed") => RegistrationMode::Closed,
            Some(other) => {
                return Err(ConfigError(format!(
                    "ERP_REGISTRATION_MODE must be approval or closed, not {other:?}"
                )));
            }
        };
        let secrets = match (get("ERP_SECRET_ID"), get("ERP_SECRETS_JSON")) {
            (Some(id), _) => Some(SecretSource::SecretsManager(id)),
            (None, Some(json)) => Some(SecretSource::Inline(json)),
            (None, None) => None,
        };
        let salesforce_secret = match (
            get("ERP_SALESFORCE_SECRET_ID"),
            get("ERP_SALESFORCE_SECRET_JSON"),
        ) {
            (Some(id), _) => Some(SecretSource::SecretsManager(id)),
            (None, Some(json)) => Some(SecretSource::Inline(json)),
            (None, None) => None,
        };
        let max_body_bytes = match get("ERP_MAX_BODY_BYTES") {
            None => 1024 * 1024,
            Some(v) => v
                .parse()
                .map_err(|_| ConfigError("ERP_MAX_BODY_BYTES must be a number".into()))?,
        };
        let time_zone = match get("ERP_TIME_ZONE") {
            None => chrono_tz::UTC,
            Some(tz) => tz.parse::<chrono_tz::Tz>().map_err(|_| {
                ConfigError(format!(
                    "ERP_TIME_ZONE must be an IANA time zone, not {tz:?}"
                ))
            })?,
        };
        let rounding = match get("ERP_ROUNDING") {
            None => crate::domain::money::Rounding::default(),
            Some(r) => crate::domain::money::Rounding::parse(&r).ok_or_else(|| {
                ConfigError(format!(
                    "ERP_ROUNDING must be half_up or half_even, not {r:?}"
                ))
            })?,
        };
        Ok(Self {
            salesforce_org_id: get("ERP_SALESFORCE_ORG_ID"),
            salesforce_secret,
            time_zone,
            rounding,
            store,
            table_name: get("ERP_TABLE_NAME").unwrap_or_else(|| "erp".into()),
            data_dir: PathBuf::from(get("ERP_DATA_DIR").unwrap_or_else(|| ".erp-data".into())),
            email,
            email_from: get("ERP_EMAIL_FROM").unwrap_or_else(|| "erp@localhost".into()),
            public_url: get("ERP_PUBLIC_URL")
                .unwrap_or_else(|| "http://127.0.0.1:3000".into())
                .trim_end_matches('/')
                .to_string(),
            registration,
            secrets,
            jwt_issuer: get("ERP_JWT_ISSUER").unwrap_or_else(|| "erp".into()),
            jwt_audience: get("ERP_JWT_AUDIENCE").unwrap_or_else(|| "erp-api".into()),
            max_body_bytes,
            origin_verify: get("ERP_ORIGIN_VERIFY"),
        })
    }
}

/// Settings only the local server reads.
#[derive(Clone, Debug)]
pub struct LocalConfig {
    pub port: u16,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// The built web app served at `/` (`ERP_WEB_DIR`, default `web/dist`); the API alone
    /// when the folder has no `index.html`.
    pub web_dir: PathBuf,
}

impl LocalConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let port = match get("PORT") {
            None => 3000,
            Some(p) => p
                .parse()
                .map_err(|_| ConfigError("PORT must be a port number".into()))?,
        };
        Ok(Self {
            port,
            admin_email: get("ERP_ADMIN_EMAIL"),
            admin_password: get("ERP_ADMIN_PASSWORD"),
            web_dir: PathBuf::from(get("ERP_WEB_DIR").unwrap_or_else(|| "web/dist".into())),
        })
    }
}

/// The CloudWatch namespace of the business metrics (`ERP_METRICS_NAMESPACE`, default
/// `ERP`), on Lambda only (`AWS_LAMBDA_FUNCTION_NAME` is set): elsewhere none is published.
pub fn metrics_namespace() -> Option<String> {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME")?;
    Some(std::env::var("ERP_METRICS_NAMESPACE").unwrap_or_else(|_| "ERP".into()))
}

/// Whether the AWS clients trust the system's root certificates (`ERP_TLS_ROOTS=system`)
/// instead of the Amazon Trust Services roots built in (the default).
pub fn system_tls_roots() -> bool {
    std::env::var("ERP_TLS_ROOTS").is_ok_and(|v| v == "system")
}

/// The log filter (`ERP_LOG`, default `info`).
pub fn log_filter() -> String {
    std::env::var("ERP_LOG").unwrap_or_else(|_| "info".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_local_and_approval() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.store, StoreKind::Embedded);
        assert_eq!(c.email, EmailKind::File);
        assert_eq!(c.registration, RegistrationMode::Approval);
        assert!(c.secrets.is_none());
    }

    #[test]
    fn rejects_unknown_values() {
        assert!(cfg(&[("ERP_STORE", "postgres")]).is_err());
        assert!(cfg(&[("ERP_REGISTRATION_MODE", "open")]).is_err());
        assert!(cfg(&[("ERP_MAX_BODY_BYTES", "lots")]).is_err());
    }

    #[test]
    fn time_zone_and_rounding_are_typed() {
        let c = cfg(&[
            ("ERP_TIME_ZONE", "Pacific/Honolulu"),
            ("ERP_ROUNDING", "half_even"),
        ])
        .unwrap();
        assert_eq!(c.time_zone, chrono_tz::Pacific::Honolulu);
        assert_eq!(c.rounding, crate::domain::money::Rounding::HalfEven);
        assert!(cfg(&[("ERP_TIME_ZONE", "Mars/Olympus")]).is_err());
        assert!(cfg(&[("ERP_ROUNDING", "up")]).is_err());
    }

    #[test]
    fn the_salesforce_secret_is_its_own_setting() {
        let c = cfg(&[("ERP_SECRET_ID", "arn:app")]).unwrap();
        assert_eq!(c.salesforce_secret, None);
        let c = cfg(&[
            ("ERP_SECRET_ID", "arn:app"),
            ("ERP_SALESFORCE_SECRET_ID", "arn:sf"),
        ])
        .unwrap();
        assert_eq!(
            c.salesforce_secret,
            Some(SecretSource::SecretsManager("arn:sf".into()))
        );
        let c = cfg(&[("ERP_SALESFORCE_SECRET_JSON", "{}")]).unwrap();
        assert_eq!(c.salesforce_secret, Some(SecretSource::Inline("{}".into())));
    }

    #[test]
    fn secret_id_wins_over_inline() {
        let c = cfg(&[("ERP_SECRET_ID", "arn:x"), ("ERP_SECRETS_JSON", "{}")]).unwrap();
        assert_eq!(
            c.secrets,
            Some(SecretSource::SecretsManager("arn:x".into()))
        );
    }
}
