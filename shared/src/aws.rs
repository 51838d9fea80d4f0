//! The AWS SDK configuration the functions share, built once per cold start.
//!
//! A function on Lambda needs three things from its environment: the region
//! (`AWS_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, which Lambda sets) and, for an emulator,
//! `AWS_ENDPOINT_URL`. [`from_environment`] reads exactly those, with no profile files, no
//! credential chain and no instance metadata, so none of that code runs at start-up or is
//! linked in. Operators' tools, which may use profiles and SSO, load the full chain with
//! [`operator_config`].
//!
//! Every client uses one HTTPS stack: rustls with ring (smaller than aws-lc and without its
//! C build), trusting the Amazon Trust Services roots that every AWS endpoint chains to
//! (`shared/certs`), built into the binary. Reading and parsing the system's store (about 150
//! files on Debian, a 200 KB bundle on Amazon Linux) was most of a function's start-up;
//! `ERP_TLS_ROOTS=system` goes back to it.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode};

use crate::config::ConfigError;

/// The connect timeout `aws-config` sets by default.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// The root certificates of Amazon Trust Services: Amazon Root CA 1 to 4 and the Starfield
/// Services root that cross-signs them.
pub const AWS_ROOTS_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// The HTTPS client of every SDK client (connections are opened on first use).
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    let trust = if crate::config::system_tls_roots() {
        TrustStore::empty().with_native_roots(true)
    } else {
        TrustStore::empty().with_pem_certificate(AWS_ROOTS_PEM)
    };
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context from a trust store");
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

/// The configuration of a function: region, credentials and endpoint from the environment
/// only, with the retries (standard, 3 attempts) and connect timeout `aws-config` defaults to.
pub fn from_environment() -> Result<SdkConfig, ConfigError> {
    from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, ConfigError> {
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or_else(|| ConfigError("AWS_REGION is not set".into()))?;
    let credentials = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        )
        .http_client(http_client());
    if let Some(url) = var("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(url);
    }
    Ok(builder.build())
}

/// The full default chain (environment, profiles, SSO, web identity, container and instance
/// credentials), for commands an operator runs from a laptop or a CI job.
pub async fn operator_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

/// A configuration pointing at an emulator with fixed credentials (tests, benchmarks).
pub fn emulator_config(endpoint: &str, region: &str) -> SdkConfig {
    let credentials =
        aws_credential_types::Credentials::new("testing", "testing", None, None, "emulator");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard())
        .http_client(http_client())
        .endpoint_url(endpoint)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_built_in_roots_are_the_five_amazon_trust_services_certificates() {
        use rustls_pki_types::pem::PemObject;
        let certs: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(AWS_ROOTS_PEM)
            .collect::<Result<_, _>>()
            .expect("every certificate parses");
        assert_eq!(certs.len(), 5);
        let mut roots = rustls::RootCertStore::empty();
        let (valid, invalid) = roots.add_parsable_certificates(certs);
        assert_eq!((valid, invalid), (5, 0));
    }

    #[test]
    fn reads_region_and_endpoint_from_the_environment() {
        let c = from_lookup(lookup(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ]))
        .unwrap();
        assert_eq!(c.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(c.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert_eq!(c.retry_config().map(|r| r.max_attempts()), Some(3));
        assert_eq!(
            c.timeout_config().and_then(|t| t.connect_timeout()),
            Some(CONNECT_TIMEOUT)
        );
        assert!(c.credentials_provider().is_some());
    }

    #[test]
    fn falls_back_to_the_default_region_and_refuses_none() {
        let c = from_lookup(lookup(&[("AWS_DEFAULT_REGION", "us-east-2")])).unwrap();
        assert_eq!(c.region().map(|r| r.as_ref()), Some("us-east-2"));
        assert_eq!(c.endpoint_url(), None);
        let e = from_lookup(lookup(&[])).unwrap_err();
        assert!(e.0.contains("AWS_REGION"), "{e}");
    }
}
