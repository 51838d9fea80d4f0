//! EN 16931 e-invoicing: the data the standard needs beyond the invoice itself (VAT
//! categories, units, electronic addresses, the seller's payment account) and the business
//! rules an issued invoice must meet, so that its UBL and CII exports pass the official
//! validation. No store, no HTTP, no XML here: the writers are in [`crate::einvoice`].

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::company::CompanySettings;
use super::money::Line;
use super::sales::{Invoice, InvoiceKind};
use super::{Customer, text};
use crate::einvoice::codes;
use crate::error::Fields;

/// VAT category of a line (EN 16931 BT-151, UNTDID 5305 subset).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum VatCategory {
    /// Standard rate (rate above 0).
    S,
    /// Zero rated.
    Z,
    /// Exempt from VAT: needs an exemption reason.
    E,
    /// Reverse charge: the buyer accounts for the VAT (needs the buyer's VAT id).
    AE,
    /// Intra-community supply of goods or services (needs both VAT ids).
    K,
    /// Export outside the EU.
    G,
    /// Outside the scope of VAT: no VAT ids on the invoice, no other category beside it.
    O,
}

impl VatCategory {
    pub const ALL: [VatCategory; 7] = [
        VatCategory::S,
        VatCategory::Z,
        VatCategory::E,
        VatCategory::AE,
        VatCategory::K,
        VatCategory::G,
        VatCategory::O,
    ];

    pub fn code(self) -> &'static str {
        match self {
            VatCategory::S => "S",
            VatCategory::Z => "Z",
            VatCategory::E => "E",
            VatCategory::AE => "AE",
            VatCategory::K => "K",
            VatCategory::G => "G",
            VatCategory::O => "O",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s.trim())
    }

    /// The category of a line that names none (every line stored before categories
    /// existed): standard rated above 0 %, zero rated at 0 %.
    pub fn default_for(rate: Decimal) -> Self {
        if rate > Decimal::ZERO {
            VatCategory::S
        } else {
            VatCategory::Z
        }
    }

    /// The rule id prefix of the category in EN 16931 (`BR-S-…`, `BR-IC-…` for K).
    pub fn rules(self) -> &'static str {
        match self {
            VatCategory::K => "IC",
            c => c.code(),
        }
    }

    /// The exemption reason code (VATEX) written when a line of the category gives none.
    /// Exempt lines (E) must give their own reason: the legal ground differs per supply.
    pub fn default_reason(self) -> Option<(&'static str, &'static str)> {
        match self {
            VatCategory::AE => Some(("VATEX-EU-AE", "Reverse charge")),
            VatCategory::K => Some(("VATEX-EU-IC", "Intra-community supply")),
            VatCategory::G => Some(("VATEX-EU-G", "Export outside the EU")),
            VatCategory::O => Some(("VATEX-EU-O", "Not subject to VAT")),
            VatCategory::S | VatCategory::Z | VatCategory::E => None,
        }
    }

    /// Every category but the standard rate has a rate of 0.
    pub fn checks_rate(self, rate: Decimal) -> Result<(), String> {
        match self {
            VatCategory::S if rate <= Decimal::ZERO => {
                Err("a standard-rated line (S) needs a tax rate above 0".into())
            }
            VatCategory::S => Ok(()),
            c if !rate.is_zero() => Err(format!(
                "a line of VAT category {} has a tax rate of 0",
                c.code()
            )),
            _ => Ok(()),
        }
    }
}

/// The buyer's reference of an invoice (BT-10): its own, else the customer's.
pub fn buyer_reference<'a>(invoice: &'a Invoice, buyer: Option<&'a Customer>) -> Option<&'a str> {
    invoice
        .buyer_reference
        .as_deref()
        .or(buyer.and_then(|c| c.buyer_reference.as_deref()))
}

/// Whether the lines are outside the scope of VAT (category O): such an invoice states no
/// VAT identifiers (BR-O-02).
pub fn outside_vat(lines: &[Line]) -> bool {
    lines.iter().any(|l| category_of(l) == VatCategory::O)
}

