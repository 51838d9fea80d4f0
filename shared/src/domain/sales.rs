//! Orders, invoices, credit notes and payments.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Currency;
use super::money::{Line, Totals};

/// Most lines on one order or invoice. A 500-line document with 200-character descriptions
/// stays well under DynamoDB's 400 KB item limit (see the README's measurements).
pub const MAX_LINES: usize = 500;
/// Longest line description.
pub const MAX_DESCRIPTION: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Draft,
    Confirmed,
    Invoiced,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Draft,
        OrderStatus::Confirmed,
        OrderStatus::Invoiced,
        OrderStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Invoiced => "invoiced",
            OrderStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: String,
    pub customer_id: String,
    /// The customer's name when the order was made.
    pub customer_name: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub totals: Totals,
    pub notes: Option<String>,
    pub status: OrderStatus,
    pub invoice_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// Where an invoice (or credit note) stands. Invoices go `draft → issued → partially_paid →
/// paid` (settled by a payment) or `credited` (balance cleared by credit notes), or `void`
/// (issued, nothing paid or credited); a payment reversed reopens them. A credit note is
/// `applied`: it lowered its invoice's balance when it was issued, and nothing is owed on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Issued,
    PartiallyPaid,
    Paid,
    Credited,
    Void,
    Applied,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 7] = [
        InvoiceStatus::Draft,
        InvoiceStatus::Issued,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::Paid,
        InvoiceStatus::Credited,
        InvoiceStatus::Void,
        InvoiceStatus::Applied,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Credited => "credited",
            InvoiceStatus::Void => "void",
            InvoiceStatus::Applied => "applied",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// Issued and not settled: payments may be recorded, reminders apply.
    pub fn is_open(self) -> bool {
        matches!(self, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid)
    }

    /// The status a stored document reads as. Before `credited` and `applied` existed, a
    /// fully credited invoice and every credit note were stored as `paid`: a credit note
    /// reads as `applied`, and a `paid` invoice with no `paid_on` (no settling payment
    /// recorded) and some credit reads as `credited`. Everything else reads as stored.
    pub fn read_as(
        self,
        kind: InvoiceKind,
        has_paid_on: bool,
        amount_credited: i64,
    ) -> InvoiceStatus {
        match (self, kind) {
            (InvoiceStatus::Paid, InvoiceKind::CreditNote) => InvoiceStatus::Applied,
            (InvoiceStatus::Paid, InvoiceKind::Invoice) if !has_paid_on && amount_credited > 0 => {
                InvoiceStatus::Credited
            }
            (s, _) => s,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

impl InvoiceKind {
    /// The number series of the kind.
    pub fn series(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "INV",
            InvoiceKind::CreditNote => "CN",
        }
    }

    /// The `n`th number of the series in `year` (`INV-2026-000123`): numbers are gapless
    /// per series and year.
    pub fn number(self, year: i32, n: i64) -> String {
        format!("{}-{year}-{n:06}", self.series())
    }
}

/// Serialised as derived; deserialised as derived and then brought up to date with
/// [`Invoice::read_as_current`] (see the `Serialize` and `Deserialize` impls below).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(remote = "Self")]
pub struct Invoice {
    pub id: String,
    pub kind: InvoiceKind,
    /// `INV-2026-000123` (`CN-...` for credit notes), assigned when issued.
    pub number: Option<String>,
    pub order_id: Option<String>,
    /// For a credit note: the invoice it credits.
    pub credited_invoice_id: Option<String>,
    pub customer_id: String,
    pub customer_name: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub totals: Totals,
    pub notes: Option<String>,
    pub status: InvoiceStatus,
    /// Company-time-zone calendar dates.
    #[schema(value_type = Option<String>, format = Date)]
    pub issue_date: Option<NaiveDate>,
    /// Invoices only (credit notes have none).
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Days from issue to due date unless a due date is given.
    pub payment_terms_days: u32,
    pub amount_paid: i64,
    /// Credit notes issued against this invoice.
    pub amount_credited: i64,
    /// total − paid − credited.
    pub balance_due: i64,
    /// The date of the payment that settled it (for the average days to pay): set while the
    /// status is `paid`, except on invoices settled before this field existed.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_on: Option<NaiveDate>,
    /// The buyer's reference for the invoice (EN 16931 BT-10; in Germany the Leitweg-ID);
    /// absent: the customer's.
    #[serde(default)]
    pub buyer_reference: Option<String>,
    /// The buyer's purchase order number (BT-13).
    #[serde(default)]
    pub purchase_order_reference: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl Serialize for Invoice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Invoice::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Invoice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Invoice::deserialize(deserializer).map(Invoice::read_as_current)
    }
}

impl Invoice {
    /// A stored document as this version reads it (the defaulting rule of
    /// [`InvoiceStatus::read_as`]; credit notes have no due date).
    pub fn read_as_current(mut self) -> Self {
        self.status = self
            .status
            .read_as(self.kind, self.paid_on.is_some(), self.amount_credited);
        if self.kind == InvoiceKind::CreditNote {
            self.due_date = None;
        }
        self
    }

    /// Past its due date (in the company's time zone) and not settled.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_date.is_some_and(|d| d < today)
    }

    /// The status its amounts imply once issued, after a change that left the balance at
    /// `balance_due`: `settled` when that is zero (`Paid` after a payment, `Credited` after a
    /// credit note), else partly or not yet paid.
    pub fn settled_status(&self, settled: InvoiceStatus) -> InvoiceStatus {
        if self.balance_due == 0 {
            settled
        } else if self.amount_paid > 0 || self.amount_credited > 0 {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Issued
        }
    }
}

