//! The rules of an invoice, as state transitions: a draft is issued with a number and dates,
//! an open invoice takes payments and credit notes, a payment is reversed, an untouched
//! invoice is voided, a reminder adds a late fee. Each transition returns the invoice after
//! it and what follows from it (the payment or credit note it makes, the effect on the
//! daily figures), or the rule it breaks. Nothing here reads or writes the store: the
//! functions load, apply one of these, and write the result in one transaction.
//!
//! What a transition leaves to the writer: the new version and `updated_at`, the audit
//! record (the difference between before and after), and the stored items.

use chrono::{Datelike, Duration, NaiveDate};

use super::money::{Line, totals};
use super::rollup::Rollup;
use super::sales::{Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentMethod};

/// A rule a transition would break. The message is what the API says; [`Self::field`]
/// names the input at fault (422), else the invoice's status is (409).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("Issued invoices cannot be edited; issue a credit note instead.")]
    NotEditable,
    #[error("Only draft invoices can be issued.")]
    NotDraft,
    #[error("must not be before the issue date")]
    DueBeforeIssue,
    #[error("Payments can only be recorded on issued, unpaid invoices.")]
    NotPayable,
    #[error("exceeds the balance due ({balance_due})")]
    PaymentOverBalance { balance_due: i64 },
    #[error("must not be before the invoice's issue date ({issued})")]
    PaidBeforeIssue { issued: NaiveDate },
    #[error("Only an issued, unpaid or partly paid invoice can be credited.")]
    NotCreditable,
    #[error("the invoice is partly settled: give the lines to credit")]
    CreditLinesRequired,
    #[error("the credit ({credit}) exceeds the balance due ({balance_due})")]
    CreditOverBalance { credit: i64, balance_due: i64 },
    #[error(
        "Only an issued invoice with no payments or credit notes can be voided; credit it instead."
    )]
    NotVoidable,
}

impl InvoiceError {
    /// The request field at fault; `None` when the invoice's status forbids the change.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::DueBeforeIssue => Some("due_date"),
            Self::PaymentOverBalance { .. } => Some("amount"),
            Self::PaidBeforeIssue { .. } => Some("date"),
            Self::CreditLinesRequired | Self::CreditOverBalance { .. } => Some("lines"),
            Self::NotEditable
            | Self::NotDraft
            | Self::NotPayable
            | Self::NotCreditable
            | Self::NotVoidable => None,
        }
    }

    /// The problem type of a status conflict.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotEditable => "immutable",
            _ => "invalid-status",
        }
    }
}

/// What a new draft invoice is made of.
pub struct Draft {
    pub customer_id: String,
    pub customer_name: String,
    pub currency: super::Currency,
    pub lines: Vec<Line>,
    pub notes: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub payment_terms_days: u32,
}

/// What an edit of a draft changes (`None`: unchanged).
#[derive(Default)]
pub struct Edit {
    pub notes: Option<Option<String>>,
    pub due_date: Option<NaiveDate>,
    pub lines: Option<Vec<Line>>,
    pub buyer_reference: Option<Option<String>>,
    pub purchase_order_reference: Option<Option<String>>,
}

/// A payment to apply: the request, with the id and time it is recorded under.
pub struct NewPayment {
    pub id: String,
    pub amount: i64,
    pub date: NaiveDate,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub created_at: String,
}

/// A credit note to issue: its id, lines, reason, date and the last number of its series
/// that year.
pub struct NewCredit {
    pub id: String,
    pub lines: Vec<Line>,
    pub reason: String,
    pub date: NaiveDate,
    pub last_number: i64,
    pub created_at: String,
}

/// An invoice after a transition, what else it made, and the effect on the figures.
#[derive(Debug)]
pub struct Applied<T = ()> {
    pub invoice: Invoice,
    /// The document the transition made (a payment, a credit note), if any.
    pub made: T,
    /// In the order they are written.
    pub rollups: Vec<Rollup>,
}

