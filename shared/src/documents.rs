//! Invoice PDFs: the invoice, its customer and the company settings turned into the
//! renderer's view ([`crate::pdf::InvoicePdf`]), and the attachment source that renders
//! them for emails. Built only with the `pdf` feature (functions `invoices`, `notifier`
//! and the local server), so no other binary carries the PDF code.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::domain::company::{CompanySettings, LogoMeta, address_lines};
use crate::domain::money::{Discount, format_grouped};
use crate::domain::sales::{Invoice, InvoiceKind, InvoiceStatus};
use crate::domain::{Currency, Customer};
use crate::einvoice::{Parts, Syntax};
use crate::email::{Attachment, AttachmentRef, AttachmentSource, RenderFuture};
use crate::pdf::{InvoicePdf, Logo, Party, PdfLine, TaxRow, TotalRow};
use crate::store::{Store, StoreError, keys};

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("pdf: {0}")]
    Pdf(#[from] crate::pdf::PdfError),
}

/// An amount as printed: see [`format_grouped`].
pub fn amount(v: i64, c: Currency) -> String {
    format_grouped(v, c.minor_units())
}

fn percent(d: Decimal) -> String {
    format!("{}%", d.normalize())
}

/// The title and number printed on the document.
pub fn title_and_number(i: &Invoice) -> (String, String) {
    let title = match (i.kind, i.status) {
        (InvoiceKind::CreditNote, _) => "Credit note",
        (_, InvoiceStatus::Draft) => "Draft invoice",
        (_, InvoiceStatus::Void) => "Invoice (void)",
        _ => "Invoice",
    };
    let number = i.number.clone().unwrap_or_else(|| "Draft".into());
    (title.into(), number)
}

/// The file name of an invoice's PDF.
pub fn file_name(i: &Invoice) -> String {
    match &i.number {
        Some(n) => format!("{n}.pdf"),
        None => format!("draft-{}.pdf", i.id),
    }
}

/// The renderer's view of an invoice.
pub fn view(
    invoice: &Invoice,
    customer: Option<&Customer>,
    company: &CompanySettings,
    logo: Option<(LogoMeta, Vec<u8>)>,
) -> InvoicePdf {
    let c = invoice.currency;
    let (title, number) = title_and_number(invoice);
    let mut company_lines = company.address_lines();
    if let Some(t) = &company.tax_id {
        company_lines.push(format!("Tax ID: {t}"));
    }
    if let Some(e) = &company.email_from {
        company_lines.push(e.as_str().to_string());
    }
    let mut customer_lines = customer
        .and_then(|c| c.billing_address.as_ref())
        .map(address_lines)
        .unwrap_or_default();
    if let Some(t) = customer.and_then(|c| c.tax_id.as_ref()) {
        customer_lines.push(format!("Tax ID: {t}"));
    }
    let mut facts = Vec::new();
    if let Some(d) = invoice.issue_date {
        facts.push(("Issue date".to_string(), d.to_string()));
    }
    if let Some(d) = invoice.due_date {
        facts.push(("Due date".to_string(), d.to_string()));
    }
    facts.push(("Currency".to_string(), c.code().to_string()));
    if let Some(r) = crate::domain::einvoice::buyer_reference(invoice, customer) {
        facts.push(("Your reference".to_string(), r.to_string()));
    }
    if let Some(po) = &invoice.purchase_order_reference {
        facts.push(("Purchase order".to_string(), po.clone()));
    }
    let lines = invoice
        .lines
        .iter()
        .map(|l| PdfLine {
            description: l.description.clone(),
            quantity: l.quantity.normalize().to_string(),
            unit_price: amount(l.unit_price, c),
            discount: match &l.discount {
                None => String::new(),
                Some(Discount::Percent { value }) => percent(*value),
                Some(Discount::Amount { value }) => amount(*value, c),
            },
            tax_rate: percent(l.tax_rate),
            amount: amount(l.net, c),
        })
        .collect();
    let mut by_rate: BTreeMap<Decimal, (i64, i64)> = BTreeMap::new();
    for l in &invoice.lines {
        let e = by_rate.entry(l.tax_rate.normalize()).or_default();
        e.0 += l.net;
        e.1 += l.tax;
    }
    let tax_breakdown = by_rate
        .into_iter()
        .map(|(rate, (net, tax))| TaxRow {
            rate: percent(rate),
            net: amount(net, c),
            tax: amount(tax, c),
        })
        .collect();
    let t = &invoice.totals;
    let row = |label: &str, v: i64, emphasised: bool| TotalRow {
        label: label.into(),
        value: amount(v, c),
        emphasised,
    };
    let mut totals = vec![row("Subtotal", t.subtotal, false)];
    if t.discount != 0 {
        totals.push(row("Discount", -t.discount, false));
    }
    totals.push(row("Tax", t.tax, false));
    totals.push(row(&format!("Total {}", c.code()), t.total, true));
    if invoice.kind == InvoiceKind::Invoice && invoice.status != InvoiceStatus::Draft {
        if invoice.amount_paid != 0 {
            totals.push(row("Paid", -invoice.amount_paid, false));
        }
        if invoice.amount_credited != 0 {
            totals.push(row("Credited", -invoice.amount_credited, false));
        }
        totals.push(row(
            &format!("Balance due {}", c.code()),
            invoice.balance_due,
            true,
        ));
    }
    let e = &company.einvoicing;
    let mut payment_instructions: Vec<String> = match (&company.bank_details, &e.iban) {
        (Some(b), _) => b.lines().map(str::to_string).collect(),
        (None, Some(iban)) => std::iter::once(format!("IBAN: {iban}"))
            .chain(e.bic.as_ref().map(|b| format!("BIC: {b}")))
            .collect(),
        (None, None) => Vec::new(),
    };
    if !payment_instructions.is_empty() && invoice.number.is_some() {
        payment_instructions.push(format!("Reference: {number}"));
    }
    InvoicePdf {
        title,
        number,
        brand_rgb: company.brand_rgb(),
        logo: logo.map(|(meta, bytes)| Logo {
            format: meta.format,
            bytes,
        }),
        company: Party {
            name: company.legal_name.clone().unwrap_or_default(),
            lines: company_lines,
        },
        customer: Party {
            name: invoice.customer_name.clone(),
            lines: customer_lines,
        },
        facts,
        lines,
        tax_breakdown,
        totals,
        notes: invoice.notes.clone(),
        payment_instructions,
        footer: company.invoice_footer.clone(),
        date: invoice.issue_date,
        facturx: None,
    }
}

