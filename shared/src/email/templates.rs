//! Email templates, rendered in code: a plain-text and an HTML part with the same content,
//! both carrying the company's branding (name, colour, address, footer) and sent from the
//! company's sender address.

use chrono::NaiveDate;

use super::{AttachmentRef, EmailMessage, OneTimeLink, Sender, TOKEN_PLACEHOLDER, html_escape};
use crate::accounts::TokenPurpose;
use crate::domain::Currency;
use crate::domain::company::{CompanySettings, StepPlace};
use crate::domain::money::format_grouped;
use crate::domain::sales::{Invoice, Order, Payment, PaymentMethod};

mod security;
pub use security::{bank_details_changed, mfa_changed, password_changed};

/// The company as its emails show it.
#[derive(Clone, Debug, Default)]
pub struct Brand {
    pub name: Option<String>,
    /// `#RRGGBB`.
    pub colour: String,
    pub address: Vec<String>,
    pub footer: Option<String>,
    pub bank_details: Option<String>,
    pub from: Option<Sender>,
}

impl Brand {
    pub fn of(s: &CompanySettings) -> Self {
        Self {
            name: s.legal_name.clone(),
            colour: s.brand_colour.clone(),
            address: s.address_lines(),
            footer: s.invoice_footer.clone(),
            bank_details: s.bank_details.clone(),
            from: s.email_from.as_ref().map(|e| Sender {
                name: s.legal_name.clone(),
                address: e.as_str().to_string(),
            }),
        }
    }

    fn colour(&self) -> &str {
        if crate::domain::company::parse_colour(&self.colour).is_some() {
            &self.colour
        } else {
            crate::domain::company::DEFAULT_BRAND_COLOUR
        }
    }
}

