//! The rules of an order, as state transitions: `draft → confirmed → invoiced`, or
//! `cancelled` (a draft deleted, or a draft or confirmed order cancelled); only drafts are
//! edited. Nothing here reads or writes the store.

use super::invoicing::Draft;
use super::money::{Line, totals};
use super::rollup::Rollup;
use super::sales::{Invoice, Order, OrderStatus};

/// What is done to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderAction {
    Edit,
    /// Deleting a draft keeps it, as `cancelled`.
    Delete,
    Confirm,
    Cancel,
    Invoice,
}

impl OrderAction {
    /// The statuses the action starts from.
    pub fn from(self) -> &'static [OrderStatus] {
        match self {
            Self::Edit | Self::Delete | Self::Confirm => &[OrderStatus::Draft],
            Self::Cancel => &[OrderStatus::Draft, OrderStatus::Confirmed],
            Self::Invoice => &[OrderStatus::Confirmed],
        }
    }

    /// The status the action leaves (an edit leaves it as it is).
    pub fn to(self) -> Option<OrderStatus> {
        match self {
            Self::Edit => None,
            Self::Delete | Self::Cancel => Some(OrderStatus::Cancelled),
            Self::Confirm => Some(OrderStatus::Confirmed),
            Self::Invoice => Some(OrderStatus::Invoiced),
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Self::Edit => "edited",
            Self::Delete => "deleted",
            Self::Confirm => "confirmed",
            Self::Cancel => "cancelled",
            Self::Invoice => "invoiced",
        }
    }
}

/// An action the order's status does not allow (409).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("An order that is {} cannot be {}.", .status.as_str(), .action.verb())]
pub struct OrderError {
    pub status: OrderStatus,
    pub action: OrderAction,
}

/// What a new draft order is made of.
pub struct NewOrder {
    pub customer_id: String,
    pub customer_name: String,
    pub currency: super::Currency,
    pub lines: Vec<Line>,
    pub notes: Option<String>,
}

impl Order {
    /// A new draft order, version 1.
    pub fn draft(id: String, created_at: String, n: NewOrder) -> Order {
        Order {
            id,
            customer_id: n.customer_id,
            customer_name: n.customer_name,
            currency: n.currency,
            totals: totals(&n.lines),
            lines: n.lines,
            notes: n.notes,
            status: OrderStatus::Draft,
            invoice_id: None,
            created_at: created_at.clone(),
            updated_at: created_at,
            version: 1,
        }
    }

    /// The figures of the order made on `date`: one more order, for its customer.
    pub fn opened(&self, date: chrono::NaiveDate) -> Rollup {
        let mut rollup = Rollup::new(date, self.currency.code());
        rollup.orders = 1;
        rollup.customer_id = Some(self.customer_id.clone());
        rollup
    }

    /// Whether the order's status allows `action`.
    pub fn allows(&self, action: OrderAction) -> Result<(), OrderError> {
        if action.from().contains(&self.status) {
            Ok(())
        } else {
            Err(OrderError {
                status: self.status,
                action,
            })
        }
    }

    /// The order after a status change (delete, confirm, cancel).
    pub fn moved(&self, action: OrderAction) -> Result<Order, OrderError> {
        self.allows(action)?;
        let mut after = self.clone();
        if let Some(to) = action.to() {
            after.status = to;
        }
        Ok(after)
    }

    /// A draft edited: new notes (`Some(None)` clears them) or lines (the totals follow).
    pub fn edited(
        &self,
        notes: Option<Option<String>>,
        lines: Option<Vec<Line>>,
    ) -> Result<Order, OrderError> {
        let mut after = self.moved(OrderAction::Edit)?;
        if let Some(notes) = notes {
            after.notes = notes;
        }
        if let Some(lines) = lines {
            after.totals = totals(&lines);
            after.lines = lines;
        }
        Ok(after)
    }

