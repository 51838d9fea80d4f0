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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Issued,
    PartiallyPaid,
    Paid,
    Void,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Draft,
        InvoiceStatus::Issued,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// Issued and not settled: payments may be recorded, reminders apply.
    pub fn is_open(self) -> bool {
        matches!(self, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// Days from issue to due date unless a due date is given.
    pub payment_terms_days: u32,
    pub amount_paid: i64,
    /// Credit notes issued against this invoice.
    pub amount_credited: i64,
    /// total − paid − credited.
    pub balance_due: i64,
    /// The date of the payment that settled it (for the average days to pay).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_on: Option<NaiveDate>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl Invoice {
    /// Past its due date (in the company's time zone) and not settled.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_date.is_some_and(|d| d < today)
    }

    /// The status its amounts imply once issued.
    pub fn settled_status(&self) -> InvoiceStatus {
        if self.balance_due == 0 {
            InvoiceStatus::Paid
        } else if self.amount_paid > 0 || self.amount_credited > 0 {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Issued
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
