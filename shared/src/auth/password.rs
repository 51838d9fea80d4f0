//! Password hashing (argon2id, OWASP parameters) and the password policy.

use std::sync::OnceLock;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP: argon2id, 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// The most common passwords that meet the length rule (a short deny list; length is the
/// main defence).
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopas",
    "qwerty123456",
    "iloveyou1234",
    "administrator",
    "letmein12345",
    "welcome12345",
    "changeme1234",
    "abcdefghijkl",
    "111111111111",
    "000000000000",
    "aaaaaaaaaaaa",
    "qwertyqwerty",
    "password123!",
    "Password1234",
    "Password123!",
];

fn hasher() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid argon2 parameters"),
    )
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

/// Checks a password against a stored hash. `None` (no such user) still spends the time of
/// a real verification, so unknown emails and wrong passwords take about as long.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not-a-real-password-for-timing"));
    let (phc, real) = match stored {
        Some(s) => (s, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
}

/// [`hash`] on the blocking pool (argon2 takes tens of milliseconds of CPU).
pub async fn hash_async(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("hashing task")
}

/// [`verify`] on the blocking pool.
pub async fn verify_async(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .expect("verify task")
}

/// Why a password is refused; `None` when it is acceptable.
pub fn weakness(password: &str, email: Option<&str>) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Some(format!("must be at least {MIN_LENGTH} characters"));
    }
    if chars > MAX_LENGTH {
        return Some(format!("must be at most {MAX_LENGTH} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.iter().any(|c| c.to_lowercase() == lower) {
        return Some("is too common".into());
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return Some("must use at least 5 different characters".into());
    }
    if let Some(email) = email {
        let local = email.split('@').next().unwrap_or_default().to_lowercase();
        if local.len() >= 4 && lower.contains(&local) {
            return Some("must not contain the email address".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_uses_owasp_argon2id_parameters_and_verifies() {
        let h = hash("correct horse battery staple");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", Some(&h)));
        assert!(!verify("wrong horse battery staple", Some(&h)));
        assert!(!verify("correct horse battery staple", None));
        assert!(!verify("x", Some("not a phc string")));
    }

    #[test]
    fn policy_refuses_weak_passwords() {
        assert!(weakness("short", None).is_some());
        assert!(weakness("password1234", None).is_some());
        assert!(weakness("aaaaaaaaaaaaaaaa", None).is_some());
        assert!(weakness(&"x".repeat(129), None).is_some());
        assert!(weakness("dana.smith-2026!", Some("dana.smith@example.com")).is_some());
        assert!(weakness("violet-otter-harbour", Some("dana@example.com")).is_none());
    }
}