    /// Invoices a confirmed order: a draft invoice `invoice_id` with its lines, totals and
    /// notes, due after `payment_terms_days`; the order becomes `invoiced` and names it.
    pub fn invoiced(
        &self,
        invoice_id: String,
        created_at: String,
        payment_terms_days: u32,
    ) -> Result<(Order, Invoice), OrderError> {
        let mut after = self.moved(OrderAction::Invoice)?;
        let mut invoice = Invoice::draft(
            invoice_id,
            created_at,
            Draft {
                customer_id: self.customer_id.clone(),
                customer_name: self.customer_name.clone(),
                currency: self.currency,
                lines: self.lines.clone(),
                notes: self.notes.clone(),
                due_date: None,
                payment_terms_days,
            },
        );
        invoice.order_id = Some(self.id.clone());
        invoice.totals = self.totals;
        invoice.balance_due = self.totals.total;
        after.invoice_id = Some(invoice.id.clone());
        Ok((after, invoice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::domain::sales::InvoiceStatus;

    fn order(status: OrderStatus) -> Order {
        Order {
            id: "o1".into(),
            customer_id: "c1".into(),
            customer_name: "Acme".into(),
            currency: Currency::parse("EUR").unwrap(),
            lines: Vec::new(),
            totals: totals(&[]),
            notes: Some("Rush".into()),
            status,
            invoice_id: None,
            created_at: "2026-03-01T00:00:00Z".into(),
            updated_at: "2026-03-01T00:00:00Z".into(),
            version: 1,
        }
    }

    #[test]
    fn orders_move_only_along_their_transitions() {
        use OrderAction::*;
        use OrderStatus::*;
        for (from, action, ok) in [
            (Draft, Confirm, true),
            (Draft, Delete, true),
            (Draft, Cancel, true),
            (Draft, Invoice, false),
            (Confirmed, Cancel, true),
            (Confirmed, Invoice, true),
            (Confirmed, Confirm, false),
            (Confirmed, Edit, false),
            (Invoiced, Cancel, false),
            (Cancelled, Confirm, false),
        ] {
            let moved = order(from).moved(action);
            assert_eq!(moved.is_ok(), ok, "{from:?} {action:?}");
            if let Ok(o) = moved {
                assert_eq!(o.status, action.to().unwrap());
            }
        }
        assert_eq!(
            order(Invoiced).moved(Cancel).unwrap_err().to_string(),
            "An order that is invoiced cannot be cancelled."
        );
    }

    #[test]
    fn an_invoiced_order_names_its_draft_invoice() {
        let (o, i) = order(OrderStatus::Confirmed)
            .invoiced("i1".into(), "2026-03-02T00:00:00Z".into(), 14)
            .unwrap();
        assert_eq!(
            (o.status, o.invoice_id.as_deref()),
            (OrderStatus::Invoiced, Some("i1"))
        );
        assert_eq!(
            (i.status, i.order_id.as_deref()),
            (InvoiceStatus::Draft, Some("o1"))
        );
        assert_eq!(
            (i.payment_terms_days, i.notes.as_deref()),
            (14, Some("Rush"))
        );
        let edited = order(OrderStatus::Draft).edited(Some(None), None).unwrap();
        assert_eq!(edited.notes, None);
    }

    #[test]
    fn a_new_order_is_a_draft_counted_on_its_day() {
        let o = Order::draft(
            "o2".into(),
            "2026-03-01T10:00:00Z".into(),
            NewOrder {
                customer_id: "c1".into(),
                customer_name: "Acme".into(),
                currency: Currency::parse("EUR").unwrap(),
                lines: Vec::new(),
                notes: None,
            },
        );
        assert_eq!((o.status, o.version), (OrderStatus::Draft, 1));
        let r = o.opened("2026-03-01".parse().unwrap());
        assert_eq!((r.orders, r.customer_id.as_deref()), (1, Some("c1")));
    }
}
