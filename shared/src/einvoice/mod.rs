//! EN 16931 e-invoices: an issued invoice or credit note written as UBL 2.1 ([`ubl`]) or as
//! UN/CEFACT CII D16B ([`cii`]). Both writers read the same [`Facts`], taken once from the
//! invoice, its seller and its buyer, so the two syntaxes cannot disagree. The rules that
//! decide whether a document may be written are in [`crate::domain::einvoice`].

pub mod cii;
pub mod codes;
pub mod ubl;
pub mod xml;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::address::Address;
use crate::domain::company::CompanySettings;
use crate::domain::einvoice::{
    Document, ElectronicAddress, Profile, VatCategory, VatGroup, buyer_reference, category_of,
    line_unit, outside_vat, vat_breakdown,
};
use crate::domain::money::{Discount, format_minor};
use crate::domain::sales::{Invoice, InvoiceKind};
use crate::domain::{Currency, Customer};

/// The two syntaxes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Ubl,
    Cii,
}

impl Syntax {
    pub fn write(self, facts: &Facts) -> String {
        match self {
            Syntax::Ubl => ubl::write(facts),
            Syntax::Cii => cii::write(facts),
        }
    }

    /// The download's file name.
    pub fn file_name(self, number: &str) -> String {
        match self {
            Syntax::Ubl => format!("{number}.ubl.xml"),
            Syntax::Cii => format!("{number}.cii.xml"),
        }
    }
}

/// An amount of the document as EN 16931 writes it: at most two decimals. Currencies with
/// three minor units (KWD, BHD, …) only reach here with whole hundredths (BR-DEC-23 is
/// checked before), so dropping the last digit loses nothing.
pub fn amount(v: i64, c: Currency) -> String {
    let mu = c.minor_units();
    if mu > 2 {
        format_minor(v / 10_i64.pow(u32::from(mu - 2)), 2)
    } else {
        format_minor(v, mu)
    }
}

/// A unit price (BT-146), which may keep every minor unit.
pub fn price(v: i64, c: Currency) -> String {
    format_minor(v, c.minor_units())
}

/// `YYYYMMDD` (CII's format 102).
pub fn date_102(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// A party as both syntaxes write it.
pub struct PartyFacts<'a> {
    pub name: &'a str,
    pub address: Option<&'a Address>,
    pub vat_id: Option<&'a str>,
    pub legal_id: Option<&'a str>,
    pub endpoint: Option<&'a ElectronicAddress>,
    pub contact_name: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub contact_email: Option<&'a str>,
}

/// A line as both syntaxes write it.
pub struct LineFacts<'a> {
    pub id: String,
    pub name: &'a str,
    pub quantity: String,
    pub unit: &'a str,
    pub net: String,
    pub price: String,
    /// A discount: its amount, its percent and the amount it is a percent of.
    pub discount: Option<(String, Option<String>, String)>,
    pub category: VatCategory,
    /// `None` for lines outside the scope of VAT (O).
    pub rate: Option<String>,
}

/// A VAT breakdown group as both syntaxes write it.
pub struct GroupFacts {
    pub category: VatCategory,
    pub rate: Option<String>,
    pub taxable: String,
    pub tax: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// Everything the writers need, formatted.
pub struct Facts<'a> {
    pub profile: Profile,
    pub credit_note: bool,
    pub number: &'a str,
    pub issue_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub currency: &'static str,
    pub note: Option<&'a str>,
    pub buyer_reference: Option<&'a str>,
    pub order_reference: Option<&'a str>,
    pub preceding: Option<(&'a str, NaiveDate)>,
    pub seller: PartyFacts<'a>,
    pub buyer: PartyFacts<'a>,
    /// Supply date and the country delivered to (written for intra-community supplies).
    pub delivery: Option<(NaiveDate, &'a str)>,
    /// IBAN and BIC of a SEPA credit transfer.
    pub payee_account: Option<(&'a str, Option<&'a str>)>,
    pub payment_terms: String,
    pub groups: Vec<GroupFacts>,
    pub line_total: String,
    pub tax_total: String,
    pub grand_total: String,
    pub lines: Vec<LineFacts<'a>>,
}

fn percent(d: Decimal) -> String {
    d.normalize().to_string()
}

fn seller<'a>(s: &'a CompanySettings, with_vat: bool) -> PartyFacts<'a> {
    let e = &s.einvoicing;
    PartyFacts {
        name: s.legal_name.as_deref().unwrap_or(""),
        address: s.address.as_ref(),
        vat_id: s.tax_id.as_deref().filter(|_| with_vat),
        legal_id: e.legal_registration_id.as_deref(),
        endpoint: e.electronic_address.as_ref(),
        contact_name: e.contact_name.as_deref(),
        contact_phone: e.contact_phone.as_deref(),
        contact_email: e.contact_email.as_deref(),
    }
}

