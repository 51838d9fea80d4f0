//! Email: message building (MIME), the senders (SES v2 or `.eml` files) and the outbox.

pub mod outbox;
pub mod templates;

use std::path::PathBuf;

use mail_builder::MessageBuilder;
use serde::{Deserialize, Serialize};

/// A message ready to send: plain text and HTML alternatives, rendered when it is queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Sender (`None`: the deployment's `ERP_EMAIL_FROM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Sender>,
    /// Files rendered when the message is sent (kept small in the outbox item).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
    /// A one-time link minted when the message is sent: the stored text and HTML hold
    /// [`TOKEN_PLACEHOLDER`], never a live token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<OneTimeLink>,
}

/// Stands for the one-time token in a queued message's text and HTML until it is sent.
pub const TOKEN_PLACEHOLDER: &str = "ERP_ONE_TIME_TOKEN";

/// The one-time link of a message, minted at send time (see [`outbox`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeLink {
    pub purpose: crate::accounts::TokenPurpose,
    /// Who it is for: the address (password reset; resolved to its account when sent, so
    /// the request does the same work whether the account exists or not), the user id
    /// (invitation) or the registration id (address verification).
    pub subject: String,
}

impl EmailMessage {
    /// A message of one line of text (and the same as HTML), from the default sender.
    pub fn plain(to: &str, subject: &str, line: &str) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            text: line.into(),
            html: format!("<p>{}</p>", html_escape(line)),
            from: None,
            attachments: Vec::new(),
            link: None,
        }
    }

    /// Queues the message with a one-time link minted when it is sent.
    pub fn with_link(mut self, link: OneTimeLink) -> Self {
        self.link = Some(link);
        self
    }
}

/// The From of a message: the company's name and sender address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    pub name: Option<String>,
    pub address: String,
}

/// A file to attach, named by what it is rather than carried in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AttachmentRef {
    /// The invoice as a PDF, rendered from its state when the message is sent.
    InvoicePdf { invoice_id: String },
    /// The invoice as a UBL e-invoice, written when the message is sent.
    InvoiceUbl { invoice_id: String },
}

/// A rendered attachment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

pub type RenderFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Attachment, String>> + Send>>;

/// Renders attachments. Only functions that can (those built with the PDF renderer) have
/// one; elsewhere a message with attachments is left for the notifier.
pub trait AttachmentSource: Send + Sync {
    fn render(&self, what: &AttachmentRef) -> RenderFuture;
}

impl EmailMessage {
    /// The full MIME message (multipart/alternative, in multipart/mixed with attachments).
    pub fn to_mime(
        &self,
        default_from: &str,
        message_id: &str,
        attachments: &[Attachment],
    ) -> Result<Vec<u8>, SendError> {
        let mut b = MessageBuilder::new();
        b = match &self.from {
            Some(Sender {
                name: Some(n),
                address,
            }) => b.from((n.as_str(), address.as_str())),
            Some(Sender {
                name: None,
                address,
            }) => b.from(address.as_str()),
            None => b.from(default_from),
        };
        b = b
            .to(self.to.as_str())
            .subject(self.subject.as_str())
            .message_id(message_id)
            .text_body(self.text.as_str())
            .html_body(self.html.as_str());
        for a in attachments {
            b = b.attachment(
                a.content_type.as_str(),
                a.filename.as_str(),
                a.data.as_slice(),
            );
        }
        b.write_to_vec()
            .map_err(|e| SendError::Build(e.to_string()))
    }

    /// The sender address SES is asked to send from.
    pub fn from_address<'a>(&'a self, default_from: &'a str) -> &'a str {
        self.from
            .as_ref()
            .map(|s| s.address.as_str())
            .unwrap_or(default_from)
    }
}

