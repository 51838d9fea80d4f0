//! Emails about the security of an account: a changed password, two-factor sign-in turned on
//! or off, and (to every admin) changed bank details. They carry no link: a message that
//! says "if it was not you" must not be one a phisher can copy.

use super::{Brand, Content, render};
use crate::email::EmailMessage;

fn notice(
    brand: &Brand,
    to: &str,
    subject: &str,
    greeting: String,
    paragraphs: Vec<String>,
    facts: Vec<(&'static str, String)>,
) -> EmailMessage {
    render(
        brand,
        Content {
            to,
            subject: subject.into(),
            greeting,
            paragraphs,
            facts,
            block: None,
            link: None,
            attachments: Vec::new(),
        },
    )
}

const NOT_YOU: &str = "If it was not you, reset your password at once and tell an administrator.";

/// Sent after a signed-in user changed their password.
pub fn password_changed(
    brand: &Brand,
    to: &str,
    name: &str,
    at: &str,
    ip: Option<&str>,
) -> EmailMessage {
    let mut facts = vec![("When", at.to_string())];
    if let Some(ip) = ip {
        facts.push(("From address", ip.to_string()));
    }
    notice(
        brand,
        to,
        "Your ERP password was changed",
        format!("Hello {name},"),
        vec![
            "The password of your account was just changed. Every other session was signed out."
                .into(),
            NOT_YOU.into(),
        ],
        facts,
    )
}

/// Sent when two-factor sign-in was turned on or off for the account.
pub fn mfa_changed(brand: &Brand, to: &str, name: &str, enabled: bool, at: &str) -> EmailMessage {
    let (subject, paragraph) = if enabled {
        (
            "Two-factor sign-in is on",
            "Two-factor sign-in was turned on for your account: signing in now also asks for a code from your authenticator app. Keep your recovery codes somewhere safe.",
        )
    } else {
        (
            "Two-factor sign-in was turned off",
            "Two-factor sign-in was turned off for your account: signing in now asks only for your password.",
        )
    };
    notice(
        brand,
        to,
        subject,
        format!("Hello {name},"),
        vec![paragraph.into(), NOT_YOU.into()],
        vec![("When", at.to_string())],
    )
}

/// Sent to every active administrator when the company's bank details changed. `old` and
/// `new` are already masked.
pub fn bank_details_changed(
    brand: &Brand,
    to: &str,
    name: &str,
    changed_by: &str,
    at: &str,
    old: &str,
    new: &str,
) -> EmailMessage {
    notice(
        brand,
        to,
        "The company's bank details were changed",
        format!("Hello {name},"),
        vec![
            "The bank details printed on invoices and payment emails were changed. Customers will be asked to pay to the new account.".into(),
            "If this change was not agreed, check the company settings now: changed bank details are a common fraud.".into(),
        ],
        vec![
            ("Changed by", changed_by.to_string()),
            ("When", at.to_string()),
            ("Old account", old.to_string()),
            ("New account", new.to_string()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_notices_name_what_happened_and_carry_no_link() {
        let m = password_changed(
            &Brand::default(),
            "a@b.co",
            "Dana",
            "2026-01-02T03:04:05Z",
            Some("10.0.0.1"),
        );
        assert_eq!(m.subject, "Your ERP password was changed");
        assert!(m.text.contains("2026-01-02T03:04:05Z") && m.text.contains("10.0.0.1"));
        assert!(!m.text.contains("http"));
        let m = bank_details_changed(
            &Brand::default(),
            "a@b.co",
            "Ada",
            "Bob <b@b.co>",
            "now",
            "GB33 **** 5555",
            "DE89 **** 3000",
        );
        assert!(m.text.contains("GB33 **** 5555") && m.text.contains("DE89 **** 3000"));
        assert!(m.html.contains("Bob &lt;b@b.co&gt;"));
        assert!(
            mfa_changed(&Brand::default(), "a@b.co", "Ada", true, "now")
                .subject
                .contains("on")
        );
    }
}