fn buyer<'a>(invoice: &'a Invoice, c: Option<&'a Customer>, with_vat: bool) -> PartyFacts<'a> {
    PartyFacts {
        name: &invoice.customer_name,
        address: c.and_then(|c| c.billing_address.as_ref()),
        vat_id: c.and_then(|c| c.tax_id.as_deref()).filter(|_| with_vat),
        legal_id: c.and_then(|c| c.legal_registration_id.as_deref()),
        endpoint: c.and_then(|c| c.electronic_address.as_ref()),
        contact_name: None,
        contact_phone: c.and_then(|c| c.phone.as_deref()),
        contact_email: c.and_then(|c| c.email.as_ref()).map(|e| e.as_str()),
    }
}

fn line_facts(i: usize, l: &crate::domain::money::Line, c: Currency) -> LineFacts<'_> {
    let category = category_of(l);
    LineFacts {
        id: (i + 1).to_string(),
        name: &l.description,
        quantity: percent(l.quantity),
        unit: line_unit(l),
        net: amount(l.net, c),
        price: price(l.unit_price, c),
        discount: l.discount.as_ref().map(|d| {
            let pct = match d {
                Discount::Percent { value } => Some(percent(*value)),
                Discount::Amount { .. } => None,
            };
            (amount(l.discount_amount, c), pct, amount(l.gross, c))
        }),
        category,
        rate: (category != VatCategory::O).then(|| percent(l.tax_rate)),
    }
}

fn group_facts(g: VatGroup, c: Currency) -> GroupFacts {
    GroupFacts {
        category: g.category,
        rate: (g.category != VatCategory::O).then(|| percent(g.rate)),
        taxable: amount(g.taxable, c),
        tax: amount(g.tax, c),
        reason_code: g.reason_code,
        reason_text: g.reason_text,
    }
}

impl<'a> Facts<'a> {
    /// The facts of an issued document (`None` for a draft, which has no number or date).
    /// Check it with [`crate::domain::einvoice::check`] first: this writes what there is.
    pub fn of(doc: &Document<'a>) -> Option<Facts<'a>> {
        let inv = doc.invoice;
        let number = inv.number.as_deref()?;
        let issue_date = inv.issue_date?;
        let c = inv.currency;
        let outside_scope = outside_vat(&inv.lines);
        let intra_community = inv.lines.iter().any(|l| category_of(l) == VatCategory::K);
        let credit_note = inv.kind == InvoiceKind::CreditNote;
        let delivery = doc.buyer.filter(|_| intra_community).and_then(|b| {
            b.shipping_address
                .as_ref()
                .or(b.billing_address.as_ref())
                .map(|a| (issue_date, a.country.as_str()))
        });
        let e = &doc.seller.einvoicing;
        let payment_terms = match (credit_note, doc.preceding, inv.due_date) {
            (true, Some((n, _)), _) => format!("Credit for invoice {n}; nothing to pay"),
            (true, None, _) => "Credit note; nothing to pay".to_string(),
            (false, _, Some(d)) => format!("Payment due by {d}, reference {number}"),
            (false, _, None) => format!("Payment within {} days", inv.payment_terms_days),
        };
        Some(Facts {
            profile: e.profile,
            credit_note,
            number,
            issue_date,
            due_date: inv.due_date.filter(|_| !credit_note),
            currency: c.code(),
            note: inv.notes.as_deref(),
            buyer_reference: buyer_reference(inv, doc.buyer),
            order_reference: inv.purchase_order_reference.as_deref(),
            preceding: doc.preceding,
            seller: seller(doc.seller, !outside_scope),
            buyer: buyer(inv, doc.buyer, !outside_scope),
            delivery,
            payee_account: e
                .iban
                .as_deref()
                .filter(|_| !credit_note)
                .map(|i| (i, e.bic.as_deref())),
            payment_terms,
            groups: vat_breakdown(&inv.lines)
                .into_iter()
                .map(|g| group_facts(g, c))
                .collect(),
            line_total: amount(inv.totals.subtotal - inv.totals.discount, c),
            tax_total: amount(inv.totals.tax, c),
            grand_total: amount(inv.totals.total, c),
            lines: inv
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| line_facts(i, l, c))
                .collect(),
        })
    }
}