/// An invoice as the API shows it: the stored document plus `overdue`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    #[serde(flatten)]
    pub invoice: Invoice,
    /// Open and past its due date in the company's time zone.
    pub overdue: bool,
}

impl InvoiceView {
    /// `today` is the date in the company's time zone.
    pub fn new(invoice: Invoice, today: NaiveDate) -> Self {
        Self {
            overdue: invoice.is_overdue(today),
            invoice,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Card,
    Cash,
    Cheque,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    pub id: String,
    pub invoice_id: String,
    pub invoice_number: Option<String>,
    pub customer_id: String,
    /// Minor units, in the invoice's currency.
    pub amount: i64,
    #[schema(value_type = String)]
    pub currency: Currency,
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(kind: &str, status: &str, paid_on: Option<&str>, credited: i64) -> Invoice {
        serde_json::from_value(serde_json::json!({
            "id": "i1", "kind": kind, "number": "X-1", "order_id": null,
            "credited_invoice_id": null, "customer_id": "c1", "customer_name": "Acme",
            "currency": "EUR", "lines": [],
            "totals": {"subtotal": 100, "discount": 0, "tax": 0, "total": 100},
            "notes": null, "status": status, "issue_date": "2026-03-01",
            "due_date": "2026-03-01", "payment_terms_days": 0,
            "amount_paid": 100 - credited, "amount_credited": credited, "balance_due": 0,
            "paid_on": paid_on, "created_at": "2026-03-01T00:00:00Z",
            "updated_at": "2026-03-01T00:00:00Z", "version": 2
        }))
        .expect("a stored invoice")
    }

    #[test]
    fn documents_stored_as_paid_read_as_what_they_are() {
        let note = stored("credit_note", "paid", None, 0);
        assert_eq!((note.status, note.due_date), (InvoiceStatus::Applied, None));
        let credited = stored("invoice", "paid", None, 100);
        assert_eq!(credited.status, InvoiceStatus::Credited);
        let part_credited = stored("invoice", "paid", None, 40);
        assert_eq!(part_credited.status, InvoiceStatus::Credited);
        // Settled by a payment: with its date, or from before the date was recorded.
        assert_eq!(
            stored("invoice", "paid", Some("2026-03-05"), 40).status,
            InvoiceStatus::Paid
        );
        assert_eq!(
            stored("invoice", "paid", None, 0).status,
            InvoiceStatus::Paid
        );
        let open = stored("invoice", "partially_paid", None, 40);
        assert_eq!(open.status, InvoiceStatus::PartiallyPaid);
        assert!(open.due_date.is_some(), "invoices keep their due date");
        // What is read back is written back as it reads.
        let again: Invoice =
            serde_json::from_value(serde_json::to_value(&credited).unwrap()).unwrap();
        assert_eq!(again, credited);
        assert_eq!(
            serde_json::to_value(&credited).unwrap()["status"],
            "credited"
        );
    }

    #[test]
    fn a_settled_balance_takes_the_status_of_what_settled_it() {
        let mut i = stored("invoice", "issued", None, 40);
        i.balance_due = 0;
        assert_eq!(
            i.settled_status(InvoiceStatus::Credited),
            InvoiceStatus::Credited
        );
        assert_eq!(i.settled_status(InvoiceStatus::Paid), InvoiceStatus::Paid);
        i.balance_due = 10;
        assert_eq!(
            i.settled_status(InvoiceStatus::Paid),
            InvoiceStatus::PartiallyPaid
        );
    }

    #[test]
    fn numbers_are_zero_padded_per_series() {
        assert_eq!(InvoiceKind::Invoice.number(2026, 123), "INV-2026-000123");
        assert_eq!(InvoiceKind::CreditNote.number(2026, 1), "CN-2026-000001");
    }

    #[test]
    fn statuses_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        for s in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::parse(s.as_str()), Some(s));
        }
    }
}
