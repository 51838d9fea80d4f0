//! Salesforce Outbound Messages: SOAP 1.1 envelopes in the namespace
//! `http://soap.sforce.com/2005/09/outbound`, parsed with quick-xml. A `<!DOCTYPE>` is refused
//! and no entity besides the five predefined ones (and character references) is expanded.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use serde_json::{Map, Value};

pub const SOAP_ENV: &[u8] = b"http://schemas.xmlsoap.org/soap/envelope/";
pub const OUTBOUND: &[u8] = b"http://soap.sforce.com/2005/09/outbound";
const XSI: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// Largest accepted message.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Salesforce sends at most 100 notifications per message.
pub const MAX_NOTIFICATIONS: usize = 100;

/// The acknowledgement Salesforce expects, byte for byte.
pub const ACK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#;

/// A SOAP 1.1 fault. `client` faults are the sender's data; others are ours.
pub fn fault(client: bool, message: &str) -> String {
    let code = if client {
        "soapenv:Client"
    } else {
        "soapenv:Server"
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>{code}</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
        quick_xml::escape::escape(message)
    )
}

#[derive(Debug, Default, PartialEq)]
pub struct OutboundMessage {
    pub organization_id: Option<String>,
    pub notifications: Vec<Notification>,
}

#[derive(Debug, Default, PartialEq)]
pub struct Notification {
    /// The notification id (the same on every redelivery).
    pub id: String,
    /// The sObject type without its prefix, e.g. `Account`.
    pub object_type: String,
    /// Fields by API name; text as sent, `null` for `xsi:nil="true"`.
    pub fields: Map<String, Value>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn err<T>(m: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(m.into()))
}

fn is(ns: &ResolveResult, want: &[u8]) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(n)) if *n == want)
}

/// An attribute in the XSI namespace (`xsi:type`, `xsi:nil`).
fn xsi_attr(
    reader: &NsReader<&[u8]>,
    e: &BytesStart,
    local: &[u8],
) -> Result<Option<String>, ParseError> {
    for a in e.attributes() {
        let a = a.map_err(|_| ParseError("malformed attribute".into()))?;
        let (ns, name) = reader.resolve_attribute(a.key);
        if is(&ns, XSI) && name.as_ref() == local {
            let v = a
                .unescape_value()
                .map_err(|_| ParseError("malformed attribute value".into()))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// Where the reader is in the envelope.
#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    /// An element we do not read (and everything inside it).
    Skipped,
    Envelope,
    Body,
    Notifications,
    OrganizationId,
    Notification,
    NotificationId,
    SObject,
    Field,
}

/// The namespace of an element, as far as the envelope's structure goes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ns {
    Soap,
    Outbound,
    Other,
}

impl Ns {
    fn of(ns: &ResolveResult) -> Self {
        if is(ns, SOAP_ENV) {
            Ns::Soap
        } else if is(ns, OUTBOUND) {
            Ns::Outbound
        } else {
            Ns::Other
        }
    }
}

/// Parses an Outbound Message.
pub fn parse(body: &[u8]) -> Result<OutboundMessage, ParseError> {
    let mut reader = reader(body)?;
    let mut parser = Parser::default();
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| ParseError(format!("malformed XML: {e}")))?;
        let ns = Ns::of(&ns);
        match event {
            Event::DocType(_) => return err("a DOCTYPE is not allowed"),
            Event::Start(e) => {
                let tag = Tag {
                    reader: &reader,
                    start: &e,
                    ns,
                };
                let at = parser.open(&tag)?;
                parser.stack.push(at);
            }
            Event::Text(t) if parser.reading_text() => {
                let s = t
                    .unescape()
                    .map_err(|_| ParseError("an unknown entity reference".into()))?;
                parser.buffer.push_str(&s);
            }
            Event::CData(c) if parser.reading_text() => {
                let s = std::str::from_utf8(&c)
                    .map_err(|_| ParseError("the message is not UTF-8".into()))?;
                parser.buffer.push_str(s);
            }
            Event::End(_) => parser.close()?,
            Event::Eof => return parser.finish(),
            // Declarations, comments, processing instructions and text outside the elements
            // we read carry nothing we read.
            _ => {}
        }
    }
}

