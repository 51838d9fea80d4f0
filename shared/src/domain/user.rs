//! Users and their life cycle.

use serde::{Deserialize, Serialize};

use super::Email;
use crate::auth::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Registered, waiting for an admin.
    Pending,
    /// Invited by an admin, has not chosen a password yet.
    Invited,
    Active,
    Rejected,
    Deactivated,
}

impl UserStatus {
    pub const ALL: [UserStatus; 5] = [
        UserStatus::Pending,
        UserStatus::Invited,
        UserStatus::Active,
        UserStatus::Rejected,
        UserStatus::Deactivated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Pending => "pending",
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Rejected => "rejected",
            UserStatus::Deactivated => "deactivated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A user as stored. `password_hash` never leaves the service (see `UserView` in functions).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: Email,
    pub name: String,
    /// Assigned by an admin on approval or invitation; `None` while pending.
    pub role: Option<Role>,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    /// Raised by a password reset or deactivation: refresh tokens of older epochs stop working.
    pub session_epoch: i64,
    /// Two-factor sign-in (TOTP) is on: login asks for a code after the password.
    #[serde(default)]
    pub mfa_enabled: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl User {
    /// True when this user counts toward the active-admin guard.
    pub fn is_active_admin(&self) -> bool {
        self.status == UserStatus::Active && self.role == Some(Role::Admin)
    }

    /// The user with a new password (its hash): every session of the account ends, since
    /// the sessions of an older `session_epoch` stop working.
    pub fn with_password(&self, password_hash: String) -> User {
        let mut after = self.clone();
        after.password_hash = Some(password_hash);
        after.session_epoch += 1;
        after
    }
}

/// Validates a display name: 1 to 100 characters after trimming, no control characters.
pub fn parse_name(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Err("must not be empty");
    }
    if s.chars().count() > 100 {
        return Err("must be at most 100 characters");
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Dana  ").unwrap(), "Dana");
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"x".repeat(101)).is_err());
        assert!(parse_name("a\u{0}b").is_err());
    }

    #[test]
    fn a_new_password_ends_every_session() {
        let user = User {
            id: "u1".into(),
            email: Email::parse("dana@example.com").unwrap(),
            name: "Dana".into(),
            role: Some(Role::Admin),
            status: UserStatus::Active,
            password_hash: Some("old".into()),
            session_epoch: 3,
            mfa_enabled: true,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            version: 7,
        };
        let after = user.with_password("new".into());
        assert_eq!(after.password_hash.as_deref(), Some("new"));
        assert_eq!(after.session_epoch, 4);
        assert_eq!(
            User {
                password_hash: user.password_hash.clone(),
                session_epoch: user.session_epoch,
                ..after
            },
            user,
            "nothing else changes"
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in UserStatus::ALL {
            assert_eq!(UserStatus::parse(s.as_str()), Some(s));
        }
    }
}
