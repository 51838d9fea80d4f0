//! Customers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::address::Address;
use super::einvoice::ElectronicAddress;
use super::text::{self, Patch, patch};
use super::{Currency, Email};
use crate::error::Fields;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    Archived,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Active => "active",
            RecordStatus::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [RecordStatus::Active, RecordStatus::Archived]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A customer as stored and as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub billing_address: Option<Address>,
    pub shipping_address: Option<Address>,
    pub tax_id: Option<String>,
    /// ISO 4217.
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Days from issue to due date of this customer's invoices.
    pub payment_terms_days: u32,
    pub notes: Option<String>,
    /// Ids of this customer in other systems, e.g. `{"salesforce": "001..."}`.
    pub external_ids: BTreeMap<String, String>,
    /// Company registration number (EN 16931 BT-47).
    #[serde(default)]
    pub legal_registration_id: Option<String>,
    /// The customer's Peppol participant id (BT-49).
    #[serde(default)]
    pub electronic_address: Option<ElectronicAddress>,
    /// The reference the customer asks to see on its invoices (BT-10; in Germany the
    /// Leitweg-ID), unless the invoice gives its own.
    #[serde(default)]
    pub buyer_reference: Option<String>,
    /// Invoice emails also attach the UBL e-invoice.
    #[serde(default)]
    pub ubl_by_email: bool,
    pub status: RecordStatus,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

pub const MAX_PAYMENT_TERMS_DAYS: u32 = 365;

/// Fields of a create (name required; currency and payment terms default to the company's)
/// or a PATCH (all optional; `null` clears an optional field).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CustomerFields {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<Address>)]
    pub billing_address: Patch<Address>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<Address>)]
    pub shipping_address: Patch<Address>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub tax_id: Patch<String>,
    pub currency: Option<String>,
    pub payment_terms_days: Option<i64>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
    pub external_ids: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub legal_registration_id: Patch<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<ElectronicAddress>)]
    pub electronic_address: Patch<ElectronicAddress>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub buyer_reference: Patch<String>,
    pub ubl_by_email: Option<bool>,
}

impl CustomerFields {
    /// Applies the fields to `base` (a blank customer for a create). Every invalid field is
    /// reported at once.
    pub fn apply(
        &self,
        base: &Customer,
        creating: bool,
    ) -> Result<Customer, crate::error::Problem> {
        let mut f = Fields::new();
        let mut c = base.clone();
        match &self.name {
            Some(n) => {
                if let Some(n) = f.check("name", text::text(n, 200, false)) {
                    c.name = n;
                }
            }
            None if creating => f.error("name", "is required"),
            None => {}
        }
        if let Some(e) = &self.email {
            c.email = match e.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => f.check("email", Email::parse(s)),
            };
        }
        if let Some(p) = &self.phone {
            c.phone = match p.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => f.check("phone", text::phone(s)),
            };
        }
        if let Some(a) = &self.billing_address {
            c.billing_address = a
                .as_ref()
                .and_then(|a| Address::parse(a, "billing_address", &mut f));
        }
        if let Some(a) = &self.shipping_address {
            c.shipping_address = a
                .as_ref()
                .and_then(|a| Address::parse(a, "shipping_address", &mut f));
        }
        if let Some(t) = &self.tax_id {
            c.tax_id = f
                .check("tax_id", text::optional_text(t.as_deref(), 50, false))
                .flatten();
        }
        if let Some(cur) = &self.currency {
            if let Some(cur) = f.check("currency", Currency::parse(cur)) {
                c.currency = cur;
            }
        }
        if let Some(days) = self.payment_terms_days {
            match u32::try_from(days) {
                Ok(d) if d <= MAX_PAYMENT_TERMS_DAYS => c.payment_terms_days = d,
                _ => f.error(
                    "payment_terms_days",
                    format!("must be between 0 and {MAX_PAYMENT_TERMS_DAYS}"),
                ),
            }
        }
        if let Some(n) = &self.notes {
            c.notes = f
                .check("notes", text::optional_text(n.as_deref(), 2000, true))
                .flatten();
        }
        if let Some(r) = &self.legal_registration_id {
            c.legal_registration_id = f
                .check(
                    "legal_registration_id",
                    text::optional_text(r.as_deref(), 100, false),
                )
                .flatten();
        }
        if let Some(a) = &self.electronic_address {
            c.electronic_address = a
                .as_ref()
                .and_then(|a| ElectronicAddress::parse(a, "electronic_address", &mut f));
        }
        if let Some(r) = &self.buyer_reference {
            c.buyer_reference = f
                .check(
                    "buyer_reference",
                    text::optional_text(r.as_deref(), 100, false),
                )
                .flatten();
        }
        if let Some(u) = self.ubl_by_email {
            c.ubl_by_email = u;
        }
        if let Some(ids) = &self.external_ids {
            if let Some(ids) = f.check("external_ids", text::external_ids(ids)) {
                c.external_ids = ids;
            }
        }
        f.finish()?;
        Ok(c)
    }
}

impl Customer {
    /// A blank customer with the company's default currency and payment terms.
    pub fn blank_for(id: String, now: String, company: &super::company::CompanySettings) -> Self {
        let mut c = Self::blank(id, now);
        c.currency = company.default_currency;
        c.payment_terms_days = company.payment_terms_days;
        c
    }

    /// An empty customer to apply create fields to.
    pub fn blank(id: String, now: String) -> Self {
        Customer {
            id,
            name: String::new(),
            email: None,
            phone: None,
            billing_address: None,
            shipping_address: None,
            tax_id: None,
            currency: Currency::parse("EUR").expect("EUR"),
            payment_terms_days: 30,
            notes: None,
            external_ids: BTreeMap::new(),
            legal_registration_id: None,
            electronic_address: None,
            buyer_reference: None,
            ubl_by_email: false,
            status: RecordStatus::Active,
            created_at: now.clone(),
            updated_at: now,
            version: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: serde_json::Value) -> CustomerFields {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn create_needs_a_name_and_reports_every_bad_field() {
        let blank = Customer::blank("c1".into(), "t".into());
        let err = fields(serde_json::json!({"email": "nope", "payment_terms_days": -1}))
            .apply(&blank, true)
            .unwrap_err();
        let names: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["name", "email", "payment_terms_days"]);
        let ok = fields(serde_json::json!({"name": " Acme ", "currency": "gbp"}))
            .apply(&blank, true)
            .unwrap();
        assert_eq!(ok.name, "Acme");
        assert_eq!(ok.currency.code(), "GBP");
    }

    #[test]
    fn patch_null_clears_and_absent_keeps() {
        let mut base = Customer::blank("c1".into(), "t".into());
        base.phone = Some("+1 555 0100".into());
        base.notes = Some("vip".into());
        let c = fields(serde_json::json!({"phone": null}))
            .apply(&base, false)
            .unwrap();
        assert_eq!(c.phone, None);
        assert_eq!(c.notes.as_deref(), Some("vip"));
        let err = fields(serde_json::json!({"billing_address": {"line1": "", "city": "X", "postal_code": "1", "country": "FRA"}}))
            .apply(&base, false)
            .unwrap_err();
        let names: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["billing_address.line1", "billing_address.country"]);
    }
}