/// The line's VAT facts as the e-invoice states them.
pub fn category_of(line: &Line) -> VatCategory {
    line.vat_category
        .unwrap_or_else(|| VatCategory::default_for(line.tax_rate))
}

/// A VAT exemption reason: a VATEX code (`VATEX-EU-132-1I`) or a text (at most 200).
pub fn exemption_reason(input: &str) -> Result<String, String> {
    let s = text::text(input, 200, false)?;
    if s.starts_with("VATEX-") && !codes::contains(codes::VATEX, &s) {
        return Err("is not a VATEX code of the EN 16931 code list".into());
    }
    Ok(s)
}

/// A unit of measure of UN/ECE Recommendation 20 (or 21), as EN 16931 needs it (BT-130).
/// A product's unit is either such a code (`HUR`) or a common name (`hour`); see
/// [`unit_code`].
pub fn unit_code_input(input: &str) -> Result<String, String> {
    let s = input.trim();
    if codes::contains(codes::UNITS, s) {
        Ok(s.to_string())
    } else {
        Err("must be a UN/ECE Recommendation 20 unit code such as C62, HUR or KGM".into())
    }
}

/// The Recommendation 20 code of a unit name or code; `None` for a name it does not know
/// (the line is then written as pieces, `C62`).
pub fn unit_code(unit: &str) -> Option<&'static str> {
    let u = unit.trim();
    if codes::contains(codes::UNITS, u) {
        return codes::UNITS.split(' ').find(|c| *c == u);
    }
    let code = match u.to_lowercase().trim_end_matches('.') {
        "unit" | "units" | "piece" | "pieces" | "pc" | "pcs" | "ea" | "each" | "item" | "items"
        | "stk" | "stück" => "C62",
        "hour" | "hours" | "h" | "hr" | "hrs" | "stunde" | "stunden" | "heure" | "heures" => "HUR",
        "minute" | "minutes" | "min" => "MIN",
        "day" | "days" | "tag" | "tage" | "jour" | "jours" => "DAY",
        "week" | "weeks" => "WEE",
        "month" | "months" => "MON",
        "year" | "years" => "ANN",
        "kg" | "kilogram" | "kilograms" | "kilo" => "KGM",
        "g" | "gram" | "grams" => "GRM",
        "t" | "tonne" | "tonnes" => "TNE",
        "m" | "metre" | "metres" | "meter" | "meters" => "MTR",
        "km" | "kilometre" | "kilometres" | "kilometer" | "kilometers" => "KMT",
        "cm" => "CMT",
        "mm" => "MMT",
        "m2" | "m²" | "sqm" | "square metre" | "square meter" => "MTK",
        "m3" | "m³" | "cubic metre" | "cubic meter" => "MTQ",
        "l" | "litre" | "litres" | "liter" | "liters" => "LTR",
        "ml" => "MLT",
        "kwh" => "KWH",
        "set" | "sets" => "SET",
        "pair" | "pairs" => "PR",
        "license" | "licence" | "licenses" | "licences" | "seat" | "seats" | "user" | "users" => {
            "C62"
        }
        _ => return None,
    };
    Some(code)
}

/// The unit code written for a line.
pub fn line_unit(line: &Line) -> &str {
    line.unit_code.as_deref().unwrap_or("C62")
}

/// An electronic address (EN 16931 BT-34 / BT-49): the Peppol participant id, as an
/// Electronic Address Scheme code (`0088` GLN, `9925` Belgian VAT, `0204` Leitweg-ID,
/// `EM` email, …) and the id in that scheme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ElectronicAddress {
    pub scheme: String,
    pub id: String,
}

impl ElectronicAddress {
    pub fn parse(a: &ElectronicAddress, field: &str, f: &mut Fields) -> Option<Self> {
        let scheme = a.scheme.trim().to_ascii_uppercase();
        let scheme_ok = codes::contains(codes::EAS, &scheme);
        if !scheme_ok {
            f.error(
                &format!("{field}.scheme"),
                "must be an Electronic Address Scheme code such as 0088, 9925 or EM",
            );
        }
        let id = f.check(&format!("{field}.id"), text::text(&a.id, 100, false))?;
        scheme_ok.then_some(Self { scheme, id })
    }
}

