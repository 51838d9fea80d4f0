//! Email: message building (MIME), the senders (SES v2 or `.eml` files) and the outbox.

pub mod outbox;
pub mod templates;

use std::path::PathBuf;

use mail_builder::MessageBuilder;
use serde::{Deserialize, Serialize};

/// A message ready to send: plain text and HTML alternatives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl EmailMessage {
    /// The full MIME message (multipart/alternative).
    pub fn to_mime(&self, from: &str, message_id: &str) -> Vec<u8> {
        MessageBuilder::new()
            .from(from)
            .to(self.to.as_str())
            .subject(self.subject.as_str())
            .message_id(message_id)
            .text_body(self.text.as_str())
            .html_body(self.html.as_str())
            .write_to_vec()
            .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("email not sent: {0}")]
pub struct SendError(pub String);

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    Ses {
        client: aws_sdk_sesv2::Client,
        from: String,
    },
    /// Writes each message as an `.eml` file into the folder.
    Files { dir: PathBuf, from: String },
}

impl Mailer {
    /// Sends one message; `id` identifies it (file name, Message-ID) so a resend is recognisable.
    pub async fn send(&self, id: &str, msg: &EmailMessage) -> Result<(), SendError> {
        match self {
            Mailer::Ses { client, from } => {
                let raw = msg.to_mime(from, &format!("{id}@erp"));
                let content = aws_sdk_sesv2::types::EmailContent::builder()
                    .raw(
                        aws_sdk_sesv2::types::RawMessage::builder()
                            .data(aws_sdk_sesv2::primitives::Blob::new(raw))
                            .build()
                            .map_err(|e| SendError(e.to_string()))?,
                    )
                    .build();
                client
                    .send_email()
                    .from_email_address(from)
                    .destination(
                        aws_sdk_sesv2::types::Destination::builder()
                            .to_addresses(&msg.to)
                            .build(),
                    )
                    .content(content)
                    .send()
                    .await
                    .map_err(|e| {
                        SendError(format!("{}", aws_sdk_sesv2::error::DisplayErrorContext(e)))
                    })?;
                Ok(())
            }
            Mailer::Files { dir, from } => {
                let raw = msg.to_mime(from, &format!("{id}@erp"));
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| SendError(e.to_string()))?;
                let tmp = dir.join(format!(".{id}.eml.tmp"));
                let path = dir.join(format!("{id}.eml"));
                tokio::fs::write(&tmp, raw)
                    .await
                    .map_err(|e| SendError(e.to_string()))?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(|e| SendError(e.to_string()))?;
                Ok(())
            }
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