/// What an e-invoice of an invoice needs besides the invoice: the seller (the company
/// settings), the buyer (its customer) and, for a credit note, the number and date of the
/// invoice it credits. Read as they are now, like the PDF's.
pub struct Parts {
    pub seller: CompanySettings,
    pub buyer: Option<Customer>,
    pub preceding: Option<(String, NaiveDate)>,
}

impl Parts {
    /// One batch read (customer, settings, the credited invoice).
    pub async fn load(
        store: &crate::store::Store,
        default_tz: chrono_tz::Tz,
        invoice: &Invoice,
    ) -> crate::store::StoreResult<Parts> {
        Ok(Self::load_with(store, default_tz, invoice, None).await?.0)
    }

    /// [`Self::load`], reading `also` in the same batch (e.g. the logo for the PDF).
    pub async fn load_with(
        store: &crate::store::Store,
        default_tz: chrono_tz::Tz,
        invoice: &Invoice,
        also: Option<crate::store::Key>,
    ) -> crate::store::StoreResult<(Parts, Option<crate::store::Item>)> {
        use crate::store::{Key, from_item, keys};
        let mut wanted: Vec<Key> = vec![
            keys::customer(&invoice.customer_id),
            keys::company_settings(),
        ];
        let credited = invoice.credited_invoice_id.as_deref().map(keys::invoice);
        wanted.extend(credited.clone());
        wanted.extend(also.clone());
        let mut parts = Parts {
            seller: CompanySettings::defaults(default_tz),
            buyer: None,
            preceding: None,
        };
        let mut extra = None;
        for item in store.batch_get(&wanted).await? {
            match Key::of(&item) {
                Some(k) if k == wanted[0] => parts.buyer = Some(from_item(item)?),
                Some(k) if k == wanted[1] => parts.seller = from_item(item)?,
                Some(k) if Some(&k) == credited.as_ref() => {
                    let credited: Invoice = from_item(item)?;
                    parts.preceding = credited.number.zip(credited.issue_date);
                }
                Some(k) if Some(&k) == also.as_ref() => extra = Some(item),
                _ => {}
            }
        }
        Ok((parts, extra))
    }

    /// `invoice` with these parts.
    pub fn document<'a>(&'a self, invoice: &'a Invoice) -> Document<'a> {
        Document {
            invoice,
            preceding: self.preceding.as_ref().map(|(n, d)| (n.as_str(), *d)),
            seller: &self.seller,
            buyer: self.buyer.as_ref(),
        }
    }

    /// A 422 naming each EN 16931 rule `invoice` (about to be issued) would break.
    pub fn check(&self, invoice: &Invoice) -> Result<(), crate::error::Problem> {
        let violations = crate::domain::einvoice::check(&self.document(invoice));
        if violations.is_empty() {
            Ok(())
        } else {
            Err(crate::domain::einvoice::problem(&violations))
        }
    }

    /// The issued `invoice` in `syntax`, or the 422 of the rules it breaks (an invoice
    /// issued before these rules existed, or whose customer or company changed since).
    pub fn write(
        &self,
        invoice: &Invoice,
        syntax: Syntax,
    ) -> Result<String, crate::error::Problem> {
        self.check(invoice)?;
        let doc = self.document(invoice);
        let facts = Facts::of(&doc).ok_or_else(|| {
            crate::error::Problem::conflict(
                "invalid-status",
                "A draft has no e-invoice: issue it first.",
            )
        })?;
        Ok(syntax.write(&facts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_at_most_two_decimals() {
        let c = |s| Currency::parse(s).unwrap();
        assert_eq!(amount(123456, c("EUR")), "1234.56");
        assert_eq!(amount(3300, c("JPY")), "3300");
        assert_eq!(amount(1230, c("KWD")), "1.23");
        assert_eq!(price(1234, c("KWD")), "1.234");
    }
}
