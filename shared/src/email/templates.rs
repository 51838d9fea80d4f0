//! Email templates (rendered in code: plain text and HTML with the same content).

use super::{EmailMessage, html_escape};

fn render(
    to: &str,
    subject: &str,
    greeting: &str,
    paragraphs: &[String],
    link: (&str, &str),
) -> EmailMessage {
    let (label, url) = link;
    let text = format!(
        "{greeting}\n\n{}\n\n{label}: {url}\n",
        paragraphs.join("\n\n")
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p>{}<p><a href=\"{}\">{}</a></p></body></html>",
        html_escape(greeting),
        paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", html_escape(p)))
            .collect::<String>(),
        html_escape(url),
        html_escape(label),
    );
    EmailMessage {
        to: to.into(),
        subject: subject.into(),
        text,
        html,
    }
}

/// Sent when an admin invites someone: a link to choose a password.
pub fn invite(
    to: &str,
    name: &str,
    public_url: &str,
    token: &str,
    valid_hours: i64,
) -> EmailMessage {
    render(
        to,
        "You have been invited to the ERP",
        &format!("Hello {name},"),
        &[
            "An administrator created an account for you. Choose a password to activate it.".into(),
            format!("The link is valid for {valid_hours} hours and can be used once."),
        ],
        (
            "Set your password",
            &format!("{public_url}/set-password?token={token}"),
        ),
    )
}

/// Sent on a password-reset request for an existing account.
pub fn password_reset(
    to: &str,
    name: &str,
    public_url: &str,
    token: &str,
    valid_minutes: i64,
) -> EmailMessage {
    render(
        to,
        "Reset your ERP password",
        &format!("Hello {name},"),
        &[
            "Someone asked to reset the password of your account. If it was not you, ignore this email.".into(),
            format!("The link is valid for {valid_minutes} minutes and can be used once."),
        ],
        ("Reset your password", &format!("{public_url}/reset-password?token={token}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_part_escapes_names() {
        let m = invite("a@b.co", "<script>", "http://x", "tok", 72);
        assert!(m.html.contains("&lt;script&gt;"));
        assert!(m.text.contains("http://x/set-password?token=tok"));
    }

    #[test]
    fn mime_has_both_parts() {
        let m = password_reset("a@b.co", "Dana", "http://x", "tok", 30);
        let raw = String::from_utf8(m.to_mime("erp@example.com", "id@erp")).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain"));
        assert!(raw.contains("text/html"));
    }
}