/// The PDF of an invoice as it is now, or `None` when there is no such invoice. Two round
/// trips: the invoice, then its customer, the settings, the logo and (for a credit note) the
/// invoice it credits in one batch. An issued invoice or credit note that meets the EN 16931
/// rules is a Factur-X PDF: its CII e-invoice is embedded as `factur-x.xml`.
pub async fn invoice_pdf(
    store: &Store,
    default_tz: chrono_tz::Tz,
    invoice_id: &str,
) -> Result<Option<(Invoice, Vec<u8>)>, DocumentError> {
    let Some(invoice) = crate::sales::get_invoice(store, invoice_id).await? else {
        return Ok(None);
    };
    let (parts, logo) =
        Parts::load_with(store, default_tz, &invoice, Some(keys::company_logo())).await?;
    let logo = logo.and_then(crate::settings::logo_of);
    let mut pdf_view = view(&invoice, parts.buyer.as_ref(), &parts.seller, logo);
    if !matches!(invoice.status, InvoiceStatus::Draft | InvoiceStatus::Void) {
        pdf_view.facturx = parts
            .write(&invoice, Syntax::Cii)
            .ok()
            .map(String::into_bytes);
    }
    let pdf = crate::pdf::render_invoice(&pdf_view)?;
    Ok(Some((invoice, pdf)))
}

/// The UBL e-invoice of an invoice as an email attachment.
async fn invoice_ubl(
    store: &Store,
    default_tz: chrono_tz::Tz,
    invoice_id: &str,
) -> Result<Attachment, String> {
    let invoice = crate::sales::get_invoice(store, invoice_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("invoice {invoice_id} not found"))?;
    let parts = Parts::load(store, default_tz, &invoice)
        .await
        .map_err(|e| e.to_string())?;
    let xml = parts
        .write(&invoice, Syntax::Ubl)
        .map_err(|p| format!("{}: {}", p.detail, p.errors.len()))?;
    Ok(Attachment {
        filename: Syntax::Ubl.file_name(invoice.number.as_deref().unwrap_or(&invoice.id)),
        content_type: "application/xml".into(),
        data: xml.into_bytes(),
    })
}

/// Renders invoice PDFs for outgoing emails.
pub struct PdfAttachments {
    pub store: Store,
    pub default_tz: chrono_tz::Tz,
}

impl AttachmentSource for PdfAttachments {
    fn render(&self, what: &AttachmentRef) -> RenderFuture {
        let store = self.store.clone();
        let tz = self.default_tz;
        let what = what.clone();
        Box::pin(async move {
            match what {
                AttachmentRef::InvoicePdf { invoice_id } => {
                    match invoice_pdf(&store, tz, &invoice_id).await {
                        Ok(Some((invoice, data))) => Ok(Attachment {
                            filename: file_name(&invoice),
                            content_type: "application/pdf".into(),
                            data,
                        }),
                        Ok(None) => Err(format!("invoice {invoice_id} not found")),
                        Err(e) => Err(e.to_string()),
                    }
                }
                AttachmentRef::InvoiceUbl { invoice_id } => {
                    invoice_ubl(&store, tz, &invoice_id).await
                }
            }
        })
    }
}

/// The attachment source of a state's store (for `AppState::with_attachments`).
pub fn attachments(store: &Store, default_tz: chrono_tz::Tz) -> Arc<dyn AttachmentSource> {
    Arc::new(PdfAttachments {
        store: store.clone(),
        default_tz,
    })
}
