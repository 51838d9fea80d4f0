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

/// Parses an Outbound Message.
pub fn parse(body: &[u8]) -> Result<OutboundMessage, ParseError> {
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

    let mut msg = OutboundMessage::default();
    let mut stack: Vec<At> = Vec::new();
    let mut seen_envelope = false;
    let mut seen_notifications = false;
    let mut current: Option<Notification> = None;
    let mut field: Option<(String, Option<String>)> = None; // (name, text or None if nil)
    let mut buffer = String::new();

    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| ParseError(format!("malformed XML: {e}")))?;
        match event {
            Event::DocType(_) => return err("a DOCTYPE is not allowed"),
            Event::Start(e) => {
                let local = e.local_name();
                let local = local.as_ref();
                let parent = stack.last().copied();
                let at = match parent {
                    None if seen_envelope => return err("more than one root element"),
                    None if is(&ns, SOAP_ENV) && local == b"Envelope" => {
                        seen_envelope = true;
                        At::Envelope
                    }
                    None => return err("the root element is not a SOAP 1.1 Envelope"),
                    Some(At::Envelope) if is(&ns, SOAP_ENV) && local == b"Body" => At::Body,
                    Some(At::Body) if is(&ns, OUTBOUND) && local == b"notifications" => {
                        seen_notifications = true;
                        At::Notifications
                    }
                    Some(At::Notifications) if is(&ns, OUTBOUND) && local == b"OrganizationId" => {
                        buffer.clear();
                        At::OrganizationId
                    }
                    Some(At::Notifications) if is(&ns, OUTBOUND) && local == b"Notification" => {
                        if msg.notifications.len() >= MAX_NOTIFICATIONS {
                            return err("more than 100 notifications");
                        }
                        current = Some(Notification::default());
                        At::Notification
                    }
                    Some(At::Notification) if is(&ns, OUTBOUND) && local == b"Id" => {
                        buffer.clear();
                        At::NotificationId
                    }
                    Some(At::Notification) if is(&ns, OUTBOUND) && local == b"sObject" => {
                        let ty = xsi_attr(&reader, &e, b"type")?
                            .ok_or_else(|| ParseError("an sObject has no xsi:type".into()))?;
                        let ty = ty.rsplit(':').next().unwrap_or_default().to_string();
                        if let Some(n) = current.as_mut() {
                            n.object_type = ty;
                        }
                        At::SObject
                    }
                    Some(At::SObject) => {
                        let nil = xsi_attr(&reader, &e, b"nil")?.is_some_and(|v| v == "true");
                        let name = String::from_utf8_lossy(local).into_owned();
                        field = Some((name, (!nil).then(String::new)));
                        buffer.clear();
                        At::Field
                    }
                    _ => At::Skipped,
                };
                stack.push(at);
            }
            Event::Text(t) => {
                if matches!(
                    stack.last(),
                    Some(At::OrganizationId | At::NotificationId | At::Field)
                ) {
                    let s = t
                        .unescape()
                        .map_err(|_| ParseError("an unknown entity reference".into()))?;
                    buffer.push_str(&s);
                }
            }
            Event::CData(c) => {
                if matches!(
                    stack.last(),
                    Some(At::OrganizationId | At::NotificationId | At::Field)
                ) {
                    let s = std::str::from_utf8(&c)
                        .map_err(|_| ParseError("the message is not UTF-8".into()))?;
                    buffer.push_str(s);
                }
            }
            Event::End(_) => match stack.pop() {
                Some(At::OrganizationId) => msg.organization_id = Some(buffer.trim().to_string()),
                Some(At::NotificationId) => {
                    if let Some(n) = current.as_mut() {
                        n.id = buffer.trim().to_string();
                    }
                }
                Some(At::Field) => {
                    if let (Some((name, text)), Some(n)) = (field.take(), current.as_mut()) {
                        let value = match text {
                            None => Value::Null,
                            Some(_) => Value::String(buffer.clone()),
                        };
                        n.fields.insert(name, value);
                    }
                }
                Some(At::Notification) => {
                    if let Some(n) = current.take() {
                        if n.id.is_empty() {
                            return err("a Notification has no Id");
                        }
                        if n.object_type.is_empty() {
                            return err("a Notification has no sObject");
                        }
                        msg.notifications.push(n);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            // Declarations, comments and processing instructions carry nothing we read.
            _ => {}
        }
    }
    if !stack.is_empty() {
        return err("malformed XML: unclosed elements");
    }
    if !seen_envelope || !seen_notifications {
        return err("not a Salesforce Outbound Message (no notifications element)");
    }
    Ok(msg)
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
