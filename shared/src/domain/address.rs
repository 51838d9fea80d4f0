//! Postal addresses (customers' billing and shipping addresses, the company's address).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text;
use crate::error::Fields;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl Address {
    /// Validates every part of an address; errors go to `f` under `<field>.<part>`.
    pub fn parse(a: &Address, field: &str, f: &mut Fields) -> Option<Address> {
        let line1 = f.check(&format!("{field}.line1"), text::text(&a.line1, 200, false));
        let line2 = f.check(
            &format!("{field}.line2"),
            text::optional_text(a.line2.as_deref(), 200, false),
        );
        let city = f.check(&format!("{field}.city"), text::text(&a.city, 100, false));
        let region = f.check(
            &format!("{field}.region"),
            text::optional_text(a.region.as_deref(), 100, false),
        );
        let postal_code = f.check(
            &format!("{field}.postal_code"),
            text::text(&a.postal_code, 20, false),
        );
        let country = f.check(&format!("{field}.country"), text::country(&a.country));
        Some(Address {
            line1: line1?,
            line2: line2?,
            city: city?,
            region: region?,
            postal_code: postal_code?,
            country: country?,
        })
    }
}