/// Which specification the exports claim (BT-24).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// EN 16931 itself (`urn:cen.eu:en16931:2017`).
    #[default]
    En16931,
    /// Peppol BIS Billing 3.0: also needs both electronic addresses and a buyer reference
    /// or purchase order reference.
    PeppolBis3,
}

impl Profile {
    pub fn customization_id(self) -> &'static str {
        match self {
            Profile::En16931 => "urn:cen.eu:en16931:2017",
            Profile::PeppolBis3 => {
                "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
            }
        }
    }

    /// BT-23, written by Peppol only.
    pub fn process_id(self) -> Option<&'static str> {
        match self {
            Profile::En16931 => None,
            Profile::PeppolBis3 => Some("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"),
        }
    }
}

/// The seller's e-invoicing data (part of the company settings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SellerEInvoicing {
    #[serde(default)]
    pub profile: Profile,
    /// Company registration number (BT-30), e.g. the trade register number or SIREN.
    #[serde(default)]
    pub legal_registration_id: Option<String>,
    /// The company's Peppol participant id (BT-34).
    #[serde(default)]
    pub electronic_address: Option<ElectronicAddress>,
    /// Seller contact (BT-41 to BT-43).
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    /// The account customers pay to (BT-84), written as a SEPA credit transfer.
    #[serde(default)]
    pub iban: Option<String>,
    /// BT-86.
    #[serde(default)]
    pub bic: Option<String>,
}

impl SellerEInvoicing {
    /// Validates every field; errors go to `f` under `einvoicing.<field>`.
    pub fn parse(&self, f: &mut Fields) -> Self {
        let opt = |f: &mut Fields, name: &str, v: &Option<String>, max: usize| {
            f.check(
                &format!("einvoicing.{name}"),
                text::optional_text(v.as_deref(), max, false),
            )
            .flatten()
        };
        let contact_email = match opt(f, "contact_email", &self.contact_email, 254) {
            Some(e) => f
                .check("einvoicing.contact_email", super::Email::parse(&e))
                .map(|e| e.as_str().to_string()),
            None => None,
        };
        let iban = match opt(f, "iban", &self.iban, 42) {
            Some(i) => f.check("einvoicing.iban", iban(&i)),
            None => None,
        };
        let bic = match opt(f, "bic", &self.bic, 11) {
            Some(b) => f.check("einvoicing.bic", bic(&b)),
            None => None,
        };
        Self {
            profile: self.profile,
            legal_registration_id: opt(
                f,
                "legal_registration_id",
                &self.legal_registration_id,
                100,
            ),
            electronic_address: self
                .electronic_address
                .as_ref()
                .and_then(|a| ElectronicAddress::parse(a, "einvoicing.electronic_address", f)),
            contact_name: opt(f, "contact_name", &self.contact_name, 200),
            contact_phone: opt(f, "contact_phone", &self.contact_phone, 50),
            contact_email,
            iban,
            bic,
        }
    }
}

/// An IBAN without spaces, upper case, with valid check digits (ISO 13616, mod 97).
pub fn iban(input: &str) -> Result<String, String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let well_formed = (15..=34).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s[..2].chars().all(|c| c.is_ascii_uppercase())
        && s[2..4].chars().all(|c| c.is_ascii_digit());
    if !well_formed {
        return Err("must be an IBAN (country code, check digits, account)".into());
    }
    let rearranged = s[4..].chars().chain(s[..4].chars());
    let mut rem: u32 = 0;
    for c in rearranged {
        let v = c.to_digit(36).expect("alphanumeric");
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem != 1 {
        return Err("is not a valid IBAN: the check digits do not match".into());
    }
    Ok(s)
}