impl Invoice {
    /// A new draft (no number, nothing owed yet beyond its total), version 1.
    pub fn draft(id: String, created_at: String, d: Draft) -> Invoice {
        let t = totals(&d.lines);
        Invoice {
            id,
            kind: InvoiceKind::Invoice,
            number: None,
            order_id: None,
            credited_invoice_id: None,
            customer_id: d.customer_id,
            customer_name: d.customer_name,
            currency: d.currency,
            lines: d.lines,
            totals: t,
            notes: d.notes,
            status: InvoiceStatus::Draft,
            issue_date: None,
            due_date: d.due_date,
            payment_terms_days: d.payment_terms_days,
            amount_paid: 0,
            amount_credited: 0,
            balance_due: t.total,
            paid_on: None,
            buyer_reference: None,
            purchase_order_reference: None,
            created_at: created_at.clone(),
            updated_at: created_at,
            version: 1,
        }
    }

    /// Only drafts are edited; issued invoices are immutable (they are credited instead).
    pub fn editable(&self) -> Result<(), InvoiceError> {
        if self.status == InvoiceStatus::Draft {
            Ok(())
        } else {
            Err(InvoiceError::NotEditable)
        }
    }

    /// A draft edited: new notes, due date or lines (the total and balance follow the lines).
    pub fn edited(&self, e: Edit) -> Invoice {
        let mut after = self.clone();
        if let Some(notes) = e.notes {
            after.notes = notes;
        }
        if e.due_date.is_some() {
            after.due_date = e.due_date;
        }
        if let Some(r) = e.buyer_reference {
            after.buyer_reference = r;
        }
        if let Some(r) = e.purchase_order_reference {
            after.purchase_order_reference = r;
        }
        if let Some(lines) = e.lines {
            after.lines = lines;
            after.totals = totals(&after.lines);
            after.balance_due = after.totals.total;
        }
        after
    }

    /// Only a draft is issued.
    pub fn issuable(&self) -> Result<(), InvoiceError> {
        if self.status == InvoiceStatus::Draft {
            Ok(())
        } else {
            Err(InvoiceError::NotDraft)
        }
    }

    /// Issues a draft on `issue_date`, due on `due_date` (else the draft's due date, else
    /// after its payment terms), with the number after `last_number` of its series and
    /// year. Its total becomes revenue and receivable on the issue date.
    pub fn issue(
        &self,
        issue_date: NaiveDate,
        due_date: Option<NaiveDate>,
        last_number: i64,
    ) -> Result<Applied, InvoiceError> {
        self.issuable()?;
        let due_date = due_date
            .or(self.due_date)
            .unwrap_or_else(|| issue_date + Duration::days(i64::from(self.payment_terms_days)));
        if due_date < issue_date {
            return Err(InvoiceError::DueBeforeIssue);
        }
        let mut after = self.clone();
        after.number = Some(self.kind.number(issue_date.year(), last_number + 1));
        after.status = InvoiceStatus::Issued;
        after.issue_date = Some(issue_date);
        after.due_date = Some(due_date);
        let mut rollup = Rollup::new(issue_date, self.currency.code()).lines(&self.lines, 1);
        rollup.revenue = self.totals.total;
        rollup.receivable = self.totals.total;
        rollup.invoices = 1;
        rollup.customer_id = Some(self.customer_id.clone());
        Ok(self.applied(after, (), rollup))
    }

    /// Applies a payment to an open invoice: never more than the balance due, never dated
    /// before the issue date (days to pay are never negative). The payment that settles it
    /// sets `paid_on` and counts in the days-to-pay figures of its day.
    pub fn apply_payment(&self, p: NewPayment) -> Result<Applied<Payment>, InvoiceError> {
        if !self.status.is_open() {
            return Err(InvoiceError::NotPayable);
        }
        if p.amount > self.balance_due {
            return Err(InvoiceError::PaymentOverBalance {
                balance_due: self.balance_due,
            });
        }
        if let Some(issued) = self.issue_date.filter(|issued| p.date < *issued) {
            return Err(InvoiceError::PaidBeforeIssue { issued });
        }
        let payment = Payment {
            id: p.id,
            invoice_id: self.id.clone(),
            invoice_number: self.number.clone(),
            customer_id: self.customer_id.clone(),
            amount: p.amount,
            currency: self.currency,
            date: p.date,
            method: p.method,
            reference: p.reference,
            created_at: p.created_at,
        };
        let mut after = self.clone();
        after.amount_paid += payment.amount;
        after.balance_due -= payment.amount;
        after.status = after.settled_status(InvoiceStatus::Paid);
        let mut rollup = Rollup::new(payment.date, payment.currency.code());
        rollup.cash = payment.amount;
        rollup.receivable = -payment.amount;
        rollup.customer_id = Some(payment.customer_id.clone());
        if after.status == InvoiceStatus::Paid {
            after.paid_on = Some(payment.date);
            rollup.paid_invoices = 1;
            rollup.days_to_pay = self
                .issue_date
                .map(|d| (payment.date - d).num_days())
                .unwrap_or(0);
        }
        Ok(self.applied(after, payment, rollup))
    }

