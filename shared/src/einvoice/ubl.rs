//! UBL 2.1 Invoice and CreditNote per EN 16931 (and Peppol BIS Billing 3.0), elements in the
//! order the UBL schema requires.

use super::xml::Xml;
use super::{Facts, GroupFacts, LineFacts, PartyFacts};

const INVOICE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// The document as UBL.
pub fn write(f: &Facts) -> String {
    let mut x = Xml::new();
    let (root, ns) = if f.credit_note {
        ("CreditNote", CREDIT_NOTE_NS)
    } else {
        ("Invoice", INVOICE_NS)
    };
    x.open(
        root,
        &[("xmlns", ns), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)],
    );
    x.text("cbc:CustomizationID", f.profile.customization_id())
        .opt("cbc:ProfileID", f.profile.process_id())
        .text("cbc:ID", f.number)
        .text("cbc:IssueDate", &f.issue_date.to_string());
    if f.credit_note {
        x.text("cbc:CreditNoteTypeCode", "381");
    } else {
        x.opt("cbc:DueDate", f.due_date.map(|d| d.to_string()).as_deref())
            .text("cbc:InvoiceTypeCode", "380");
    }
    x.opt("cbc:Note", f.note)
        .text("cbc:DocumentCurrencyCode", f.currency)
        .opt("cbc:BuyerReference", f.buyer_reference);
    if let Some(po) = f.order_reference {
        x.with("cac:OrderReference", |x| {
            x.text("cbc:ID", po);
        });
    }
    if let Some((number, date)) = f.preceding {
        x.with("cac:BillingReference", |x| {
            x.with("cac:InvoiceDocumentReference", |x| {
                x.text("cbc:ID", number)
                    .text("cbc:IssueDate", &date.to_string());
            });
        });
    }
    x.with("cac:AccountingSupplierParty", |x| party(x, &f.seller));
    x.with("cac:AccountingCustomerParty", |x| party(x, &f.buyer));
    if let Some((date, country)) = f.delivery {
        x.with("cac:Delivery", |x| {
            x.text("cbc:ActualDeliveryDate", &date.to_string())
                .with("cac:DeliveryLocation", |x| {
                    x.with("cac:Address", |x| {
                        x.with("cac:Country", |x| {
                            x.text("cbc:IdentificationCode", country);
                        });
                    });
                });
        });
    }
    if let Some((iban, bic)) = f.payee_account {
        x.with("cac:PaymentMeans", |x| {
            x.leaf(
                "cbc:PaymentMeansCode",
                &[("name", "SEPA credit transfer")],
                "58",
            )
            .text("cbc:PaymentID", f.number)
            .with("cac:PayeeFinancialAccount", |x| {
                x.text("cbc:ID", iban);
                if let Some(bic) = bic {
                    x.with("cac:FinancialInstitutionBranch", |x| {
                        x.text("cbc:ID", bic);
                    });
                }
            });
        });
    }
    x.with("cac:PaymentTerms", |x| {
        x.text("cbc:Note", &f.payment_terms);
    });
    let cur = [("currencyID", f.currency)];
    x.with("cac:TaxTotal", |x| {
        x.leaf("cbc:TaxAmount", &cur, &f.tax_total);
        for g in &f.groups {
            subtotal(x, g, f.currency);
        }
    });
    x.with("cac:LegalMonetaryTotal", |x| {
        x.leaf("cbc:LineExtensionAmount", &cur, &f.line_total)
            .leaf("cbc:TaxExclusiveAmount", &cur, &f.line_total)
            .leaf("cbc:TaxInclusiveAmount", &cur, &f.grand_total)
            .leaf("cbc:PayableAmount", &cur, &f.grand_total);
    });
    for l in &f.lines {
        line(&mut x, l, f);
    }
    x.close();
    x.finish()
}

fn party(x: &mut Xml, p: &PartyFacts) {
    x.with("cac:Party", |x| {
        if let Some(e) = p.endpoint {
            x.leaf("cbc:EndpointID", &[("schemeID", &e.scheme)], &e.id);
        }
        if let Some(a) = p.address {
            x.with("cac:PostalAddress", |x| {
                x.text("cbc:StreetName", &a.line1)
                    .opt("cbc:AdditionalStreetName", a.line2.as_deref())
                    .text("cbc:CityName", &a.city)
                    .text("cbc:PostalZone", &a.postal_code)
                    .opt("cbc:CountrySubentity", a.region.as_deref())
                    .with("cac:Country", |x| {
                        x.text("cbc:IdentificationCode", &a.country);
                    });
            });
        }
        if let Some(vat) = p.vat_id {
            x.with("cac:PartyTaxScheme", |x| {
                x.text("cbc:CompanyID", vat).with("cac:TaxScheme", |x| {
                    x.text("cbc:ID", "VAT");
                });
            });
        }
        x.with("cac:PartyLegalEntity", |x| {
            x.text("cbc:RegistrationName", p.name)
                .opt("cbc:CompanyID", p.legal_id);
        });
        if p.contact_name.is_some() || p.contact_phone.is_some() || p.contact_email.is_some() {
            x.with("cac:Contact", |x| {
                x.opt("cbc:Name", p.contact_name)
                    .opt("cbc:Telephone", p.contact_phone)
                    .opt("cbc:ElectronicMail", p.contact_email);
            });
        }
    });
}

fn tax_category(x: &mut Xml, tag: &'static str, code: &str, rate: Option<&str>) {
    x.open(tag, &[])
        .text("cbc:ID", code)
        .opt("cbc:Percent", rate);
}

fn subtotal(x: &mut Xml, g: &GroupFacts, currency: &str) {
    let cur = [("currencyID", currency)];
    x.with("cac:TaxSubtotal", |x| {
        x.leaf("cbc:TaxableAmount", &cur, &g.taxable)
            .leaf("cbc:TaxAmount", &cur, &g.tax);
        tax_category(x, "cac:TaxCategory", g.category.code(), g.rate.as_deref());
        x.opt("cbc:TaxExemptionReasonCode", g.reason_code.as_deref())
            .opt("cbc:TaxExemptionReason", g.reason_text.as_deref())
            .with("cac:TaxScheme", |x| {
                x.text("cbc:ID", "VAT");
            })
            .close();
    });
}

fn line(x: &mut Xml, l: &LineFacts, f: &Facts) {
    let cur = [("currencyID", f.currency)];
    let (tag, quantity) = if f.credit_note {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    x.with(tag, |x| {
        x.text("cbc:ID", &l.id)
            .leaf(quantity, &[("unitCode", l.unit)], &l.quantity)
            .leaf("cbc:LineExtensionAmount", &cur, &l.net);
        if let Some((value, pct, base)) = &l.discount {
            x.with("cac:AllowanceCharge", |x| {
                x.text("cbc:ChargeIndicator", "false")
                    .text("cbc:AllowanceChargeReasonCode", "95")
                    .text("cbc:AllowanceChargeReason", "Discount")
                    .opt("cbc:MultiplierFactorNumeric", pct.as_deref())
                    .leaf("cbc:Amount", &cur, value)
                    .leaf("cbc:BaseAmount", &cur, base);
            });
        }
        x.with("cac:Item", |x| {
            x.text("cbc:Name", l.name);
            tax_category(
                x,
                "cac:ClassifiedTaxCategory",
                l.category.code(),
                l.rate.as_deref(),
            );
            x.with("cac:TaxScheme", |x| {
                x.text("cbc:ID", "VAT");
            })
            .close();
        });
        x.with("cac:Price", |x| {
            x.leaf("cbc:PriceAmount", &cur, &l.price);
        });
    });
}
