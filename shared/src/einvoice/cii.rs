//! UN/CEFACT Cross Industry Invoice D16B, EN 16931 profile (the XML of Factur-X and
//! ZUGFeRD's EN 16931 profile), elements in the order the CII schema requires.

use super::xml::Xml;
use super::{Facts, GroupFacts, LineFacts, PartyFacts, date_102};

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";

fn date(x: &mut Xml, tag: &'static str, inner: &'static str, d: chrono::NaiveDate) {
    x.open(tag, &[])
        .leaf(inner, &[("format", "102")], &date_102(d))
        .close();
}

/// The document as CII.
pub fn write(f: &Facts) -> String {
    let mut x = Xml::new();
    x.open(
        "rsm:CrossIndustryInvoice",
        &[
            ("xmlns:rsm", RSM),
            ("xmlns:ram", RAM),
            ("xmlns:udt", UDT),
            ("xmlns:qdt", QDT),
        ],
    );
    x.with("rsm:ExchangedDocumentContext", |x| {
        if let Some(p) = f.profile.process_id() {
            x.with(
                "ram:BusinessProcessSpecifiedDocumentContextParameter",
                |x| {
                    x.text("ram:ID", p);
                },
            );
        }
        x.with("ram:GuidelineSpecifiedDocumentContextParameter", |x| {
            x.text("ram:ID", f.profile.customization_id());
        });
    });
    x.with("rsm:ExchangedDocument", |x| {
        x.text("ram:ID", f.number)
            .text("ram:TypeCode", if f.credit_note { "381" } else { "380" });
        date(x, "ram:IssueDateTime", "udt:DateTimeString", f.issue_date);
        if let Some(n) = f.note {
            x.with("ram:IncludedNote", |x| {
                x.text("ram:Content", n);
            });
        }
    });
    x.with("rsm:SupplyChainTradeTransaction", |x| {
        for l in &f.lines {
            line(x, l);
        }
        agreement(x, f);
        x.with("ram:ApplicableHeaderTradeDelivery", |x| {
            if let Some((d, country)) = f.delivery {
                x.with("ram:ShipToTradeParty", |x| {
                    x.with("ram:PostalTradeAddress", |x| {
                        x.text("ram:CountryID", country);
                    });
                });
                x.with("ram:ActualDeliverySupplyChainEvent", |x| {
                    date(x, "ram:OccurrenceDateTime", "udt:DateTimeString", d);
                });
            }
        });
        settlement(x, f);
    });
    x.close();
    x.finish()
}

fn agreement(x: &mut Xml, f: &Facts) {
    x.with("ram:ApplicableHeaderTradeAgreement", |x| {
        x.opt("ram:BuyerReference", f.buyer_reference);
        x.with("ram:SellerTradeParty", |x| party(x, &f.seller));
        x.with("ram:BuyerTradeParty", |x| party(x, &f.buyer));
        if let Some(po) = f.order_reference {
            x.with("ram:BuyerOrderReferencedDocument", |x| {
                x.text("ram:IssuerAssignedID", po);
            });
        }
    });
}

fn party(x: &mut Xml, p: &PartyFacts) {
    x.text("ram:Name", p.name);
    if let Some(id) = p.legal_id {
        x.with("ram:SpecifiedLegalOrganization", |x| {
            x.text("ram:ID", id);
        });
    }
    if p.contact_name.is_some() || p.contact_phone.is_some() || p.contact_email.is_some() {
        x.with("ram:DefinedTradeContact", |x| {
            x.opt("ram:PersonName", p.contact_name);
            if let Some(t) = p.contact_phone {
                x.with("ram:TelephoneUniversalCommunication", |x| {
                    x.text("ram:CompleteNumber", t);
                });
            }
            if let Some(e) = p.contact_email {
                x.with("ram:EmailURIUniversalCommunication", |x| {
                    x.text("ram:URIID", e);
                });
            }
        });
    }
    if let Some(a) = p.address {
        x.with("ram:PostalTradeAddress", |x| {
            x.text("ram:PostcodeCode", &a.postal_code)
                .text("ram:LineOne", &a.line1)
                .opt("ram:LineTwo", a.line2.as_deref())
                .text("ram:CityName", &a.city)
                .text("ram:CountryID", &a.country)
                .opt("ram:CountrySubDivisionName", a.region.as_deref());
        });
    }
    if let Some(e) = p.endpoint {
        x.with("ram:URIUniversalCommunication", |x| {
            x.leaf("ram:URIID", &[("schemeID", &e.scheme)], &e.id);
        });
    }
    if let Some(vat) = p.vat_id {
        x.with("ram:SpecifiedTaxRegistration", |x| {
            x.leaf("ram:ID", &[("schemeID", "VA")], vat);
        });
    }
}