    /// Takes back a payment recorded by mistake: the balance goes back up and a settled
    /// invoice reopens (a void one stays void). The cash comes off the payment's day, and a
    /// reopened invoice comes out of the days-to-pay figures of the day it was settled.
    pub fn reverse_payment(&self, payment: &Payment) -> Applied {
        let mut after = self.clone();
        after.amount_paid -= payment.amount;
        after.balance_due += payment.amount;
        if after.status != InvoiceStatus::Void {
            after.status = after.settled_status(InvoiceStatus::Paid);
        }
        let mut rollup = Rollup::new(payment.date, payment.currency.code());
        rollup.cash = -payment.amount;
        rollup.receivable = payment.amount;
        rollup.customer_id = Some(payment.customer_id.clone());
        let mut rollups = vec![rollup];
        match (self.status, self.paid_on, self.issue_date) {
            (InvoiceStatus::Paid, Some(paid_on), Some(issued))
                if after.status != InvoiceStatus::Paid =>
            {
                after.paid_on = None;
                let mut r = Rollup::new(paid_on, payment.currency.code());
                r.paid_invoices = -1;
                r.days_to_pay = -(paid_on - issued).num_days();
                rollups.push(r);
            }
            _ => {}
        }
        Applied {
            invoice: after,
            made: (),
            rollups,
        }
    }

    /// The lines a credit note takes: those requested, else every line of the invoice while
    /// nothing is paid or credited on it.
    pub fn lines_to_credit(&self, requested: Option<Vec<Line>>) -> Result<Vec<Line>, InvoiceError> {
        match requested {
            Some(lines) => Ok(lines),
            None if self.amount_paid == 0 && self.amount_credited == 0 => Ok(self.lines.clone()),
            None => Err(InvoiceError::CreditLinesRequired),
        }
    }

    /// Whether a credit of `credit` minor units may be issued against the invoice: only an
    /// open invoice (not a credit note) is credited, never below a zero balance.
    pub fn creditable(&self, credit: i64) -> Result<(), InvoiceError> {
        if !self.status.is_open() || self.kind != InvoiceKind::Invoice {
            return Err(InvoiceError::NotCreditable);
        }
        if credit > self.balance_due {
            return Err(InvoiceError::CreditOverBalance {
                credit,
                balance_due: self.balance_due,
            });
        }
        Ok(())
    }

    /// Credits an open invoice: a credit note of its own (`CN-…`, `applied`) that lowers the
    /// balance, never below zero. Its total comes off the revenue and receivable of its day.
    pub fn credit(&self, c: NewCredit) -> Result<Applied<Invoice>, InvoiceError> {
        let credit = totals(&c.lines);
        self.creditable(credit.total)?;
        let mut rollup = Rollup::new(c.date, self.currency.code()).lines(&c.lines, -1);
        rollup.revenue = -credit.total;
        rollup.receivable = -credit.total;
        rollup.customer_id = Some(self.customer_id.clone());
        let note = Invoice {
            id: c.id,
            kind: InvoiceKind::CreditNote,
            number: Some(InvoiceKind::CreditNote.number(c.date.year(), c.last_number + 1)),
            order_id: self.order_id.clone(),
            credited_invoice_id: Some(self.id.clone()),
            customer_id: self.customer_id.clone(),
            customer_name: self.customer_name.clone(),
            currency: self.currency,
            lines: c.lines,
            totals: credit,
            notes: Some(c.reason),
            status: InvoiceStatus::Applied,
            issue_date: Some(c.date),
            due_date: None,
            payment_terms_days: 0,
            amount_paid: 0,
            amount_credited: 0,
            balance_due: 0,
            paid_on: None,
            buyer_reference: self.buyer_reference.clone(),
            purchase_order_reference: self.purchase_order_reference.clone(),
            created_at: c.created_at.clone(),
            updated_at: c.created_at,
            version: 1,
        };
        let mut after = self.clone();
        after.amount_credited += credit.total;
        after.balance_due -= credit.total;
        after.status = after.settled_status(InvoiceStatus::Credited);
        Ok(self.applied(after, note, rollup))
    }