/// The parts of one email.
struct Content<'a> {
    to: &'a str,
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    /// Label/value rows (number, dates, amounts).
    facts: Vec<(&'static str, String)>,
    /// A preformatted block (payment instructions).
    block: Option<(&'static str, String)>,
    link: Option<(&'static str, String)>,
    attachments: Vec<AttachmentRef>,
}

fn render(brand: &Brand, c: Content<'_>) -> EmailMessage {
    let mut text = format!("{}\n\n", c.greeting);
    for p in &c.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if !c.facts.is_empty() {
        let width = c.facts.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
        for (label, value) in &c.facts {
            text.push_str(&format!("{label:<width$}  {value}\n"));
        }
        text.push('\n');
    }
    if let Some((title, block)) = &c.block {
        text.push_str(&format!("{title}:\n{block}\n\n"));
    }
    if let Some((label, url)) = &c.link {
        text.push_str(&format!("{label}: {url}\n\n"));
    }
    let signature: Vec<String> = brand
        .name
        .iter()
        .cloned()
        .chain(brand.address.iter().cloned())
        .collect();
    if !signature.is_empty() {
        text.push_str("-- \n");
        text.push_str(&signature.join("\n"));
        text.push('\n');
    }
    if let Some(f) = &brand.footer {
        text.push_str(&format!("\n{f}\n"));
    }

    let colour = brand.colour();
    let mut html = format!(
        "<!doctype html><html><body style=\"margin:0;font-family:Helvetica,Arial,sans-serif;color:#222\">\
         <div style=\"background:{colour};color:#fff;padding:16px 24px;font-size:20px;font-weight:bold\">{}</div>\
         <div style=\"padding:24px\"><p>{}</p>",
        html_escape(brand.name.as_deref().unwrap_or(&c.subject)),
        html_escape(&c.greeting),
    );
    for p in &c.paragraphs {
        html.push_str(&format!("<p>{}</p>", html_escape(p)));
    }
    if !c.facts.is_empty() {
        html.push_str("<table style=\"border-collapse:collapse;margin:16px 0\">");
        for (label, value) in &c.facts {
            html.push_str(&format!(
                "<tr><td style=\"padding:4px 16px 4px 0;color:#555\">{}</td><td style=\"padding:4px 0;font-weight:bold\">{}</td></tr>",
                html_escape(label),
                html_escape(value)
            ));
        }
        html.push_str("</table>");
    }
    if let Some((title, block)) = &c.block {
        html.push_str(&format!(
            "<p style=\"margin-bottom:4px;color:{colour};font-weight:bold\">{}</p><pre style=\"font-family:inherit;margin-top:0\">{}</pre>",
            html_escape(title),
            html_escape(block)
        ));
    }
    if let Some((label, url)) = &c.link {
        html.push_str(&format!(
            "<p><a href=\"{}\" style=\"background:{colour};color:#fff;padding:10px 16px;text-decoration:none;border-radius:4px\">{}</a></p>",
            html_escape(url),
            html_escape(label)
        ));
    }
    html.push_str("</div><div style=\"padding:16px 24px;border-top:1px solid #ddd;color:#777;font-size:12px\">");
    html.push_str(
        &signature
            .iter()
            .map(|l| html_escape(l))
            .collect::<Vec<_>>()
            .join("<br>"),
    );
    if let Some(f) = &brand.footer {
        html.push_str(&format!("<p>{}</p>", html_escape(f)));
    }
    html.push_str("</div></body></html>");

    EmailMessage {
        to: c.to.into(),
        subject: c.subject,
        text,
        html,
        from: brand.from.clone(),
        attachments: c.attachments,
        link: None,
    }
}

/// `EUR 1,234.56`.
pub fn money(amount: i64, currency: Currency) -> String {
    format!(
        "{} {}",
        currency.code(),
        format_grouped(amount, currency.minor_units())
    )
}

fn from_company(brand: &Brand) -> String {
    brand
        .name
        .as_ref()
        .map(|n| format!(" from {n}"))
        .unwrap_or_default()
}

/// Sent when an admin invites someone: a link to choose a password (minted when sent).
pub fn invite(
    brand: &Brand,
    to: &str,
    name: &str,
    public_url: &str,
    user_id: &str,
) -> EmailMessage {
    let purpose = TokenPurpose::Invite;
    render(
        brand,
        Content {
            to,
            subject: "You have been invited to the ERP".into(),
            greeting: format!("Hello {name},"),
            paragraphs: vec![
                "An administrator created an account for you. Choose a password to activate it."
                    .into(),
                format!(
                    "The link is valid for {} hours and can be used once.",
                    purpose.ttl_secs() / 3600
                ),
            ],
            facts: Vec::new(),
            block: None,
            link: Some((
                "Set your password",
                format!("{public_url}/set-password?token={TOKEN_PLACEHOLDER}"),
            )),
            attachments: Vec::new(),
        },
    )
    .with_link(OneTimeLink {
        purpose,
        subject: user_id.into(),
    })
}

/// Sent on a password-reset request to the address asked for; the account is looked up and
/// the link minted when the message is sent (nothing is sent when there is no account).
pub fn password_reset(brand: &Brand, to: &str, public_url: &str) -> EmailMessage {
    let purpose = TokenPurpose::PasswordReset;
    render(
        brand,
        Content {
            to,
            subject: "Reset your ERP password".into(),
            greeting: "Hello,".into(),
            paragraphs: vec![
                "Someone asked to reset the password of your account. If it was not you, ignore this email.".into(),
                format!(
                    "The link is valid for {} minutes and can be used once.",
                    purpose.ttl_secs() / 60
                ),
            ],
            facts: Vec::new(),
            block: None,
            link: Some((
                "Reset your password",
                format!("{public_url}/reset-password?token={TOKEN_PLACEHOLDER}"),
            )),
            attachments: Vec::new(),
        },
    )
    .with_link(OneTimeLink {
        purpose,
        subject: to.into(),
    })
}

/// Sent on registration: a link that confirms the address (minted when sent).
pub fn verify_email(
    brand: &Brand,
    to: &str,
    name: &str,
    public_url: &str,
    registration_id: &str,
) -> EmailMessage {
    let purpose = TokenPurpose::VerifyEmail;
    render(
        brand,
        Content {
            to,
            subject: "Confirm your email address".into(),
            greeting: format!("Hello {name},"),
            paragraphs: vec![
                "Someone registered an ERP account with this address. Confirm it so an administrator can review the registration; if it was not you, ignore this email and nothing happens.".into(),
                format!(
                    "The link is valid for {} hours and can be used once.",
                    purpose.ttl_secs() / 3600
                ),
            ],
            facts: Vec::new(),
            block: None,
            link: Some((
                "Confirm your address",
                format!("{public_url}/verify-email?token={TOKEN_PLACEHOLDER}"),
            )),
            attachments: Vec::new(),
        },
    )
    .with_link(OneTimeLink {
        purpose,
        subject: registration_id.into(),
    })
}

/// The short reference of an order (its id is a UUID).
pub fn order_reference(order: &Order) -> String {
    let id = order.id.replace('-', "");
    format!(
        "ORD-{}",
        id[id.len().saturating_sub(8)..].to_ascii_uppercase()
    )
}

/// Sent to the customer when an order is confirmed.
pub fn order_confirmation(brand: &Brand, to: &str, order: &Order) -> EmailMessage {
    const LISTED: usize = 20;
    let reference = order_reference(order);
    let mut lines: Vec<String> = order
        .lines
        .iter()
        .take(LISTED)
        .map(|l| {
            format!(
                "{} x {}: {}",
                l.quantity.normalize(),
                l.description,
                money(l.total, order.currency)
            )
        })
        .collect();
    if order.lines.len() > LISTED {
        lines.push(format!("... and {} more lines", order.lines.len() - LISTED));
    }
    render(
        brand,
        Content {
            to,
            subject: format!("Order confirmation {reference}{}", from_company(brand)),
            greeting: format!("Dear {},", order.customer_name),
            paragraphs: vec!["Thank you for your order. We have confirmed it as follows.".into()],
            facts: vec![
                ("Order", reference),
                (
                    "Date",
                    order.created_at.get(..10).unwrap_or_default().into(),
                ),
                ("Lines", order.lines.len().to_string()),
                (
                    "Net",
                    money(
                        order.totals.subtotal - order.totals.discount,
                        order.currency,
                    ),
                ),
                ("Tax", money(order.totals.tax, order.currency)),
                ("Total", money(order.totals.total, order.currency)),
            ],
            block: Some(("Items", lines.join("\n"))),
            link: None,
            attachments: Vec::new(),
        },
    )
}

/// The invoice's number (its id before it has one).
fn number_of(invoice: &Invoice) -> String {
    invoice.number.clone().unwrap_or_else(|| invoice.id.clone())
}

fn invoice_facts(invoice: &Invoice) -> Vec<(&'static str, String)> {
    let mut facts = vec![("Invoice", number_of(invoice))];
    if let Some(d) = invoice.issue_date {
        facts.push(("Issue date", d.to_string()));
    }
    if let Some(d) = invoice.due_date {
        facts.push(("Due date", d.to_string()));
    }
    facts.push(("Total", money(invoice.totals.total, invoice.currency)));
    if invoice.amount_paid > 0 || invoice.amount_credited > 0 {
        facts.push((
            "Paid and credited",
            money(
                invoice.amount_paid + invoice.amount_credited,
                invoice.currency,
            ),
        ));
    }
    facts.push(("Balance due", money(invoice.balance_due, invoice.currency)));
    facts
}

fn payment_block(brand: &Brand, invoice: &Invoice) -> Option<(&'static str, String)> {
    let details = brand.bank_details.clone()?;
    let reference = invoice.number.as_deref().unwrap_or(&invoice.id);
    Some(("How to pay", format!("{details}\nReference: {reference}")))
}

/// Sent with the invoice PDF attached (`POST /invoices/{id}/send`).
pub fn invoice_sent(brand: &Brand, to: &str, invoice: &Invoice) -> EmailMessage {
    let number = number_of(invoice);
    let what = match invoice.kind {
        crate::domain::sales::InvoiceKind::Invoice => "invoice",
        crate::domain::sales::InvoiceKind::CreditNote => "credit note",
    };
    render(
        brand,
        Content {
            to,
            subject: format!("{} {number}{}", capitalise(what), from_company(brand)),
            greeting: format!("Dear {},", invoice.customer_name),
            paragraphs: vec![format!(
                "Please find attached {what} {number}. A summary follows."
            )],
            facts: invoice_facts(invoice),
            block: payment_block(brand, invoice),
            link: None,
            attachments: vec![AttachmentRef::InvoicePdf {
                invoice_id: invoice.id.clone(),
            }],
        },
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn method(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::BankTransfer => "bank transfer",
        PaymentMethod::Card => "card",
        PaymentMethod::Cash => "cash",
        PaymentMethod::Cheque => "cheque",
        PaymentMethod::Other => "other",
    }
}

/// Sent when a payment is recorded against an invoice.
pub fn payment_receipt(
    brand: &Brand,
    to: &str,
    payment: &Payment,
    invoice: &Invoice,
) -> EmailMessage {
    let number = number_of(invoice);
    let mut facts = vec![
        ("Amount received", money(payment.amount, payment.currency)),
        ("Date", payment.date.to_string()),
        ("Method", method(payment.method).to_string()),
        ("Invoice", number.clone()),
    ];
    if let Some(r) = &payment.reference {
        facts.push(("Reference", r.clone()));
    }
    facts.push(("Balance due", money(invoice.balance_due, invoice.currency)));
    let closing = if invoice.balance_due == 0 {
        "The invoice is now paid in full. Thank you."
    } else {
        "Thank you for your payment."
    };
    render(
        brand,
        Content {
            to,
            subject: format!("Payment received for {number}{}", from_company(brand)),
            greeting: format!("Dear {},", invoice.customer_name),
            paragraphs: vec![
                format!("We have received your payment for invoice {number}."),
                closing.into(),
            ],
            facts,
            block: None,
            link: None,
            attachments: Vec::new(),
        },
    )
}

/// A payment reminder for one step of the schedule, on `today`, with the late fee added by
/// this step if any. The subject and the first line name the step ("Reminder 3 of 5: 7 days
/// overdue"). The invoice PDF is attached.
pub fn reminder(
    brand: &Brand,
    to: &str,
    invoice: &Invoice,
    today: NaiveDate,
    step: &StepPlace,
    late_fee: Option<i64>,
) -> EmailMessage {
    let number = number_of(invoice);
    let due = invoice.due_date.unwrap_or(today);
    let overdue_days = (today - due).num_days();
    let (subject, opening) = match overdue_days {
        d if d < 0 => (
            format!("Reminder: invoice {number} is due on {due}"),
            format!(
                "This is a friendly reminder that invoice {number} is due in {} day{} ({due}).",
                -d,
                if d == -1 { "" } else { "s" }
            ),
        ),
        0 => (
            format!("Invoice {number} is due today"),
            format!("Invoice {number} is due today ({due})."),
        ),
        d => (
            format!(
                "Overdue: invoice {number} is {d} day{} past due",
                if d == 1 { "" } else { "s" }
            ),
            format!(
                "Our records show that invoice {number}, due on {due}, is {d} day{} overdue.",
                if d == 1 { "" } else { "s" }
            ),
        ),
    };
    // Which step of the schedule this is ("Reminder 3 of 5: 7 days overdue").
    let mut paragraphs = vec![format!("{}.", step.label()), opening];
    if let Some(fee) = late_fee {
        paragraphs.push(format!(
            "A late fee of {} has been added to the invoice under our payment terms.",
            money(fee, invoice.currency)
        ));
    }
    paragraphs.push("If you have already paid, thank you, and please ignore this reminder.".into());
    render(
        brand,
        Content {
            to,
            subject: format!(
                "{subject} (reminder {} of {}){}",
                step.number,
                step.of,
                from_company(brand)
            ),
            greeting: format!("Dear {},", invoice.customer_name),
            paragraphs,
            facts: invoice_facts(invoice),
            block: payment_block(brand, invoice),
            link: None,
            attachments: vec![AttachmentRef::InvoicePdf {
                invoice_id: invoice.id.clone(),
            }],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand() -> Brand {
        let mut s = CompanySettings::defaults(chrono_tz::UTC);
        s.legal_name = Some("Acme <Tools> Ltd".into());
        s.brand_colour = "#AA0011".into();
        s.email_from = Some(crate::domain::Email::parse("billing@acme.test").unwrap());
        s.invoice_footer = Some("Registered in England 123".into());
        Brand::of(&s)
    }

    #[test]
    fn html_part_escapes_names_and_carries_the_brand() {
        let m = invite(&brand(), "a@b.co", "<script>", "http://x", "u1");
        assert!(m.html.contains("&lt;script&gt;"));
        assert!(m.html.contains("#AA0011"));
        assert!(m.html.contains("Acme &lt;Tools&gt; Ltd"));
        assert!(
            m.text
                .contains(&format!("http://x/set-password?token={TOKEN_PLACEHOLDER}"))
        );
        assert_eq!(m.link.as_ref().unwrap().subject, "u1");
        assert!(m.text.contains("Registered in England 123"));
        assert_eq!(m.from.as_ref().unwrap().address, "billing@acme.test");
    }

    #[test]
    fn mime_has_both_parts_and_the_company_sender() {
        let m = password_reset(&brand(), "a@b.co", "http://x");
        let raw = String::from_utf8(m.to_mime("erp@example.com", "id@erp", &[]).unwrap()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain"));
        assert!(raw.contains("text/html"));
        assert!(raw.contains("billing@acme.test"));
        assert!(!raw.contains("erp@example.com"));
    }

    #[test]
    fn attachments_make_a_mixed_message() {
        let m = password_reset(&Brand::default(), "a@b.co", "http://x");
        let a = crate::email::Attachment {
            filename: "INV-2026-000001.pdf".into(),
            content_type: "application/pdf".into(),
            data: b"%PDF-1.7 test".to_vec(),
        };
        let raw = String::from_utf8(m.to_mime("erp@example.com", "id@erp", &[a]).unwrap()).unwrap();
        assert!(raw.contains("multipart/mixed"));
        assert!(raw.contains("INV-2026-000001.pdf"));
        assert!(
            raw.contains("erp@example.com"),
            "default sender without a brand"
        );
    }
}