fn line(x: &mut Xml, l: &LineFacts) {
    x.with("ram:IncludedSupplyChainTradeLineItem", |x| {
        x.with("ram:AssociatedDocumentLineDocument", |x| {
            x.text("ram:LineID", &l.id);
        });
        x.with("ram:SpecifiedTradeProduct", |x| {
            x.text("ram:Name", l.name);
        });
        x.with("ram:SpecifiedLineTradeAgreement", |x| {
            x.with("ram:NetPriceProductTradePrice", |x| {
                x.text("ram:ChargeAmount", &l.price);
            });
        });
        x.with("ram:SpecifiedLineTradeDelivery", |x| {
            x.leaf("ram:BilledQuantity", &[("unitCode", l.unit)], &l.quantity);
        });
        x.with("ram:SpecifiedLineTradeSettlement", |x| {
            x.with("ram:ApplicableTradeTax", |x| {
                x.text("ram:TypeCode", "VAT")
                    .text("ram:CategoryCode", l.category.code())
                    .opt("ram:RateApplicablePercent", l.rate.as_deref());
            });
            if let Some((value, pct, base)) = &l.discount {
                x.with("ram:SpecifiedTradeAllowanceCharge", |x| {
                    x.with("ram:ChargeIndicator", |x| {
                        x.text("udt:Indicator", "false");
                    })
                    .opt("ram:CalculationPercent", pct.as_deref());
                    if pct.is_some() {
                        x.text("ram:BasisAmount", base);
                    }
                    x.text("ram:ActualAmount", value)
                        .text("ram:ReasonCode", "95")
                        .text("ram:Reason", "Discount");
                });
            }
            x.with("ram:SpecifiedTradeSettlementLineMonetarySummation", |x| {
                x.text("ram:LineTotalAmount", &l.net);
            });
        });
    });
}

fn tax(x: &mut Xml, g: &GroupFacts) {
    x.with("ram:ApplicableTradeTax", |x| {
        x.text("ram:CalculatedAmount", &g.tax)
            .text("ram:TypeCode", "VAT")
            .opt("ram:ExemptionReason", g.reason_text.as_deref())
            .text("ram:BasisAmount", &g.taxable)
            .text("ram:CategoryCode", g.category.code())
            .opt("ram:ExemptionReasonCode", g.reason_code.as_deref())
            .opt("ram:RateApplicablePercent", g.rate.as_deref());
    });
}

fn settlement(x: &mut Xml, f: &Facts) {
    x.with("ram:ApplicableHeaderTradeSettlement", |x| {
        if f.payee_account.is_some() {
            x.text("ram:PaymentReference", f.number);
        }
        x.text("ram:InvoiceCurrencyCode", f.currency);
        if let Some((iban, bic)) = f.payee_account {
            x.with("ram:SpecifiedTradeSettlementPaymentMeans", |x| {
                x.text("ram:TypeCode", "58")
                    .with("ram:PayeePartyCreditorFinancialAccount", |x| {
                        x.text("ram:IBANID", iban);
                    });
                if let Some(bic) = bic {
                    x.with("ram:PayeeSpecifiedCreditorFinancialInstitution", |x| {
                        x.text("ram:BICID", bic);
                    });
                }
            });
        }
        for g in &f.groups {
            tax(x, g);
        }
        x.with("ram:SpecifiedTradePaymentTerms", |x| {
            x.text("ram:Description", &f.payment_terms);
            if let Some(d) = f.due_date {
                date(x, "ram:DueDateDateTime", "udt:DateTimeString", d);
            }
        });
        x.with("ram:SpecifiedTradeSettlementHeaderMonetarySummation", |x| {
            x.text("ram:LineTotalAmount", &f.line_total)
                .text("ram:TaxBasisTotalAmount", &f.line_total)
                .leaf(
                    "ram:TaxTotalAmount",
                    &[("currencyID", f.currency)],
                    &f.tax_total,
                )
                .text("ram:GrandTotalAmount", &f.grand_total)
                .text("ram:DuePayableAmount", &f.grand_total);
        });
        if let Some((number, d)) = f.preceding {
            x.with("ram:InvoiceReferencedDocument", |x| {
                x.text("ram:IssuerAssignedID", number);
                date(x, "ram:FormattedIssueDateTime", "qdt:DateTimeString", d);
            });
        }
    });
}