    /// Voids an issued invoice nothing was paid or credited on. Its revenue is reversed on
    /// its issue date, so each day's figures keep matching that day's documents.
    pub fn void(&self) -> Result<Applied, InvoiceError> {
        if self.status != InvoiceStatus::Issued || self.amount_paid > 0 || self.amount_credited > 0
        {
            return Err(InvoiceError::NotVoidable);
        }
        let mut after = self.clone();
        after.status = InvoiceStatus::Void;
        after.balance_due = 0;
        let issue_date = self.issue_date.expect("issued invoices have an issue date");
        let mut rollup = Rollup::new(issue_date, self.currency.code()).lines(&self.lines, -1);
        rollup.revenue = -self.totals.total;
        rollup.receivable = -self.totals.total;
        rollup.invoices = -1;
        rollup.customer_id = Some(self.customer_id.clone());
        Ok(self.applied(after, (), rollup))
    }

    /// Adds a late fee line (`fee` minor units, already priced as `line`) on `date`: the
    /// total and balance go up, and the fee is revenue and receivable of that day.
    pub fn add_late_fee(&self, line: Line, fee: i64, date: NaiveDate) -> Applied {
        let mut after = self.clone();
        after.lines.push(line);
        after.totals = totals(&after.lines);
        after.balance_due += fee;
        let mut rollup = Rollup::new(date, self.currency.code());
        rollup.revenue = fee;
        rollup.receivable = fee;
        rollup.customer_id = Some(self.customer_id.clone());
        self.applied(after, (), rollup)
    }

