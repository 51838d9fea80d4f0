//! Application state shared by every handler, built once per cold start.

use std::sync::Arc;

use crate::auth::TokenService;
use crate::config::{Config, EmailKind, SecretSource, StoreKind};
use crate::domain::company::CompanySettings;
use crate::email::outbox::{self, Backoff, Courier};
use crate::email::{AttachmentSource, Mailer};
use crate::secrets::{SalesforceSecret, Secrets};
use crate::settings::SettingsCache;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub tokens: TokenService,
    pub mailer: Mailer,
    /// Renders email attachments (invoice PDFs) in the functions built with the renderer.
    pub attachments: Option<Arc<dyn AttachmentSource>>,
    /// The OpenAPI document served at `/api/v1/openapi.json`.
    pub openapi: Arc<str>,
    /// When a failed email is tried again (the default everywhere; see [`Backoff`]).
    pub email_retry: Backoff,
    /// The Salesforce secret, when the integration is configured (read lazily, by the
    /// `salesforce` function only).
    pub salesforce: Option<SalesforceSecret>,
    settings: SettingsCache,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("storage: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("secrets: {0}")]
    Secrets(String),
}

impl AppState {
    /// Builds the state the configuration asks for. The AWS SDK configuration is loaded once,
    /// and only when a backend needs it.
    pub async fn from_config(config: Config) -> Result<Self, StartupError> {
        let needs_aws = config.store == StoreKind::Dynamo
            || config.email == EmailKind::Ses
            || matches!(config.secrets, Some(SecretSource::SecretsManager(_)))
            || matches!(
                config.salesforce_secret,
                Some(SecretSource::SecretsManager(_))
            );
        let sdk = if needs_aws {
            Some(crate::aws::from_environment()?)
        } else {
            None
        };
        let store = open_store(&config, sdk.as_ref())?;
        let source = config
            .secrets
            .clone()
            .ok_or_else(|| StartupError::Secrets("set ERP_SECRET_ID or ERP_SECRETS_JSON".into()))?;
        let secrets = Secrets::new(source, sdk.as_ref());
        let mailer = match config.email {
            EmailKind::Ses => Mailer::ses(sdk.as_ref().expect("sdk loaded"), &config.email_from),
            EmailKind::File => Mailer::Files {
                dir: config.data_dir.join("outbox"),
                from: config.email_from.clone(),
            },
        };
        let salesforce = config
            .salesforce_secret
            .clone()
            .map(|source| SalesforceSecret::new(source, sdk.as_ref()));
        let mut state = Self::assemble(config, store, secrets, mailer);
        state.salesforce = salesforce;
        Ok(state)
    }

    /// Puts the parts together (tests and benchmarks pass their own store and mailer). A
    /// Salesforce secret in Secrets Manager needs [`Self::with_salesforce_secret`] (an inline
    /// one is taken from the configuration).
    pub fn assemble(config: Config, store: Store, secrets: Secrets, mailer: Mailer) -> Self {
        let salesforce = config
            .salesforce_secret
            .clone()
            .map(|source| SalesforceSecret::new(source, None));
        let tokens = TokenService::new(
            secrets,
            config.jwt_issuer.clone(),
            config.jwt_audience.clone(),
        );
        Self {
            config: Arc::new(config),
            store,
            tokens,
            mailer,
            attachments: None,
            openapi: Arc::from("{}"),
            email_retry: Backoff::default(),
            salesforce,
            settings: SettingsCache::default(),
        }
    }

    /// Sets the Salesforce secret (tests that read it from the emulator).
    pub fn with_salesforce_secret(mut self, secret: SalesforceSecret) -> Self {
        self.salesforce = Some(secret);
        self
    }

    /// Adds the attachment renderer (functions that send invoice PDFs).
    pub fn with_attachments(mut self, source: Arc<dyn AttachmentSource>) -> Self {
        self.attachments = Some(source);
        self
    }

    /// Sets when failed emails are tried again (the local server's tests use seconds).
    pub fn with_email_retry(mut self, retry: Backoff) -> Self {
        self.email_retry = retry;
        self
    }

    /// What delivering email needs.
    pub fn courier(&self) -> Courier {
        Courier {
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            attachments: self.attachments.clone(),
            retry: self.email_retry,
        }
    }

    /// The company settings (cached for [`crate::settings::CACHE_SECONDS`]).
    pub async fn company(&self) -> Result<Arc<CompanySettings>, crate::store::StoreError> {
        self.settings.get(&self.store, self.config.time_zone).await
    }

    /// Forgets the cached settings after this process changed them.
    pub async fn forget_company(&self) {
        self.settings.forget().await;
    }

    /// Today in the company's time zone.
    pub async fn today(&self) -> Result<chrono::NaiveDate, crate::store::StoreError> {
        Ok(crate::settings::today(self.company().await?.tz()))
    }

    /// The company's branding for emails.
    pub async fn brand(&self) -> Result<crate::email::templates::Brand, crate::store::StoreError> {
        Ok(crate::email::templates::Brand::of(&*self.company().await?))
    }

    pub fn with_openapi(mut self, document: impl Into<Arc<str>>) -> Self {
        self.openapi = document.into();
        self
    }

    /// Delivers messages just committed to the outbox, right away, and says how many were
    /// sent. A failure leaves them in the outbox for a later drain: the caller's change is
    /// already safe.
    pub async fn deliver_now(&self, outbox_ids: &[String]) -> usize {
        let courier = self.courier();
        let now = chrono::Utc::now().timestamp();
        let mut sent = 0;
        for id in outbox_ids {
            match outbox::deliver(&courier, id, now).await {
                Ok(outbox::Delivery::Sent) => sent += 1,
                Ok(_) => {}
                Err(e) => tracing::warn!(outbox_id = %id, error = %e, "outbox delivery deferred"),
            }
        }
        sent
    }
}

/// The store the configuration names, if this build has its backend (the functions are built
/// with DynamoDB only; the local server and the tests with both).
fn open_store(config: &Config, sdk: Option<&aws_config::SdkConfig>) -> Result<Store, StartupError> {
    match config.store {
        StoreKind::Dynamo => {
            #[cfg(feature = "dynamo")]
            {
                let sdk = sdk.expect("sdk loaded");
                Ok(Store::dynamo(crate::store::DynamoBackend::new(
                    sdk,
                    &config.table_name,
                )))
            }
            #[cfg(not(feature = "dynamo"))]
            {
                let _ = sdk;
                Err(no_backend("DynamoDB"))
            }
        }
        StoreKind::Embedded => {
            #[cfg(feature = "embedded")]
            {
                std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                    StartupError::Config(crate::config::ConfigError(format!("data folder: {e}")))
                })?;
                let path = config.data_dir.join("erp.redb");
                Ok(Store::embedded(crate::store::EmbeddedBackend::open(&path)?))
            }
            #[cfg(not(feature = "embedded"))]
            {
                Err(no_backend("embedded"))
            }
        }
    }
}

#[cfg(not(all(feature = "dynamo", feature = "embedded")))]
fn no_backend(name: &str) -> StartupError {
    StartupError::Config(crate::config::ConfigError(format!(
        "this build has no {name} store (see the `dynamo` and `embedded` features of erp-shared)"
    )))
}
