//! Reading Salesforce records: field values as JSON (Apex `JSON.serialize`, Flow) or as the
//! strings of an Outbound Message, Salesforce ids, `LastModifiedDate` and currency amounts.

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value};

use erp_shared::domain::Currency;
use erp_shared::domain::text::Patch;
use erp_shared::error::Fields;

/// One Salesforce record: its fields by API name.
pub struct Record<'a> {
    fields: &'a Map<String, Value>,
}

impl<'a> Record<'a> {
    pub fn new(fields: &'a Map<String, Value>) -> Self {
        Self { fields }
    }

    /// `record.<name>`, the field name used in error reports.
    pub fn path(name: &str) -> String {
        format!("record.{name}")
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.fields.get(name)
    }

    /// A text field: absent (`None`), null or blank (`Some(None)`), or trimmed text. Numbers
    /// and booleans are accepted as their text; objects and arrays are reported.
    pub fn text(&self, name: &str, f: &mut Fields) -> Patch<String> {
        match self.fields.get(name)? {
            Value::Null => Some(None),
            Value::String(s) if s.trim().is_empty() => Some(None),
            Value::String(s) => Some(Some(s.trim().to_string())),
            Value::Number(n) => Some(Some(n.to_string())),
            Value::Bool(b) => Some(Some(b.to_string())),
            _ => {
                f.error(&Self::path(name), "must be a text value");
                None
            }
        }
    }

    /// Text that is present and not blank.
    pub fn value(&self, name: &str, f: &mut Fields) -> Option<String> {
        self.text(name, f).flatten()
    }

    /// A checkbox: `true`/`false` as JSON or as text.
    pub fn boolean(&self, name: &str, f: &mut Fields) -> Option<bool> {
        match self.fields.get(name)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                "" => None,
                _ => {
                    f.error(&Self::path(name), "must be true or false");
                    None
                }
            },
            _ => {
                f.error(&Self::path(name), "must be true or false");
                None
            }
        }
    }

    /// A number field (JSON number or numeric text): absent, null, or the exact decimal.
    pub fn decimal(&self, name: &str, f: &mut Fields) -> Patch<Decimal> {
        let path = Self::path(name);
        decimal_value(self.fields.get(name)?, &path, f)
    }
}

/// A decimal from a JSON number or numeric text; `Some(None)` for null or blank.
pub fn decimal_value(v: &Value, path: &str, f: &mut Fields) -> Patch<Decimal> {
    let parsed = match v {
        Value::Null => return Some(None),
        Value::String(s) if s.trim().is_empty() => return Some(None),
        Value::String(s) => parse_decimal(s.trim()),
        Value::Number(n) => parse_decimal(&n.to_string()),
        _ => None,
    };
    match parsed {
        Some(d) => Some(Some(d)),
        None => {
            f.error(path, "must be a number");
            None
        }
    }
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    s.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(s).ok())
}

/// An amount in major units (19.99) as integer minor units of the currency (1999). More
/// decimals than the currency has are refused rather than rounded.
pub fn minor_units(amount: Decimal, currency: Currency) -> Result<i64, String> {
    let d = amount.normalize();
    let digits = u32::from(currency.minor_units());
    if d.scale() > digits {
        return Err(format!(
            "has more decimals than {} allows ({digits})",
            currency.code()
        ));
    }
    d.checked_mul(Decimal::from(10i64.pow(digits)))
        .and_then(|m| m.to_i64())
        .ok_or_else(|| "is too large".to_string())
}

const ID_SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// A Salesforce record id in its 18-character form. 15-character (case-sensitive) ids get
/// their checksum suffix, so both forms of one record map to the same item.
pub fn salesforce_id(input: &str) -> Result<String, String> {
    let s = input.trim();
    if !s.bytes().all(|b| b.is_ascii_alphanumeric()) || !(s.len() == 15 || s.len() == 18) {
        return Err("must be a 15 or 18 character Salesforce id".into());
    }
    if s.len() == 18 {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = s.to_string();
    for chunk in bytes.chunks(5) {
        let flags = chunk
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        out.push(char::from(ID_SUFFIX[flags]));
    }
    Ok(out)
}

/// `LastModifiedDate` in the one form whose string order is time order:
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds). Salesforce writes
/// `2026-11-20T10:00:00.000+0000` in JSON and `2026-11-20T10:00:00.000Z` in SOAP.
pub fn normalise_timestamp(input: &str) -> Result<String, String> {
    let s = input.trim();
    let parsed = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map_err(|_| "must be a date-time such as 2026-11-20T10:00:00.000+0000".to_string())?;
    let utc = parsed.with_timezone(&Utc);
    if !(1970..=9999).contains(&utc.year()) {
        return Err("must be a date-time between the years 1970 and 9999".into());
    }
    Ok(utc.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_get_their_18_character_form() {
        // Salesforce's documented example: 001A0000006Vm9r → 001A0000006Vm9rIAC.
        assert_eq!(
            salesforce_id("001A0000006Vm9r").unwrap(),
            "001A0000006Vm9rIAC"
        );
        assert_eq!(
            salesforce_id("001A0000006Vm9rIAC").unwrap(),
            "001A0000006Vm9rIAC"
        );
        assert!(salesforce_id("001A0000006Vm9").is_err());
        assert!(salesforce_id("001A0000006Vm9r#AC").is_err());
        assert!(salesforce_id("").is_err());
    }

    #[test]
    fn timestamps_are_normalised_to_utc_millis() {
        assert_eq!(
            normalise_timestamp("2026-11-20T10:00:00.000+0000").unwrap(),
            "2026-11-20T10:00:00.000Z"
        );
        assert_eq!(
            normalise_timestamp("2026-11-20T11:30:00.5+0130").unwrap(),
            "2026-11-20T10:00:00.500Z"
        );
        assert_eq!(
            normalise_timestamp("2026-11-20T10:00:00Z").unwrap(),
            "2026-11-20T10:00:00.000Z"
        );
        assert!(normalise_timestamp("2026-11-20").is_err());
        assert!(normalise_timestamp("yesterday").is_err());
    }

    #[test]
    fn amounts_become_minor_units_of_their_currency() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(minor_units(d("19.99"), eur), Ok(1999));
        assert_eq!(minor_units(d("19.990000"), eur), Ok(1999));
        assert_eq!(minor_units(d("1500"), jpy), Ok(1500));
        assert_eq!(minor_units(d("1.234"), kwd), Ok(1234));
        assert!(minor_units(d("19.999"), eur).is_err());
        assert!(minor_units(d("0.5"), jpy).is_err());
    }

    #[test]
    fn values_are_read_from_json_or_text() {
        let m: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "Name": " Acme ", "Blank": "", "Null": null, "Num": 19.99, "NumText": "2",
            "Yes": "true", "No": false, "Obj": {}
        }))
        .unwrap();
        let r = Record::new(&m);
        let mut f = Fields::new();
        assert_eq!(r.text("Name", &mut f), Some(Some("Acme".into())));
        assert_eq!(r.text("Blank", &mut f), Some(None));
        assert_eq!(r.text("Null", &mut f), Some(None));
        assert_eq!(r.text("Missing", &mut f), None);
        assert_eq!(r.decimal("Num", &mut f), Some(Some(Decimal::new(1999, 2))));
        assert_eq!(r.decimal("NumText", &mut f), Some(Some(Decimal::from(2))));
        assert_eq!(r.boolean("Yes", &mut f), Some(true));
        assert_eq!(r.boolean("No", &mut f), Some(false));
        assert!(f.is_ok());
        assert_eq!(r.text("Obj", &mut f), None);
        assert!(!f.is_ok());
    }
}
