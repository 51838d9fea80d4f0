//! Products.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Currency;
use super::text::{self, Patch, patch};
use crate::error::Fields;

/// An amount in integer minor units (cents, yen, fils) of an ISO 4217 currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Money {
    pub amount: i64,
    #[schema(value_type = String)]
    pub currency: Currency,
}

/// Largest amount accepted on input (10^13 minor units).
pub const MAX_AMOUNT: i64 = 10_000_000_000_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: String,
    /// Unique (case-insensitive).
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub unit_price: Money,
    /// Percent, e.g. `"20"` or `"7.5"`.
    #[schema(value_type = String)]
    pub tax_rate: Decimal,
    /// Unit of sale, e.g. `unit`, `hour`, `kg`.
    pub unit: String,
    /// Archived products (DELETE) stay readable but are not offered for new orders.
    pub active: bool,
    pub external_ids: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// SKU rule: 1-64 characters of letters, digits and `-_./`.
pub fn sku(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty()
        || s.len() > 64
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        return Err("must be 1-64 characters of letters, digits and - _ . /".into());
    }
    Ok(s.to_string())
}

pub fn tax_rate(input: &str) -> Result<Decimal, String> {
    let d: Decimal = input
        .trim()
        .parse()
        .map_err(|_| "must be a decimal percentage such as 20 or 7.5".to_string())?;
    if d.is_sign_negative() || d > Decimal::ONE_HUNDRED || d.scale() > 4 {
        return Err("must be between 0 and 100 with at most 4 decimals".into());
    }
    Ok(d.normalize())
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MoneyInput {
    pub amount: Option<i64>,
    pub currency: Option<String>,
}

/// Fields of a create (sku, name, unit_price required) or PATCH (all optional).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ProductFields {
    pub sku: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    pub unit_price: Option<MoneyInput>,
    /// Percent as a string or number, e.g. `"20"`.
    #[schema(value_type = Option<String>)]
    pub tax_rate: Option<serde_json::Value>,
    pub unit: Option<String>,
    pub active: Option<bool>,
    pub external_ids: Option<BTreeMap<String, String>>,
}

impl ProductFields {
    pub fn apply(&self, base: &Product, creating: bool) -> Result<Product, crate::error::Problem> {
        let mut f = Fields::new();
        let mut p = base.clone();
        let required = |f: &mut Fields, field: &str| {
            if creating {
                f.error(field, "is required")
            }
        };
        match &self.sku {
            Some(s) => p.sku = f.check("sku", sku(s)).unwrap_or_default(),
            None => required(&mut f, "sku"),
        }
        match &self.name {
            Some(n) => {
                p.name = f
                    .check("name", text::text(n, 200, false))
                    .unwrap_or_default()
            }
            None => required(&mut f, "name"),
        }
        if let Some(d) = &self.description {
            p.description = f
                .check("description", text::optional_text(d.as_deref(), 4000, true))
                .flatten();
        }
        match &self.unit_price {
            Some(m) => {
                match m.amount {
                    Some(a) if (0..=MAX_AMOUNT).contains(&a) => p.unit_price.amount = a,
                    Some(_) => f.error(
                        "unit_price.amount",
                        "must be between 0 and 10^13 minor units",
                    ),
                    None => f.error("unit_price.amount", "is required"),
                }
                match &m.currency {
                    Some(c) => {
                        if let Some(c) = f.check("unit_price.currency", Currency::parse(c)) {
                            p.unit_price.currency = c;
                        }
                    }
                    None => f.error("unit_price.currency", "is required"),
                }
            }
            None => required(&mut f, "unit_price"),
        }
        if let Some(t) = &self.tax_rate {
            let s = match t {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => String::from("x"),
            };
            if let Some(t) = f.check("tax_rate", tax_rate(&s)) {
                p.tax_rate = t;
            }
        }
        if let Some(u) = &self.unit {
            if let Some(u) = f.check("unit", text::text(u, 20, false)) {
                p.unit = u;
            }
        }
        if let Some(a) = self.active {
            p.active = a;
        }
        if let Some(ids) = &self.external_ids {
            if let Some(ids) = f.check("external_ids", text::external_ids(ids)) {
                p.external_ids = ids;
            }
        }
        f.finish()?;
        Ok(p)
    }
}

impl Product {
    pub fn blank(id: String, now: String) -> Self {
        Product {
            id,
            sku: String::new(),
            name: String::new(),
            description: None,
            unit_price: Money {
                amount: 0,
                currency: Currency::parse("EUR").expect("EUR"),
            },
            tax_rate: Decimal::ZERO,
            unit: "unit".into(),
            active: true,
            external_ids: BTreeMap::new(),
            created_at: now.clone(),
            updated_at: now,
            version: 1,
        }
    }

    pub fn status(&self) -> super::RecordStatus {
        if self.active {
            super::RecordStatus::Active
        } else {
            super::RecordStatus::Archived
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_and_tax_rules() {
        assert!(sku("AB-12/x.y_z").is_ok());
        assert!(sku("has space").is_err());
        assert_eq!(tax_rate("20.00").unwrap().to_string(), "20");
        assert_eq!(tax_rate("7.5").unwrap().to_string(), "7.5");
        assert!(tax_rate("-1").is_err());
        assert!(tax_rate("100.5").is_err());
        assert!(tax_rate("1.23456").is_err());
    }

    #[test]
    fn negative_prices_and_missing_fields_are_reported() {
        let blank = Product::blank("p".into(), "t".into());
        let f: ProductFields = serde_json::from_value(
            serde_json::json!({"unit_price": {"amount": -5, "currency": "EURO"}}),
        )
        .unwrap();
        let err = f.apply(&blank, true).unwrap_err();
        let names: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            ["sku", "name", "unit_price.amount", "unit_price.currency"]
        );
    }
}