    fn applied<T>(&self, invoice: Invoice, made: T, rollup: Rollup) -> Applied<T> {
        Applied {
            invoice,
            made,
            rollups: vec![rollup],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use crate::domain::money::{LineInput, Rounding, price_line};
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(price: i64) -> Line {
        price_line(
            LineInput {
                product_id: Some("p1".into()),
                description: "Widget".into(),
                quantity: rust_decimal::Decimal::ONE,
                unit_price: price,
                discount: None,
                tax_rate: rust_decimal::Decimal::ZERO,
            },
            Rounding::HalfUp,
        )
        .unwrap()
    }

    fn draft(total: i64) -> Invoice {
        Invoice::draft(
            "i1".into(),
            "2026-03-01T09:00:00Z".into(),
            Draft {
                customer_id: "c1".into(),
                customer_name: "Acme".into(),
                currency: Currency::parse("EUR").unwrap(),
                lines: vec![line(total)],
                notes: None,
                due_date: None,
                payment_terms_days: 30,
            },
        )
    }

    fn issued(total: i64) -> Invoice {
        draft(total)
            .issue(day("2026-03-01"), None, 0)
            .unwrap()
            .invoice
    }

    fn pay(amount: i64, date: &str) -> NewPayment {
        NewPayment {
            id: format!("p-{amount}-{date}"),
            amount,
            date: day(date),
            method: PaymentMethod::BankTransfer,
            reference: None,
            created_at: "2026-03-02T00:00:00Z".into(),
        }
    }

    fn credit(lines: Vec<Line>, last_number: i64) -> NewCredit {
        NewCredit {
            id: "cn1".into(),
            lines,
            reason: "Damaged".into(),
            date: day("2026-03-05"),
            last_number,
            created_at: "2026-03-05T00:00:00Z".into(),
        }
    }

    #[test]
    fn issuing_numbers_and_dates_a_draft() {
        let a = draft(10_000).issue(day("2026-03-01"), None, 122).unwrap();
        assert_eq!(a.invoice.number.as_deref(), Some("INV-2026-000123"));
        assert_eq!(a.invoice.status, InvoiceStatus::Issued);
        assert_eq!(a.invoice.due_date, Some(day("2026-03-31")));
        let r = &a.rollups[0];
        assert_eq!((r.revenue, r.receivable, r.invoices), (10_000, 10_000, 1));
        assert_eq!(r.products["p1"], (10_000, 1));
        assert_eq!(
            a.invoice.issue(day("2026-03-01"), None, 0).unwrap_err(),
            InvoiceError::NotDraft
        );
        let early = draft(1).issue(day("2026-03-01"), Some(day("2026-02-28")), 0);
        assert_eq!(early.unwrap_err(), InvoiceError::DueBeforeIssue);
    }

    #[test]
    fn a_settling_payment_counts_its_days_to_pay() {
        let part = issued(10_000)
            .apply_payment(pay(4_000, "2026-03-03"))
            .unwrap();
        assert_eq!(part.invoice.status, InvoiceStatus::PartiallyPaid);
        assert_eq!(part.rollups[0].paid_invoices, 0);
        let full = part
            .invoice
            .apply_payment(pay(6_000, "2026-03-11"))
            .unwrap();
        assert_eq!(full.invoice.status, InvoiceStatus::Paid);
        assert_eq!(full.invoice.paid_on, Some(day("2026-03-11")));
        let r = &full.rollups[0];
        assert_eq!(
            (r.cash, r.receivable, r.paid_invoices, r.days_to_pay),
            (6_000, -6_000, 1, 10)
        );
        assert_eq!(full.made.invoice_number.as_deref(), Some("INV-2026-000001"));
    }

    #[test]
    fn payments_break_no_rule() {
        let i = issued(10_000);
        assert_eq!(
            i.apply_payment(pay(10_001, "2026-03-02")).unwrap_err(),
            InvoiceError::PaymentOverBalance {
                balance_due: 10_000
            }
        );
        assert_eq!(
            i.apply_payment(pay(1, "2026-02-28")).unwrap_err(),
            InvoiceError::PaidBeforeIssue {
                issued: day("2026-03-01")
            }
        );
        assert_eq!(
            draft(1).apply_payment(pay(1, "2026-03-02")).unwrap_err(),
            InvoiceError::NotPayable
        );
        assert_eq!(InvoiceError::NotPayable.field(), None);
        assert_eq!(
            InvoiceError::PaymentOverBalance { balance_due: 3 }.to_string(),
            "exceeds the balance due (3)"
        );
    }

    #[test]
    fn reversing_the_settling_payment_reopens_and_unsettles() {
        let paid = issued(10_000)
            .apply_payment(pay(10_000, "2026-03-04"))
            .unwrap();
        let back = paid.invoice.reverse_payment(&paid.made);
        assert_eq!(back.invoice.status, InvoiceStatus::Issued);
        assert_eq!(back.invoice.paid_on, None);
        assert_eq!(back.invoice.balance_due, 10_000);
        assert_eq!(back.rollups.len(), 2);
        assert_eq!(
            (back.rollups[0].cash, back.rollups[0].receivable),
            (-10_000, 10_000)
        );
        assert_eq!(
            (back.rollups[1].paid_invoices, back.rollups[1].days_to_pay),
            (-1, -3)
        );
        let mut void = paid.invoice.clone();
        void.status = InvoiceStatus::Void;
        assert_eq!(
            void.reverse_payment(&paid.made).invoice.status,
            InvoiceStatus::Void
        );
    }

    #[test]
    fn credit_notes_lower_the_balance_with_a_number_of_their_own() {
        let i = issued(10_000);
        let c = i.credit(credit(vec![line(2_500)], 6)).unwrap();
        assert_eq!(c.made.number.as_deref(), Some("CN-2026-000007"));
        assert_eq!(c.made.status, InvoiceStatus::Applied);
        assert_eq!(c.made.credited_invoice_id.as_deref(), Some("i1"));
        assert_eq!(
            (c.invoice.balance_due, c.invoice.status),
            (7_500, InvoiceStatus::PartiallyPaid)
        );
        assert_eq!(c.rollups[0].revenue, -2_500);
        let rest = c.invoice.credit(credit(vec![line(7_500)], 7)).unwrap();
        assert_eq!(rest.invoice.status, InvoiceStatus::Credited);
        assert_eq!(
            c.invoice.credit(credit(vec![line(7_501)], 7)).unwrap_err(),
            InvoiceError::CreditOverBalance {
                credit: 7_501,
                balance_due: 7_500
            }
        );
        assert_eq!(
            rest.made.credit(credit(vec![line(1)], 8)).unwrap_err(),
            InvoiceError::NotCreditable
        );
        assert_eq!(i.lines_to_credit(None).unwrap(), i.lines);
        assert_eq!(
            c.invoice.lines_to_credit(None).unwrap_err(),
            InvoiceError::CreditLinesRequired
        );
    }

    #[test]
    fn only_an_untouched_issued_invoice_is_voided() {
        let i = issued(10_000);
        let v = i.void().unwrap();
        assert_eq!(
            (v.invoice.status, v.invoice.balance_due),
            (InvoiceStatus::Void, 0)
        );
        assert_eq!(v.rollups[0].date, "2026-03-01");
        assert_eq!((v.rollups[0].revenue, v.rollups[0].invoices), (-10_000, -1));
        let part = i.apply_payment(pay(1, "2026-03-02")).unwrap().invoice;
        assert_eq!(part.void().unwrap_err(), InvoiceError::NotVoidable);
        assert_eq!(draft(1).void().unwrap_err(), InvoiceError::NotVoidable);
    }

    #[test]
    fn only_drafts_are_edited() {
        let d = draft(100);
        assert_eq!(d.editable(), Ok(()));
        let e = d.edited(Edit {
            lines: Some(vec![line(300), line(200)]),
            ..Default::default()
        });
        assert_eq!(
            (e.totals.total, e.balance_due, e.notes.clone()),
            (500, 500, None)
        );
        let noted = e.edited(Edit {
            notes: Some(Some("Thanks".into())),
            ..Default::default()
        });
        assert_eq!(
            (noted.notes.as_deref(), noted.lines.len()),
            (Some("Thanks"), 2)
        );
        let err = issued(100).editable().unwrap_err();
        assert_eq!((err.kind(), err.field()), ("immutable", None));
    }

    #[test]
    fn a_late_fee_raises_total_and_balance() {
        let i = issued(10_000);
        let a = i.add_late_fee(line(500), 500, day("2026-04-15"));
        assert_eq!(
            (a.invoice.totals.total, a.invoice.balance_due),
            (10_500, 10_500)
        );
        assert_eq!((a.rollups[0].revenue, a.rollups[0].receivable), (500, 500));
    }

    #[derive(Clone, Debug)]
    enum Step {
        Pay(i64),
        Credit(i64),
        ReverseLast,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1i64..20_000).prop_map(Step::Pay),
            (1i64..20_000).prop_map(Step::Credit),
            Just(Step::ReverseLast),
        ]
    }

