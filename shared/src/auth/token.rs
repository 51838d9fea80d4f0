//! Access tokens: short-lived JWTs (HS256 pinned, `kid` header, `iss`/`aud`/`exp` checked)
//! signed with the key from Secrets Manager; the previous key still verifies during rotation.

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use super::Role;
use crate::secrets::{SecretError, Secrets};

/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub role: Role,
}

#[derive(Clone)]
pub struct TokenService {
    secrets: Secrets,
    issuer: String,
    audience: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid token")]
    Invalid,
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl TokenService {
    pub fn new(secrets: Secrets, issuer: String, audience: String) -> Self {
        Self {
            secrets,
            issuer,
            audience,
        }
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Signs an access token for the user.
    pub async fn issue(&self, user_id: &str, role: Role) -> Result<String, TokenError> {
        let keys = self.secrets.signing_keys().await?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + ACCESS_TTL_SECS,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(keys.current.kid.clone());
        encode(
            &header,
            &claims,
            &EncodingKey::from_secret(&keys.current.secret),
        )
        .map_err(|_| TokenError::Invalid)
    }

    /// Verifies a token: known `kid`, HS256 only, signature, `exp`, `iss`, `aud`. A `kid` the
    /// cached keys do not know makes the secret be read again first (rate limited), so
    /// tokens of a key rotated in by another function are accepted at once.
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let keys = self.secrets.signing_keys_for(&kid).await?;
        let key = keys.by_kid(&kid).ok_or(TokenError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let data = decode::<Claims>(token, &DecodingKey::from_secret(&key.secret), &validation)
            .map_err(|_| TokenError::Invalid)?;
        Ok(Principal {
            user_id: data.claims.sub,
            role: data.claims.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{SigningKey, SigningKeys};

    fn key(kid: &str, fill: u8) -> SigningKey {
        SigningKey {
            kid: kid.into(),
            secret: vec![fill; 32],
        }
    }

    fn service(current: SigningKey, previous: Option<SigningKey>) -> TokenService {
        TokenService::new(
            Secrets::fixed(SigningKeys { current, previous }),
            "erp".into(),
            "erp-api".into(),
        )
    }

    #[tokio::test]
    async fn issued_tokens_verify_and_carry_the_role() {
        let s = service(key("k1", 1), None);
        let t = s.issue("u1", Role::Sales).await.unwrap();
        assert_eq!(
            s.verify(&t).await.unwrap(),
            Principal {
                user_id: "u1".into(),
                role: Role::Sales
            }
        );
    }

    #[tokio::test]
    async fn previous_key_still_verifies_after_rotation() {
        let old = service(key("k1", 1), None);
        let t = old.issue("u1", Role::Admin).await.unwrap();
        let rotated = service(key("k2", 2), Some(key("k1", 1)));
        assert!(rotated.verify(&t).await.is_ok());
        let retired = service(key("k3", 3), Some(key("k2", 2)));
        assert!(retired.verify(&t).await.is_err());
    }

    /// A warm function (fresh 5-minute cache) accepts the token of a key rotated in by
    /// another function at once: the unknown `kid` makes it read the secret again (the
    /// rate limit lets it once 30 s have passed since its last read).
    #[tokio::test(start_paused = true)]
    async fn a_token_of_a_key_rotated_in_elsewhere_verifies_at_once() {
        let json = |kid: &str, fill: char, prev: Option<(&str, char)>| {
            let mut v = serde_json::json!({"kid": kid, "signing_key": fill.to_string().repeat(32)});
            if let Some((pk, pf)) = prev {
                v["previous_kid"] = pk.into();
                v["previous_signing_key"] = pf.to_string().repeat(32).into();
            }
            v.to_string()
        };
        let value = std::sync::Arc::new(std::sync::Mutex::new(json("k1", 'a', None)));
        let warm = TokenService::new(
            Secrets::in_memory(value.clone()),
            "erp".into(),
            "erp-api".into(),
        );
        let old = warm.issue("u1", Role::Sales).await.unwrap();
        assert!(warm.verify(&old).await.is_ok());

        *value.lock().unwrap() = json("k2", 'b', Some(("k1", 'a')));
        let elsewhere = TokenService::new(
            Secrets::in_memory(value.clone()),
            "erp".into(),
            "erp-api".into(),
        );
        let new = elsewhere.issue("u2", Role::Admin).await.unwrap();
        tokio::time::advance(crate::secrets::MIN_REFRESH_INTERVAL).await;
        assert_eq!(warm.verify(&new).await.unwrap().user_id, "u2");
        assert_eq!(warm.verify(&old).await.unwrap().user_id, "u1");
        assert_eq!(warm.secrets().fetches(), 2);
    }

    #[tokio::test]
    async fn wrong_audience_issuer_or_tampering_is_refused() {
        let s = service(key("k1", 1), None);
        let t = s.issue("u1", Role::Viewer).await.unwrap();
        let other_aud = TokenService::new(s.secrets.clone(), "erp".into(), "other".into());
        assert!(other_aud.verify(&t).await.is_err());
        let other_iss = TokenService::new(s.secrets.clone(), "evil".into(), "erp-api".into());
        assert!(other_iss.verify(&t).await.is_err());
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged_claims = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            r#"{"sub":"u1","role":"admin","iss":"erp","aud":"erp-api","iat":0,"exp":9999999999}"#,
        );
        parts[1] = &forged_claims;
        assert!(s.verify(&parts.join(".")).await.is_err());
    }

    #[tokio::test]
    async fn unsigned_alg_none_tokens_are_refused() {
        let s = service(key("k1", 1), None);
        let b64 =
            |v: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v);
        let t = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#),
            b64(
                r#"{"sub":"u1","role":"admin","iss":"erp","aud":"erp-api","iat":0,"exp":9999999999}"#
            )
        );
        assert!(s.verify(&t).await.is_err());
    }

    #[tokio::test]
    async fn expired_tokens_are_refused() {
        let s = service(key("k1", 1), None);
        let claims = Claims {
            sub: "u1".into(),
            role: Role::Admin,
            iss: "erp".into(),
            aud: "erp-api".into(),
            iat: 0,
            exp: chrono::Utc::now().timestamp() - 60,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        let t = encode(&header, &claims, &EncodingKey::from_secret(&[1u8; 32])).unwrap();
        assert!(s.verify(&t).await.is_err());
    }
}