/// A BIC (ISO 9362): 8 or 11 letters and digits.
pub fn bic(input: &str) -> Result<String, String> {
    let s = input.trim().to_ascii_uppercase();
    let ok = (s.len() == 8 || s.len() == 11)
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s[..6].chars().all(|c| c.is_ascii_alphabetic());
    if ok {
        Ok(s)
    } else {
        Err("must be a BIC of 8 or 11 characters".into())
    }
}

/// A VAT identifier has a country prefix (BR-CO-09): ISO 3166 alpha-2, or `EL` for Greece.
pub fn has_vat_prefix(id: &str) -> bool {
    let p = id.get(..2).unwrap_or("");
    id.len() > 2 && (p == "EL" || codes::contains(codes::COUNTRIES, p))
}

/// Everything an e-invoice is made of: the issued invoice or credit note, the invoice a
/// credit note credits (number and issue date), the seller and the buyer.
pub struct Document<'a> {
    pub invoice: &'a Invoice,
    pub preceding: Option<(&'a str, NaiveDate)>,
    pub seller: &'a CompanySettings,
    pub buyer: Option<&'a Customer>,
}

/// One VAT breakdown group (BG-23): the lines of one category and rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VatGroup {
    pub category: VatCategory,
    pub rate: Decimal,
    /// Σ line net (minor units).
    pub taxable: i64,
    /// Σ line tax (minor units): the document's VAT is rounded per line.
    pub tax: i64,
    /// The exemption reason: a VATEX code and/or a text.
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// The VAT breakdown of `lines`, by category then rate. Exemption reasons come from the
/// first line of the group that gives one, else the category's default.
pub fn vat_breakdown(lines: &[Line]) -> Vec<VatGroup> {
    let mut groups: Vec<VatGroup> = Vec::new();
    for l in lines {
        let category = category_of(l);
        let rate = l.tax_rate.normalize();
        let g = match groups
            .iter_mut()
            .position(|g| g.category == category && g.rate == rate)
        {
            Some(i) => &mut groups[i],
            None => {
                groups.push(VatGroup {
                    category,
                    rate,
                    taxable: 0,
                    tax: 0,
                    reason_code: None,
                    reason_text: None,
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.taxable += l.net;
        g.tax += l.tax;
        if g.reason_code.is_none() && g.reason_text.is_none() {
            if let Some(r) = &l.vat_exemption_reason {
                if r.starts_with("VATEX-") {
                    g.reason_code = Some(r.clone());
                } else {
                    g.reason_text = Some(r.clone());
                }
            }
        }
    }
    for g in &mut groups {
        if g.reason_code.is_none() && g.reason_text.is_none() {
            if let Some((code, text)) = g.category.default_reason() {
                g.reason_code = Some(code.into());
                g.reason_text = Some(text.into());
            }
        }
    }
    groups.sort_by_key(|g| (g.category, g.rate));
    groups
}

/// A business rule an invoice does not meet, with the field to fill in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The EN 16931 (or Peppol) rule id, e.g. `BR-S-02`.
    pub rule: String,
    /// Where to fix it, e.g. `settings.tax_id`, `customer.billing_address`, `lines[3]`.
    pub field: String,
    pub message: String,
}

fn v(rule: impl Into<String>, field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation {
        rule: rule.into(),
        field: field.into(),
        message: message.into(),
    }
}

/// The rules of EN 16931 (and of Peppol BIS 3 when the company chose it) that depend on data
/// the ERP does not force at entry: an invoice that breaks none exports as UBL and CII that
/// the official validation accepts. Checked when an invoice or credit note is issued, and
/// again before each export.
pub fn check(doc: &Document) -> Vec<Violation> {
    let mut out = Vec::new();
    parties(doc, &mut out);
    categories(doc, &mut out);
    amounts(doc, &mut out);
    if doc.seller.einvoicing.profile == Profile::PeppolBis3 {
        peppol(doc, &mut out);
    }
    out
}

fn parties(doc: &Document, out: &mut Vec<Violation>) {
    let s = doc.seller;
    if s.legal_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        out.push(v(
            "BR-6",
            "settings.legal_name",
            "An invoice needs the seller's name: set the company's legal name",
        ));
    }
    if s.address.is_none() {
        out.push(v(
            "BR-8",
            "settings.address",
            "An invoice needs the seller's postal address with its country: set the company's address",
        ));
    }
    match doc.buyer.and_then(|c| c.billing_address.as_ref()) {
        Some(_) => {}
        None => out.push(v(
            "BR-10",
            "customer.billing_address",
            "An invoice needs the buyer's postal address with its country: set the customer's billing address",
        )),
    }
    if !outside_vat(&doc.invoice.lines) {
        if let Some(t) = s.tax_id.as_deref().filter(|t| !has_vat_prefix(t)) {
            out.push(v(
                "BR-CO-09",
                "settings.tax_id",
                format!(
                    "The seller's VAT identifier must start with its country code (e.g. DE{t})"
                ),
            ));
        }
        if let Some(t) = doc
            .buyer
            .and_then(|c| c.tax_id.as_deref())
            .filter(|t| !has_vat_prefix(t))
        {
            out.push(v(
                "BR-CO-09",
                "customer.tax_id",
                format!("The buyer's VAT identifier must start with its country code (e.g. FR{t})"),
            ));
        }
    }
    if doc.invoice.kind == InvoiceKind::CreditNote && doc.preceding.is_none() {
        out.push(v(
            "BR-55",
            "credited_invoice_id",
            "A credit note names the invoice it credits (number and date)",
        ));
    }
}

fn categories(doc: &Document, out: &mut Vec<Violation>) {
    let seller_vat = doc.seller.tax_id.is_some();
    let buyer = doc.buyer;
    let buyer_vat = buyer.is_some_and(|c| c.tax_id.is_some());
    let buyer_legal = buyer.is_some_and(|c| c.legal_registration_id.is_some());
    let mut seen: Vec<VatCategory> = doc.invoice.lines.iter().map(category_of).collect();
    seen.sort();
    seen.dedup();
    for c in &seen {
        if *c != VatCategory::O && !seller_vat {
            out.push(v(
                format!("BR-{}-02", c.rules()),
                "settings.tax_id",
                format!(
                    "A line of VAT category {} needs the seller's VAT identifier: set the company's tax ID",
                    c.code()
                ),
            ));
        }
        match c {
            VatCategory::AE if !buyer_vat && !buyer_legal => out.push(v(
                "BR-AE-02",
                "customer.tax_id",
                "A reverse-charge line (AE) needs the buyer's VAT identifier or legal registration id",
            )),
            VatCategory::K if !buyer_vat => out.push(v(
                "BR-IC-02",
                "customer.tax_id",
                "An intra-community supply (K) needs the buyer's VAT identifier",
            )),
            VatCategory::O if seen.len() > 1 => out.push(v(
                "BR-O-11",
                "lines",
                "A line outside the scope of VAT (O) cannot share an invoice with other VAT categories",
            )),
            _ => {}
        }
    }
    for (i, l) in doc.invoice.lines.iter().enumerate() {
        let c = category_of(l);
        if c == VatCategory::E && l.vat_exemption_reason.is_none() {
            out.push(v(
                "BR-E-10",
                format!("lines[{i}].vat_exemption_reason"),
                "An exempt line (E) gives the reason for the exemption (a text or a VATEX code)",
            ));
        }
        if let Err(m) = c.checks_rate(l.tax_rate) {
            let rule = format!("BR-{}-05", c.rules());
            out.push(v(rule, format!("lines[{i}].tax_rate"), m));
        }
    }
}

fn amounts(doc: &Document, out: &mut Vec<Violation>) {
    let inv = doc.invoice;
    let mu = inv.currency.minor_units();
    if mu > 2 {
        let step = 10_i64.pow(u32::from(mu - 2));
        let whole = |a: i64| a % step == 0;
        for (i, l) in inv.lines.iter().enumerate() {
            if ![l.net, l.tax, l.discount_amount].into_iter().all(whole) {
                out.push(v(
                    "BR-DEC-23",
                    format!("lines[{i}]"),
                    format!(
                        "EN 16931 amounts have at most 2 decimals: in {} each line's net amount, discount and tax must be whole hundredths",
                        inv.currency.code()
                    ),
                ));
            }
        }
    }
    // BR-CO-17: the VAT of each group is its taxable amount times the rate, to within 1.00 of
    // the currency (the document's VAT is the sum of the lines' rounded VAT).
    let unit = Decimal::from(10_i64.pow(u32::from(mu)));
    for g in vat_breakdown(&inv.lines) {
        let exact = Decimal::from(g.taxable) * g.rate / Decimal::ONE_HUNDRED;
        let drift = (Decimal::from(g.tax) - exact).abs();
        if drift >= unit {
            out.push(v(
                "BR-CO-17",
                "lines",
                format!(
                    "The VAT at {}% ({} {}) rounded line by line differs from the VAT of the rate's total by 1.00 or more: merge or split lines",
                    g.rate,
                    crate::domain::money::format_minor(g.tax, mu),
                    inv.currency.code()
                ),
            ));
        }
    }
}

fn peppol(doc: &Document, out: &mut Vec<Violation>) {
    if doc.seller.einvoicing.electronic_address.is_none() {
        out.push(v(
            "PEPPOL-EN16931-R020",
            "settings.einvoicing.electronic_address",
            "Peppol needs the seller's electronic address: set the company's Peppol id",
        ));
    }
    if doc
        .buyer
        .and_then(|c| c.electronic_address.as_ref())
        .is_none()
    {
        out.push(v(
            "PEPPOL-EN16931-R010",
            "customer.electronic_address",
            "Peppol needs the buyer's electronic address: set the customer's Peppol id",
        ));
    }
    let i = doc.invoice;
    if buyer_reference(i, doc.buyer).is_none() && i.purchase_order_reference.is_none() {
        out.push(v(
            "PEPPOL-EN16931-R003",
            "buyer_reference",
            "Peppol needs a buyer reference or a purchase order reference on the invoice",
        ));
    }
}

/// The violations as a 422: one field error per rule, the rule id first in its message.
pub fn problem(violations: &[Violation]) -> crate::error::Problem {
    let mut p = crate::error::Problem::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "einvoice-incomplete",
        "Not a valid e-invoice",
        format!(
            "The invoice would not be a valid EN 16931 e-invoice: {}.",
            violations
                .iter()
                .map(|v| v.rule.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    p.errors = violations
        .iter()
        .map(|v| crate::error::FieldError {
            field: v.field.clone(),
            message: format!("{}: {}", v.rule, v.message),
        })
        .collect();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked() {
        assert_eq!(
            iban("de89 3704 0044 0532 0130 00").unwrap(),
            "DE89370400440532013000"
        );
        assert!(iban("DE89370400440532013001").is_err());
        assert!(iban("not an iban").is_err());
        assert_eq!(bic("cobadeffxxx").unwrap(), "COBADEFFXXX");
        assert!(bic("COBA").is_err());
    }

    #[test]
    fn units_map_to_recommendation_20() {
        assert_eq!(unit_code("hour"), Some("HUR"));
        assert_eq!(unit_code("Stück"), Some("C62"));
        assert_eq!(unit_code("KGM"), Some("KGM"));
        assert_eq!(unit_code("bottle"), None);
        assert!(unit_code_input("XYZ1").is_err());
    }

    #[test]
    fn categories_default_by_rate_and_check_it() {
        assert_eq!(VatCategory::default_for(Decimal::from(20)), VatCategory::S);
        assert_eq!(VatCategory::default_for(Decimal::ZERO), VatCategory::Z);
        assert!(VatCategory::S.checks_rate(Decimal::ZERO).is_err());
        assert!(VatCategory::AE.checks_rate(Decimal::from(19)).is_err());
        assert!(VatCategory::K.checks_rate(Decimal::ZERO).is_ok());
        assert!(has_vat_prefix("DE123456789") && has_vat_prefix("EL123"));
        assert!(!has_vat_prefix("123456789") && !has_vat_prefix("XX12"));
    }
}