/// A namespace-aware reader of a message of at most [`MAX_BYTES`] of UTF-8 that checks
/// end names.
fn reader(body: &[u8]) -> Result<NsReader<&[u8]>, ParseError> {
    if body.len() > MAX_BYTES {
        return err("the message is larger than 1 MB");
    }
    let text =
        std::str::from_utf8(body).map_err(|_| ParseError("the message is not UTF-8".into()))?;
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(true);
    config.expand_empty_elements = true;
    config.check_end_names = true;
    Ok(reader)
}

/// A start tag, with what resolves its namespaces and attributes.
struct Tag<'a> {
    reader: &'a NsReader<&'a [u8]>,
    start: &'a BytesStart<'a>,
    ns: Ns,
}

impl Tag<'_> {
    fn local(&self) -> &[u8] {
        self.start.local_name().into_inner()
    }

    /// An attribute in the XSI namespace (`xsi:type`, `xsi:nil`).
    fn xsi(&self, local: &[u8]) -> Result<Option<String>, ParseError> {
        xsi_attr(self.reader, self.start, local)
    }
}

/// What the parser has read so far.
#[derive(Default)]
struct Parser {
    msg: OutboundMessage,
    /// The open elements, innermost last.
    stack: Vec<At>,
    seen_envelope: bool,
    seen_notifications: bool,
    /// The notification being read.
    current: Option<Notification>,
    /// The field being read: its name, and whether it is `xsi:nil="true"`.
    field: Option<(String, bool)>,
    /// The text of the element being read.
    buffer: String,
}

