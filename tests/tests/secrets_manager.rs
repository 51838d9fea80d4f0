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

/// After a rotation, a warm function whose 5-minute cache still holds the old keys accepts
/// a token signed with the new key at once: the unknown `kid` makes it read the secret again
/// (once; the rate limit is set to zero here, 30 s by default, see the unit tests).
#[tokio::test]
async fn an_unknown_kid_makes_a_warm_function_reread_the_secret_once() {
    let sdk = moto_sdk().await;
    let k1 = "first-signing-key-0123456789abcdefghijkl";
    let k2 = "second-signing-key-0123456789abcdefghijk";
    let name = format!("erp-kid-miss-{}", uuid::Uuid::new_v4().simple());
    let arn = create_secret(
        &sdk,
        &name,
        &json!({"kid": "k1", "signing_key": k1}).to_string(),
    )
    .await;
    let warm_secrets = Secrets::new(SecretSource::SecretsManager(arn.clone()), Some(&sdk))
        .with_refresh_interval(Duration::ZERO);
    let warm = tokens(warm_secrets.clone());
    let old_token = warm.issue("u1", Role::Viewer).await.unwrap();
    assert_eq!(warm_secrets.fetches(), 1);

    aws_sdk_secretsmanager::Client::new(&sdk)
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(json!({"kid": "k2", "signing_key": k2, "previous_kid": "k1", "previous_signing_key": k1}).to_string())
        .send()
        .await
        .unwrap();
    // The function that signs in users picked up the rotation (e.g. a cold start).
    let signer = tokens(Secrets::new(
        SecretSource::SecretsManager(arn.clone()),
        Some(&sdk),
    ));
    let new_token = signer.issue("u2", Role::Admin).await.unwrap();

    assert_eq!(warm.verify(&new_token).await.unwrap().user_id, "u2");
    assert_eq!(warm_secrets.fetches(), 2, "one reread");
    assert_eq!(warm.verify(&new_token).await.unwrap().user_id, "u2");
    assert_eq!(warm.verify(&old_token).await.unwrap().user_id, "u1");
    assert_eq!(warm_secrets.fetches(), 2, "then cached");
    // New tokens of the warm function use the new key too.
    let from_warm = warm.issue("u3", Role::Sales).await.unwrap();
    assert_eq!(signer.verify(&from_warm).await.unwrap().user_id, "u3");
}
