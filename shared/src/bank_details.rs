//! Changing the company's bank details: the classic payment-diversion fraud. A change needs a
//! fresh sign-in of the admin making it ([`crate::auth::reauth`]) and emails every active
//! administrator, with the old and new account masked. Turning the two-factor requirement
//! for administrators off (or on) needs the same fresh sign-in.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::accounts;
use crate::audit::Actor;
use crate::auth::{Role, reauth};
use crate::domain::company::CompanySettings;
use crate::domain::{User, UserStatus};
use crate::email::{outbox, templates};
use crate::error::Problem;
use crate::state::AppState;
use crate::store::{Index, Query, StoreResult, WriteOp, from_item, keys};

/// Most admins notified of one change (one transaction holds at most 100 writes).
pub const MAX_NOTIFIED: usize = 90;

/// The writes a settings change adds to its transaction (the emails to admins), and the
/// outbox ids to deliver once it commits.
#[derive(Default)]
pub struct Notices {
    pub ops: Vec<WriteOp>,
    pub outbox_ids: Vec<String>,
}

/// Checks a settings change made by `actor`: when it changes the bank details or the
/// two-factor requirement, the request must carry a fresh sign-in proof of the actor
/// (403 `reauth-required` otherwise), and a bank-details change emails every active admin.
pub async fn guard(
    state: &AppState,
    headers: &HeaderMap,
    actor: &Actor,
    before: &CompanySettings,
    after: &CompanySettings,
) -> Result<Notices, Problem> {
    let bank_changed = payment_account(before) != payment_account(after);
    let mfa_changed = before.require_mfa_for_admins != after.require_mfa_for_admins;
    if !bank_changed && !mfa_changed {
        return Ok(Notices::default());
    }
    let what = if bank_changed {
        "Changing the bank details"
    } else {
        "Changing the two-factor requirement"
    };
    reauth::check(&state.store, headers, &actor.id, what).await?;
    if !bank_changed {
        return Ok(Notices::default());
    }
    let changed_by = match accounts::get_user(&state.store, &actor.id).await? {
        Some(u) => format!("{} <{}>", u.name, u.email.as_str()),
        None => actor.id.clone(),
    };
    let at = accounts::now_rfc3339();
    let (old, new) = (
        mask(payment_account(before).as_deref()),
        mask(payment_account(after).as_deref()),
    );
    let brand = templates::Brand::of(after);
    let mut notices = Notices::default();
    for admin in active_admins(state).await?.into_iter().take(MAX_NOTIFIED) {
        let message = templates::bank_details_changed(
            &brand,
            admin.email.as_str(),
            &admin.name,
            &changed_by,
            &at,
            &old,
            &new,
        );
        let (id, op) = outbox::enqueue("bank_details_changed", message)?;
        notices.ops.push(op);
        notices.outbox_ids.push(id);
    }
    Ok(notices)
}

fn normalise(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Where customers are told to pay: the printed bank details and the e-invoices' IBAN and
/// BIC (a change of either is a change of the account).
fn payment_account(s: &CompanySettings) -> Option<String> {
    let e = &s.einvoicing;
    let parts: Vec<&str> = [
        normalise(&s.bank_details),
        normalise(&e.iban),
        normalise(&e.bic),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// Every active administrator (one Query per 100 active users).
pub async fn active_admins(state: &AppState) -> StoreResult<Vec<User>> {
    let mut admins = Vec::new();
    let mut cursor = None;
    loop {
        let page = state
            .store
            .query(
                Query::index(
                    Index::Gsi1,
                    keys::users_by_status(UserStatus::Active.as_str()),
                )
                .limit(100)
                .after(cursor),
            )
            .await?;
        for item in page.items {
            if item.get("role").and_then(Value::as_str) == Some(Role::Admin.as_str()) {
                let user: User = from_item(item)?;
                if user.is_active_admin() {
                    admins.push(user);
                }
            }
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(admins),
        }
    }
}

/// Bank details as an email may show them: each IBAN as its country and check digits and
/// its last four characters (`GB33 **** 5555`); without an IBAN, the last four digits of the
/// longest number. Never the whole account.
pub fn mask(details: Option<&str>) -> String {
    let Some(text) = details.map(str::trim).filter(|t| !t.is_empty()) else {
        return "(none)".into();
    };
    let ibans = find_ibans(text);
    if !ibans.is_empty() {
        return ibans
            .iter()
            .map(|iban| format!("{} **** {}", &iban[..4], &iban[iban.len() - 4..]))
            .collect::<Vec<_>>()
            .join(", ");
    }
    let longest = text
        .split(|c: char| !(c.is_ascii_digit() || c == ' ' || c == '-'))
        .map(|run| run.chars().filter(char::is_ascii_digit).collect::<String>())
        .max_by_key(String::len)
        .unwrap_or_default();
    if longest.len() >= 6 {
        format!("account ending in {}", &longest[longest.len() - 4..])
    } else {
        "(no account number found)".into()
    }
}

/// IBAN-shaped runs of the text (2 letters, 2 digits, then letters and digits, 15 to 34 in
/// all; single spaces inside allowed), uppercased without spaces.
fn find_ibans(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 4 <= chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let head = chars[i].is_ascii_alphabetic()
            && chars[i + 1].is_ascii_alphabetic()
            && chars[i + 2].is_ascii_digit()
            && chars[i + 3].is_ascii_digit();
        if !(starts_word && head) {
            i += 1;
            continue;
        }
        let mut compact = String::new();
        let mut j = i;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_alphanumeric() {
                compact.push(c.to_ascii_uppercase());
                j += 1;
            } else if c == ' ' && j + 1 < chars.len() && chars[j + 1].is_ascii_alphanumeric() {
                j += 1;
            } else {
                break;
            }
            if compact.len() > 34 {
                break;
            }
        }
        if (15..=34).contains(&compact.len()) {
            found.push(compact);
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_users_stored_before_two_factor_existed_still_load() {
        let mut stored = serde_json::to_value(CompanySettings::defaults(chrono_tz::UTC)).unwrap();
        stored
            .as_object_mut()
            .unwrap()
            .remove("require_mfa_for_admins")
            .expect("the flag is stored");
        let loaded: CompanySettings = serde_json::from_value(stored).unwrap();
        assert!(!loaded.require_mfa_for_admins);

        let user = accounts::new_user(
            crate::domain::Email::parse("a@b.co").unwrap(),
            "A".into(),
            None,
            UserStatus::Pending,
            None,
        );
        let mut stored = serde_json::to_value(&user).unwrap();
        stored.as_object_mut().unwrap().remove("mfa_enabled");
        let loaded: User = serde_json::from_value(stored).unwrap();
        assert!(!loaded.mfa_enabled);
    }

    #[test]
    fn ibans_are_masked_to_country_check_digits_and_last_four() {
        assert_eq!(
            mask(Some("Bank: Harbour Bank\nIBAN: GB33BUKB20201555555555")),
            "GB33 **** 5555"
        );
        assert_eq!(
            mask(Some("IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX")),
            "DE89 **** 3000"
        );
        assert_eq!(
            mask(Some("Account 12345678, sort code 20-20-15")),
            "account ending in 5678"
        );
        assert_eq!(mask(Some("Pay by cheque")), "(no account number found)");
        assert_eq!(mask(None), "(none)");
        assert_eq!(mask(Some("   ")), "(none)");
        let masked = mask(Some("GB33BUKB20201555555555"));
        assert!(!masked.contains("BUKB2020155555"));
    }
}