impl Parser {
    /// Inside an element whose text is kept.
    fn reading_text(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(At::OrganizationId | At::NotificationId | At::Field)
        )
    }

    /// What a start tag opens, given where the reader is.
    fn open(&mut self, tag: &Tag) -> Result<At, ParseError> {
        let local = tag.local();
        match (self.stack.last().copied(), tag.ns) {
            (None, ns) => self.root(ns, local),
            (Some(At::Envelope), Ns::Soap) if local == b"Body" => Ok(At::Body),
            (Some(At::Body), Ns::Outbound) if local == b"notifications" => {
                self.seen_notifications = true;
                Ok(At::Notifications)
            }
            (Some(At::Notifications), Ns::Outbound) => self.in_notifications(local),
            (Some(At::Notification), Ns::Outbound) => self.in_notification(tag),
            (Some(At::SObject), _) => self.start_field(tag),
            _ => Ok(At::Skipped),
        }
    }

    /// The root element: one SOAP 1.1 Envelope.
    fn root(&mut self, ns: Ns, local: &[u8]) -> Result<At, ParseError> {
        if self.seen_envelope {
            return err("more than one root element");
        }
        if ns != Ns::Soap || local != b"Envelope" {
            return err("the root element is not a SOAP 1.1 Envelope");
        }
        self.seen_envelope = true;
        Ok(At::Envelope)
    }

    /// A child of `notifications`: the organisation's id, or one more notification.
    fn in_notifications(&mut self, local: &[u8]) -> Result<At, ParseError> {
        match local {
            b"OrganizationId" => {
                self.buffer.clear();
                Ok(At::OrganizationId)
            }
            b"Notification" => {
                if self.msg.notifications.len() >= MAX_NOTIFICATIONS {
                    return err("more than 100 notifications");
                }
                self.current = Some(Notification::default());
                Ok(At::Notification)
            }
            _ => Ok(At::Skipped),
        }
    }

    /// A child of a `Notification`: its id, or its record (`sObject`, of its `xsi:type`).
    fn in_notification(&mut self, tag: &Tag) -> Result<At, ParseError> {
        match tag.local() {
            b"Id" => {
                self.buffer.clear();
                Ok(At::NotificationId)
            }
            b"sObject" => {
                let ty = tag
                    .xsi(b"type")?
                    .ok_or_else(|| ParseError("an sObject has no xsi:type".into()))?;
                if let Some(n) = self.current.as_mut() {
                    n.object_type = ty.rsplit(':').next().unwrap_or_default().to_string();
                }
                Ok(At::SObject)
            }
            _ => Ok(At::Skipped),
        }
    }

    /// A field of the record: its name and whether it is nil; its text follows.
    fn start_field(&mut self, tag: &Tag) -> Result<At, ParseError> {
        let nil = tag.xsi(b"nil")?.is_some_and(|v| v == "true");
        self.field = Some((String::from_utf8_lossy(tag.local()).into_owned(), nil));
        self.buffer.clear();
        Ok(At::Field)
    }

    /// The end of the innermost element: what it held goes where it belongs.
    fn close(&mut self) -> Result<(), ParseError> {
        match self.stack.pop() {
            Some(At::OrganizationId) => {
                self.msg.organization_id = Some(self.buffer.trim().to_string());
            }
            Some(At::NotificationId) => {
                if let Some(n) = self.current.as_mut() {
                    n.id = self.buffer.trim().to_string();
                }
            }
            Some(At::Field) => self.end_field(),
            Some(At::Notification) => return self.end_notification(),
            _ => {}
        }
        Ok(())
    }

    /// A field's value: its text as sent, or `null` when nil.
    fn end_field(&mut self) {
        if let (Some((name, nil)), Some(n)) = (self.field.take(), self.current.as_mut()) {
            let value = if nil {
                Value::Null
            } else {
                Value::String(self.buffer.clone())
            };
            n.fields.insert(name, value);
        }
    }

    /// A notification is complete with its id and its record.
    fn end_notification(&mut self) -> Result<(), ParseError> {
        if let Some(n) = self.current.take() {
            if n.id.is_empty() {
                return err("a Notification has no Id");
            }
            if n.object_type.is_empty() {
                return err("a Notification has no sObject");
            }
            self.msg.notifications.push(n);
        }
        Ok(())
    }

    /// The message, once the document ended: a whole Envelope with its notifications.
    fn finish(self) -> Result<OutboundMessage, ParseError> {
        if !self.stack.is_empty() {
            return err("malformed XML: unclosed elements");
        }
        if !self.seen_envelope || !self.seen_notifications {
            return err("not a Salesforce Outbound Message (no notifications element)");
        }
        Ok(self.msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D5g000004ABCDEAA</OrganizationId>
   <ActionId>04k5g000000ABCDAA0</ActionId>
   <SessionId xsi:nil="true"/>
   <Notification>
    <Id>04l5g00000ABCDEAA1</Id>
    <sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0015g00000ABCDEAA1</sf:Id>
     <sf:Name>Acme &amp; Sons</sf:Name>
     <sf:Phone xsi:nil="true"/>
     <sf:Fax/>
     <sf:Description><![CDATA[<b>vip</b>]]></sf:Description>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"#;

    #[test]
    fn parses_notifications() {
        let m = parse(MESSAGE.as_bytes()).unwrap();
        assert_eq!(m.organization_id.as_deref(), Some("00D5g000004ABCDEAA"));
        assert_eq!(m.notifications.len(), 1);
        let n = &m.notifications[0];
        assert_eq!(n.id, "04l5g00000ABCDEAA1");
        assert_eq!(n.object_type, "Account");
        assert_eq!(n.fields["Id"], "0015g00000ABCDEAA1");
        assert_eq!(n.fields["Name"], "Acme & Sons");
        assert_eq!(n.fields["Phone"], Value::Null);
        assert_eq!(n.fields["Fax"], "");
        assert_eq!(n.fields["Description"], "<b>vip</b>");
    }

    #[test]
    fn refuses_doctypes_entities_and_other_documents() {
        let xxe = MESSAGE.replace(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
        );
        assert!(parse(xxe.as_bytes()).is_err());
        let entity = MESSAGE.replace("Acme &amp; Sons", "Acme &e;");
        assert!(parse(entity.as_bytes()).is_err());
        assert!(parse(b"<a/>").is_err());
        assert!(parse(b"not xml").is_err());
        assert!(parse(b"").is_err());
        let unclosed = MESSAGE.replace("</soapenv:Envelope>", "");
        assert!(parse(unclosed.as_bytes()).is_err());
        let wrong_ns = MESSAGE.replace("2005/09/outbound", "2005/09/other");
        assert!(parse(wrong_ns.as_bytes()).is_err());
        assert!(parse(&vec![b' '; MAX_BYTES + 1]).is_err());
    }

    #[test]
    fn faults_escape_their_message() {
        let f = fault(true, "record.Name: <is> & required");
        assert!(f.contains("<faultcode>soapenv:Client</faultcode>"));
        assert!(f.contains("record.Name: &lt;is&gt; &amp; required"));
    }
}