/// Why a message was not sent. The `Display` text is for the log (it may name a folder or
/// carry the mail service's answer); [`SendError::reason`] is what may be stored on the
/// message and shown to admins.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message could not be put together (MIME).
    #[error("email not built: {0}")]
    Build(String),
    /// The mail service (SES) refused the message or could not be reached.
    #[error("email not sent: the mail service answered: {0}")]
    Service(String),
    /// The local mail folder (`Mailer::Files`) could not be created or written.
    #[error("email not sent: the local mail folder {} could not be written: {source}", dir.display())]
    Folder {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl SendError {
    /// What failed, in words fit for the stored message (no path, no service answer).
    pub fn reason(&self) -> &'static str {
        match self {
            SendError::Build(_) => "the message could not be built",
            SendError::Service(_) => "the mail service refused or failed the send",
            SendError::Folder { .. } => "the local mail folder could not be written",
        }
    }
}

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    #[cfg(feature = "ses")]
    Ses {
        client: aws_sdk_sesv2::Client,
        from: String,
    },
    /// Writes each message as an `.eml` file into the folder.
    Files { dir: PathBuf, from: String },
    /// A function built without the SES client (one that never sends: customers, products,
    /// audit, dashboard, salesforce). A send fails like a refused one, so a message that
    /// somehow reached it stays in the outbox for the notifier, which has the client.
    Absent,
}

impl Mailer {
    /// The SES mailer, or [`Mailer::Absent`] in a function built without the SES client.
    pub fn ses(sdk: &aws_config::SdkConfig, from: &str) -> Self {
        #[cfg(feature = "ses")]
        {
            Mailer::Ses {
                client: aws_sdk_sesv2::Client::new(sdk),
                from: from.to_owned(),
            }
        }
        #[cfg(not(feature = "ses"))]
        {
            let _ = (sdk, from);
            Mailer::Absent
        }
    }

    /// Sends one message (raw MIME, so attachments go along); `id` identifies it (file name,
    /// Message-ID) so a resend is recognisable.
    pub async fn send(
        &self,
        id: &str,
        msg: &EmailMessage,
        attachments: &[Attachment],
    ) -> Result<(), SendError> {
        match self {
            #[cfg(feature = "ses")]
            Mailer::Ses { client, from } => {
                let raw = msg.to_mime(from, &format!("{id}@erp"), attachments)?;
                let content = aws_sdk_sesv2::types::EmailContent::builder()
                    .raw(
                        aws_sdk_sesv2::types::RawMessage::builder()
                            .data(aws_sdk_sesv2::primitives::Blob::new(raw))
                            .build()
                            .map_err(|e| SendError::Build(e.to_string()))?,
                    )
                    .build();
                client
                    .send_email()
                    .from_email_address(msg.from_address(from))
                    .destination(
                        aws_sdk_sesv2::types::Destination::builder()
                            .to_addresses(&msg.to)
                            .build(),
                    )
                    .content(content)
                    .send()
                    .await
                    .map_err(|e| {
                        SendError::Service(format!(
                            "{}",
                            aws_sdk_sesv2::error::DisplayErrorContext(e)
                        ))
                    })?;
                Ok(())
            }
            Mailer::Files { dir, from } => {
                let raw = msg.to_mime(from, &format!("{id}@erp"), attachments)?;
                let folder = |source| SendError::Folder {
                    dir: dir.clone(),
                    source,
                };
                tokio::fs::create_dir_all(dir).await.map_err(folder)?;
                let tmp = dir.join(format!(".{id}.eml.tmp"));
                let path = dir.join(format!("{id}.eml"));
                tokio::fs::write(&tmp, raw).await.map_err(folder)?;
                tokio::fs::rename(&tmp, &path).await.map_err(folder)?;
                Ok(())
            }
            Mailer::Absent => Err(SendError::Service(
                "this function is built without the SES client".into(),
            )),
        }
    }
}

/// Escapes text for HTML bodies.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unwritable_mail_folder_is_named_in_the_error_but_not_in_its_reason() {
        // A file where the folder should be.
        let blocker = std::env::temp_dir().join(format!("erp-mail-block-{}", uuid::Uuid::new_v4()));
        std::fs::write(&blocker, b"x").unwrap();
        let mailer = Mailer::Files {
            dir: blocker.clone(),
            from: "erp@example.com".into(),
        };
        let msg = EmailMessage::plain("a@b.co", "Hello", "Hello");
        let e = mailer.send("m1", &msg, &[]).await.unwrap_err();
        assert!(matches!(e, SendError::Folder { .. }), "{e:?}");
        let logged = e.to_string();
        assert!(logged.contains(&blocker.display().to_string()), "{logged}");
        assert!(logged.contains("(os error "), "the OS error: {logged}");
        assert_eq!(e.reason(), "the local mail folder could not be written");
        std::fs::remove_file(blocker).ok();
    }
}
