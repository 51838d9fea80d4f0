//! Small value rules shared by entities: bounded text, phone numbers, countries, external ids.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// A field in a PATCH body: absent (`None`), `null` (`Some(None)`, clears it) or a value.
pub type Patch<T> = Option<Option<T>>;

/// Deserialises a [`Patch`] so that `null` and "absent" differ.
pub fn patch<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Patch<T>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Trimmed text of 1..=max characters without control characters (newlines allowed when
/// `multiline`).
pub fn text(input: &str, max: usize, multiline: bool) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_string())
}

/// Optional text: empty means none.
pub fn optional_text(
    input: Option<&str>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, String> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => text(s, max, multiline).map(Some),
    }
}

pub fn phone(input: &str) -> Result<String, String> {
    let s = input.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
    if !allowed || !(5..=20).contains(&digits) || s.len() > 40 {
        return Err("must be a phone number (digits, spaces, + - ( ) .)".into());
    }
    Ok(s.to_string())
}

/// ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country(input: &str) -> Result<String, String> {
    let s = input.trim().to_ascii_uppercase();
    if s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err("must be a two-letter ISO 3166 country code".into())
    }
}

pub const MAX_EXTERNAL_IDS: usize = 10;

/// External system ids, e.g. `{"salesforce": "001..."}`.
pub fn external_ids(input: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    if input.len() > MAX_EXTERNAL_IDS {
        return Err(format!("at most {MAX_EXTERNAL_IDS} external ids"));
    }
    let mut out = BTreeMap::new();
    for (k, v) in input {
        let key_ok = !k.is_empty()
            && k.len() <= 32
            && k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err("system names are 1-32 characters of a-z, 0-9 and _".into());
        }
        out.insert(
            k.clone(),
            text(v, 255, false).map_err(|e| format!("{k}: {e}"))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(text("  a b ", 5, false).unwrap(), "a b");
        assert!(text("", 5, false).is_err());
        assert!(text("abcdef", 5, false).is_err());
        assert!(text("a\nb", 5, false).is_err());
        assert!(text("a\nb", 5, true).is_ok());
        assert_eq!(optional_text(Some("  "), 5, false).unwrap(), None);
    }

    #[test]
    fn phones_countries_and_external_ids() {
        assert!(phone("+44 (20) 7946-0958").is_ok());
        assert!(phone("call me").is_err());
        assert!(phone("12+34567").is_err());
        assert_eq!(country("gb").unwrap(), "GB");
        assert!(country("GBR").is_err());
        let ok = BTreeMap::from([("salesforce".to_string(), "001xx".to_string())]);
        assert!(external_ids(&ok).is_ok());
        let bad = BTreeMap::from([("Sales Force".to_string(), "x".to_string())]);
        assert!(external_ids(&bad).is_err());
    }
}
