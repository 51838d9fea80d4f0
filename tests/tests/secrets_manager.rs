//! Signing keys from Secrets Manager (on the emulator): read, cached, rotated without
//! signing anyone out.

use std::time::Duration;

use erp_shared::auth::{Role, TokenService};
use erp_shared::config::SecretSource;
use erp_shared::secrets::Secrets;
use erp_tests::{create_secret, moto_sdk};
use serde_json::json;

fn tokens(secrets: Secrets) -> TokenService {
    TokenService::new(secrets, "erp".into(), "erp-api".into())
}

#[tokio::test]
async fn a_rotated_secret_signs_with_the_new_key_and_still_accepts_the_old_one() {
    let sdk = moto_sdk().await;
    let k1 = "first-signing-key-0123456789abcdefghijkl";
    let k2 = "second-signing-key-0123456789abcdefghijk";
    let name = format!("erp-rotation-{}", uuid::Uuid::new_v4().simple());
    let arn = create_secret(
        &sdk,
        &name,
        &json!({"kid": "k1", "signing_key": k1}).to_string(),
    )
    .await;

    let cached = Secrets::new(SecretSource::SecretsManager(arn.clone()), Some(&sdk));
    let fresh = Secrets::new(SecretSource::SecretsManager(arn.clone()), Some(&sdk))
        .with_cache_ttl(Duration::ZERO);
    let old_token = tokens(fresh.clone())
        .issue("u1", Role::Viewer)
        .await
        .unwrap();
    assert_eq!(cached.signing_keys().await.unwrap().current.kid, "k1");

    aws_sdk_secretsmanager::Client::new(&sdk)
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(json!({"kid": "k2", "signing_key": k2, "previous_kid": "k1", "previous_signing_key": k1}).to_string())
        .send()
        .await
        .unwrap();

    // The cached reader keeps the key it read until its cache expires.
    assert_eq!(cached.signing_keys().await.unwrap().current.kid, "k1");
    // A reader past its cache sees the rotation: new tokens use k2, old ones still verify.
    assert_eq!(fresh.signing_keys().await.unwrap().current.kid, "k2");
    let service = tokens(fresh);
    assert_eq!(service.verify(&old_token).await.unwrap().user_id, "u1");
    let new_token = service.issue("u2", Role::Admin).await.unwrap();
    assert!(new_token.split('.').next().is_some());
    assert_eq!(service.verify(&new_token).await.unwrap().role, Role::Admin);
}

#[tokio::test]
async fn a_missing_secret_is_an_error_not_a_default_key() {
    let sdk = moto_sdk().await;
    let s = Secrets::new(
        SecretSource::SecretsManager("erp-does-not-exist".into()),
        Some(&sdk),
    );
    assert!(s.signing_keys().await.is_err());
}