    proptest! {
        /// Whatever payments, credits and reversals are tried, in any order: the balance
        /// never goes below zero, total = paid + credited + balance, the status follows the
        /// amounts, and the receivable the rollups report always equals the balance.
        #[test]
        fn payments_and_credits_always_add_up(
            total in 1i64..50_000,
            steps in proptest::collection::vec(step(), 0..30),
        ) {
            let first = draft(total).issue(day("2026-03-01"), None, 0).unwrap();
            let mut receivable: i64 = first.rollups.iter().map(|r| r.receivable).sum();
            let mut cash = 0i64;
            let mut invoice = first.invoice;
            let mut payments: Vec<Payment> = Vec::new();
            for s in steps {
                let applied = match s {
                    Step::Pay(a) => invoice.apply_payment(pay(a, "2026-03-09")).map(|a| {
                        payments.push(a.made.clone());
                        Applied { invoice: a.invoice, made: (), rollups: a.rollups }
                    }),
                    Step::Credit(a) => invoice
                        .credit(credit(vec![line(a)], 0))
                        .map(|a| Applied { invoice: a.invoice, made: (), rollups: a.rollups }),
                    Step::ReverseLast => match payments.pop() {
                        Some(p) => Ok(invoice.reverse_payment(&p)),
                        None => continue,
                    },
                };
                let Ok(a) = applied else { continue };
                receivable += a.rollups.iter().map(|r| r.receivable).sum::<i64>();
                cash += a.rollups.iter().map(|r| r.cash).sum::<i64>();
                invoice = a.invoice;
                prop_assert!(invoice.balance_due >= 0);
                prop_assert_eq!(
                    invoice.totals.total,
                    invoice.amount_paid + invoice.amount_credited + invoice.balance_due
                );
                prop_assert_eq!(receivable, invoice.balance_due);
                prop_assert_eq!(cash, invoice.amount_paid);
                prop_assert_eq!(invoice.amount_paid, payments.iter().map(|p| p.amount).sum::<i64>());
                prop_assert_eq!(invoice.status == InvoiceStatus::Paid, invoice.paid_on.is_some());
                if invoice.balance_due > 0 {
                    prop_assert!(invoice.status.is_open());
                }
            }
        }
    }
}
