//! The daily reminder job: for every open invoice, the company's reminder schedule applied on
//! one day in the company's time zone.
//!
//! - Reads only open invoices, from the sparse index `OPENINVOICES` by due date (gsi5), within
//!   the window the schedule can act on; never scans the table.
//! - For each invoice the step to send is the latest one whose day has come, provided that day
//!   is not before the issue date (steps that passed before the invoice existed are skipped)
//!   and not more than [`CATCH_UP_DAYS`] ago (a job that missed days catches up on the latest
//!   step only, never sends a pile of old ones).
//! - A step is sent at most once: a guard item `INVOICE#<id>` / `REMINDER#<days>` is created
//!   in the same transaction as the outbox email, the optional late fee and the audit record,
//!   on the condition that it does not exist and that the invoice is unchanged. Running twice
//!   a day, two runs at once, or a rerun after a crash midway therefore never repeat a step;
//!   a payment or void that lands meanwhile cancels the transaction, and the invoice is read
//!   again (and skipped once it is no longer open).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::domain::Customer;
use crate::domain::company::{CompanySettings, ReminderStep, StepPlace, step_timing};
use crate::domain::money::{LineInput, Rounding, price_line};
use crate::domain::sales::{Invoice, InvoiceKind};
use crate::email::{outbox, templates};
use crate::sales::{self, Rollup};
use crate::store::{
    Condition, Index, Key, Query, SkRange, Store, StoreError, WriteOp, from_item, keys, to_item,
};

/// How many days late a step may still be sent when the job did not run on its day.
pub const CATCH_UP_DAYS: i64 = 7;
/// Invoices read per index page (guards and customers for a page fit in one batch get).
const PAGE: usize = 50;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunReport {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Open invoices read from the index.
    pub examined: usize,
    /// Reminder emails queued.
    pub sent: usize,
    /// Steps taken for customers without an email address (late fee applied, no email).
    pub without_email: usize,
    pub late_fees: usize,
    /// Steps another run had already taken.
    pub already_sent: usize,
    /// Outbox ids of the reminder emails queued (the notifier sends them).
    pub outbox_ids: Vec<String>,
}

/// The guard item of a step taken (`INVOICE#<id>` / `REMINDER#<days>`): what was sent, when,
/// to whom, and which email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTaken {
    pub invoice_id: String,
    pub days: i32,
    /// The step's place in the schedule when it was taken (absent on steps taken before
    /// steps were numbered).
    #[serde(default)]
    pub number: Option<usize>,
    #[serde(default)]
    pub of: Option<usize>,
    pub date: NaiveDate,
    /// The customer's address; `None`: the customer had none, no email was sent.
    pub to: Option<String>,
    /// The late fee this step added (minor units).
    pub late_fee: Option<i64>,
    /// The reminder's email in the outbox (absent on steps taken before it was recorded).
    #[serde(default)]
    pub outbox_id: Option<String>,
}

/// A reminder an invoice received, as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvoiceReminder {
    /// The step: days from the due date (-3: three days before; 14: two weeks late).
    pub days: i32,
    /// Its place in the company's schedule when it was sent: reminder `number` of `of`
    /// (null on reminders sent before steps were numbered).
    pub number: Option<usize>,
    /// How many steps the schedule had then.
    pub of: Option<usize>,
    /// The step in words, as the email names it: "Reminder 4 of 5: 14 days overdue".
    pub label: String,
    /// The day the job took the step (the company's date).
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Where the email went; null when the customer had no email address (nothing sent).
    pub to: Option<String>,
    /// The late fee the step added, in minor units of the invoice's currency.
    pub late_fee: Option<i64>,
    /// The email in the outbox (`GET /api/v1/outbox`).
    pub outbox_id: Option<String>,
    /// The email's status: `pending` (being sent or retried), `sending`, `sent`, `failed`
    /// (every attempt failed; an admin can retry it) or `discarded`; null without an email.
    pub email_status: Option<String>,
}

/// The reminders an invoice received (up to 100), in the order they were sent: one Query on
/// the invoice's partition (the `REMINDER#` items), then one batch read of their emails'
/// statuses.
pub async fn of_invoice(
    store: &Store,
    invoice_id: &str,
) -> Result<Vec<InvoiceReminder>, StoreError> {
    let page = store
        .query(
            Query::table(keys::invoice_partition(invoice_id))
                .range(SkRange::BeginsWith(keys::REMINDER_PREFIX.into()))
                // A schedule has at most 10 steps; an invoice meets a few schedules at most.
                .limit(crate::store::MAX_BATCH_GET),
        )
        .await?;
    let mut taken = page
        .items
        .into_iter()
        .map(from_item::<StepTaken>)
        .collect::<Result<Vec<_>, _>>()?;
    taken.sort_by_key(|t| (t.date, t.days));
    let emails: Vec<Key> = taken
        .iter()
        .filter_map(|t| t.outbox_id.as_deref().map(keys::outbox))
        .collect();
    let statuses: std::collections::HashMap<String, String> = if emails.is_empty() {
        Default::default()
    } else {
        store
            .batch_get(&emails)
            .await?
            .into_iter()
            .filter_map(|item| {
                let id = item.get("id")?.as_str()?.to_string();
                let status = item.get("status")?.as_str()?.to_string();
                Some((id, status))
            })
            .collect()
    };
    Ok(taken
        .into_iter()
        .map(|t| {
            let label = match (t.number, t.of) {
                (Some(number), Some(of)) => StepPlace {
                    number,
                    of,
                    days: t.days,
                }
                .label(),
                _ => format!("Reminder: {}", step_timing(t.days)),
            };
            InvoiceReminder {
                days: t.days,
                number: t.number,
                of: t.of,
                label,
                date: t.date,
                email_status: t
                    .outbox_id
                    .as_ref()
                    .and_then(|id| statuses.get(id).cloned()),
                to: t.to,
                late_fee: t.late_fee,
                outbox_id: t.outbox_id,
            }
        })
        .collect())
}

/// The step due for an invoice on `date`, if any.
pub fn step_for<'a>(
    invoice: &Invoice,
    steps: &'a [ReminderStep],
    date: NaiveDate,
) -> Option<&'a ReminderStep> {
    let (Some(due), Some(issued)) = (invoice.due_date, invoice.issue_date) else {
        return None;
    };
    if invoice.kind != InvoiceKind::Invoice || !invoice.status.is_open() {
        return None;
    }
    let step = steps
        .iter()
        .filter(|s| due + Duration::days(i64::from(s.days)) <= date)
        .max_by_key(|s| s.days)?;
    let day = due + Duration::days(i64::from(step.days));
    (day >= issued && (date - day).num_days() <= CATCH_UP_DAYS).then_some(step)
}

/// Runs the schedule for `date` (a calendar date in the company's time zone).
pub async fn run(
    store: &Store,
    company: &CompanySettings,
    date: NaiveDate,
    actor: &Actor,
) -> Result<RunReport, StoreError> {
    let mut report = RunReport {
        date,
        ..Default::default()
    };
    let steps = &company.reminders.steps;
    let (Some(first), Some(last)) = (steps.first(), steps.last()) else {
        return Ok(report);
    };
    if !company.reminders.enabled {
        return Ok(report);
    }
    // Due dates for which some step can fall on a day in [date - CATCH_UP_DAYS, date].
    let earliest_due = date - Duration::days(i64::from(last.days) + CATCH_UP_DAYS);
    let latest_due = date - Duration::days(i64::from(first.days));
    let brand = templates::Brand::of(company);
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::index(Index::Gsi5, keys::OPEN_INVOICES)
                    .range(SkRange::Between(
                        earliest_due.to_string(),
                        format!("{latest_due}~"),
                    ))
                    .limit(PAGE)
                    .after(cursor),
            )
            .await?;
        report.examined += page.items.len();
        let mut candidates: Vec<(Invoice, ReminderStep, StepPlace)> = Vec::new();
        for item in page.items {
            let invoice: Invoice = from_item(item)?;
            if let Some(step) = step_for(&invoice, steps, date) {
                let place = company
                    .reminders
                    .place_of(step.days)
                    .expect("the step is in the schedule");
                candidates.push((invoice, step.clone(), place));
            }
        }
        // One batch read: which steps are taken already, and the customers' addresses.
        let mut wanted: Vec<Key> = candidates
            .iter()
            .map(|(i, s, _)| keys::reminder_step(&i.id, s.days))
            .collect();
        let mut customer_keys: Vec<Key> = candidates
            .iter()
            .map(|(i, _, _)| keys::customer(&i.customer_id))
            .collect();
        customer_keys.sort();
        customer_keys.dedup();
        wanted.extend(customer_keys);
        let found = store.batch_get(&wanted).await?;
        let taken: std::collections::HashSet<Key> = found.iter().filter_map(Key::of).collect();
        let emails: std::collections::HashMap<String, String> = found
            .into_iter()
            .filter(|i| i.get("sk").and_then(|v| v.as_str()) == Some("CUSTOMER"))
            .filter_map(|i| from_item::<Customer>(i).ok())
            .filter_map(|c| Some((c.id, c.email?.as_str().to_string())))
            .collect();
        for (invoice, step, place) in candidates {
            if taken.contains(&keys::reminder_step(&invoice.id, step.days)) {
                report.already_sent += 1;
                continue;
            }
            let to = emails.get(&invoice.customer_id).cloned();
            let step = (&step, place);
            take_step(store, &brand, invoice, step, date, to, actor, &mut report).await?;
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    crate::observability::count(
        crate::observability::Metric::RemindersSent,
        report.sent as u64,
    );
    if report.sent + report.late_fees + report.without_email > 0 {
        tracing::info!(date = %date, sent = report.sent, late_fees = report.late_fees, without_email = report.without_email, "reminders run");
    }
    Ok(report)
}

/// Takes one step (and its place in the schedule) for one invoice, retrying when the
/// invoice changed meanwhile.
#[allow(clippy::too_many_arguments)]
async fn take_step(
    store: &Store,
    brand: &templates::Brand,
    mut invoice: Invoice,
    (step, place): (&ReminderStep, StepPlace),
    date: NaiveDate,
    to: Option<String>,
    actor: &Actor,
    report: &mut RunReport,
) -> Result<(), StoreError> {
    for _ in 0..5 {
        let guard_key = keys::reminder_step(&invoice.id, step.days);
        let fee = step
            .late_fee
            .as_ref()
            .and_then(|f| f.on(invoice.balance_due));
        let mut after = invoice.clone();
        // 0 (put first, below): the guard; then the invoice (changed, or checked unchanged).
        let mut ops = Vec::new();
        let mut outbox_id = None;
        if let Some(fee) = fee {
            let line = price_line(
                LineInput {
                    product_id: None,
                    description: late_fee_description(step.days),
                    quantity: rust_decimal::Decimal::ONE,
                    unit_price: fee,
                    discount: None,
                    tax_rate: rust_decimal::Decimal::ZERO,
                },
                Rounding::HalfUp,
            )
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let added = invoice.add_late_fee(line, fee, date);
            after = added.invoice;
            after.version += 1;
            after.updated_at = crate::accounts::now_rfc3339();
            ops.push(WriteOp::Put {
                item: sales::invoice_item(&after)?,
                condition: Some(Condition::version_is(invoice.version)),
            });
            ops.push(audit::record(
                actor,
                "invoice.late_fee_added",
                "invoice",
                &invoice.id,
                vec![
                    change("late_fee", json!(null), json!(fee)),
                    change(
                        "balance_due",
                        json!(invoice.balance_due),
                        json!(after.balance_due),
                    ),
                ],
            )?);
            ops.extend(added.rollups.iter().flat_map(Rollup::ops));
        } else {
            ops.push(WriteOp::Check {
                key: keys::invoice(&invoice.id),
                condition: Condition::version_is(invoice.version),
            });
        }
        if let Some(to) = &to {
            let message = templates::reminder(brand, to, &after, date, &place, fee);
            let (id, op) = outbox::enqueue("invoice_reminder", message)?;
            ops.push(op);
            outbox_id = Some(id);
        }
        // The guard names the email (built last: it shows the balance after the fee).
        let guard = StepTaken {
            invoice_id: invoice.id.clone(),
            days: step.days,
            number: Some(place.number),
            of: Some(place.of),
            date,
            to: to.clone(),
            late_fee: fee,
            outbox_id: outbox_id.clone(),
        };
        ops.insert(0, WriteOp::put_new(to_item(&guard_key, &guard)?));
        ops.push(audit::record(
            actor,
            "invoice.reminder_sent",
            "invoice",
            &invoice.id,
            vec![
                change("reminder_step", json!(null), json!(step.days)),
                change("to", json!(null), json!(to)),
            ],
        )?);
        match store.transact(ops).await {
            Ok(()) => {
                if fee.is_some() {
                    report.late_fees += 1;
                }
                match outbox_id {
                    Some(id) => {
                        report.sent += 1;
                        report.outbox_ids.push(id);
                    }
                    None => report.without_email += 1,
                }
                return Ok(());
            }
            Err(e) if e.failed_op(0) => {
                report.already_sent += 1;
                return Ok(());
            }
            Err(e) if crate::retry::lost_race(&e) => {
                // The invoice changed (a payment, a void): decide again on its new state.
                match sales::get_invoice(store, &invoice.id).await? {
                    Some(fresh) if step_for(&fresh, std::slice::from_ref(step), date).is_some() => {
                        invoice = fresh;
                    }
                    _ => return Ok(()),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

fn change(field: &str, old: serde_json::Value, new: serde_json::Value) -> Change {
    Change {
        field: field.into(),
        old,
        new,
    }
}

/// The line added for a late fee.
pub fn late_fee_description(days: i32) -> String {
    format!("Late fee ({days} days overdue)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::company::ReminderSchedule;
    use crate::domain::money::Totals;
    use crate::domain::sales::InvoiceStatus;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn invoice(issued: &str, due: &str) -> Invoice {
        Invoice {
            id: "i1".into(),
            kind: InvoiceKind::Invoice,
            number: Some("INV-2026-000001".into()),
            order_id: None,
            credited_invoice_id: None,
            customer_id: "c1".into(),
            customer_name: "Acme".into(),
            currency: crate::domain::Currency::parse("EUR").unwrap(),
            lines: Vec::new(),
            totals: Totals::default(),
            notes: None,
            status: InvoiceStatus::Issued,
            issue_date: Some(d(issued)),
            due_date: Some(d(due)),
            payment_terms_days: 30,
            amount_paid: 0,
            amount_credited: 0,
            balance_due: 10_000,
            paid_on: None,
            buyer_reference: None,
            purchase_order_reference: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            version: 1,
        }
    }

    fn day_of(i: &Invoice, date: &str) -> Option<i32> {
        step_for(i, &ReminderSchedule::default().steps, d(date)).map(|s| s.days)
    }

    #[test]
    fn the_latest_step_whose_day_has_come_is_chosen() {
        let i = invoice("2026-03-01", "2026-03-31");
        assert_eq!(day_of(&i, "2026-03-27"), None);
        assert_eq!(day_of(&i, "2026-03-28"), Some(-3));
        assert_eq!(day_of(&i, "2026-03-30"), Some(-3));
        assert_eq!(day_of(&i, "2026-03-31"), Some(0));
        assert_eq!(day_of(&i, "2026-04-07"), Some(7));
        assert_eq!(day_of(&i, "2026-04-30"), Some(30));
        assert_eq!(day_of(&i, "2026-05-07"), Some(30), "catch-up window");
        assert_eq!(day_of(&i, "2026-05-08"), None, "past the catch-up window");
    }

    #[test]
    fn steps_that_passed_before_the_issue_date_are_never_sent() {
        // Issued 10 days after its due date: -3, 0 and 7 had passed.
        let i = invoice("2026-04-10", "2026-03-31");
        assert_eq!(day_of(&i, "2026-04-10"), None);
        assert_eq!(day_of(&i, "2026-04-13"), None);
        assert_eq!(day_of(&i, "2026-04-14"), Some(14));
    }

    #[test]
    fn settled_invoices_get_nothing() {
        let mut i = invoice("2026-03-01", "2026-03-31");
        i.status = InvoiceStatus::Paid;
        assert_eq!(day_of(&i, "2026-03-31"), None);
        i.status = InvoiceStatus::Void;
        assert_eq!(day_of(&i, "2026-04-07"), None);
    }

    #[tokio::test]
    async fn a_rerun_after_a_crash_midway_finishes_the_day_without_repeating() {
        let store = Store::memory();
        let company = CompanySettings::defaults(chrono_tz::UTC);
        let actor = Actor::system("reminders", "test");
        let mut customer = Customer::blank("c1".into(), "2026-01-01T00:00:00Z".into());
        customer.name = "Acme".into();
        customer.email = Some(crate::domain::Email::parse("ap@acme.test").unwrap());
        store
            .put(crate::catalog::customer_item(&customer).unwrap(), None)
            .await
            .unwrap();
        for n in 1..=3 {
            let mut i = invoice("2026-03-01", "2026-03-10");
            i.id = format!("i{n}");
            store
                .put(sales::invoice_item(&i).unwrap(), None)
                .await
                .unwrap();
        }
        // The run that crashed had committed i2's step (its transaction is all or nothing)
        // and stopped before the others.
        let mut partial = RunReport::default();
        take_step(
            &store,
            &templates::Brand::of(&company),
            sales::get_invoice(&store, "i2").await.unwrap().unwrap(),
            (
                &company.reminders.steps[1],
                company.reminders.place_of(0).unwrap(),
            ),
            d("2026-03-10"),
            Some("ap@acme.test".into()),
            &actor,
            &mut partial,
        )
        .await
        .unwrap();
        assert_eq!(partial.sent, 1);
        let rerun = run(&store, &company, d("2026-03-10"), &actor)
            .await
            .unwrap();
        assert_eq!(rerun.examined, 3);
        assert_eq!(rerun.sent, 2, "i1 and i3");
        assert_eq!(rerun.already_sent, 1, "i2 is not sent twice");
        let again = run(&store, &company, d("2026-03-10"), &actor)
            .await
            .unwrap();
        assert_eq!((again.sent, again.already_sent), (0, 3));
        let queued = store
            .query(Query::index(Index::Gsi1, keys::OUTBOX_PENDING))
            .await
            .unwrap();
        assert_eq!(queued.items.len(), 3, "one email per invoice");
    }

    #[tokio::test]
    async fn a_reminder_names_its_step_and_the_invoice_lists_it_with_its_email() {
        let store = Store::memory();
        let company = CompanySettings::defaults(chrono_tz::UTC);
        let actor = Actor::system("reminders", "test");
        let mut customer = Customer::blank("c1".into(), "2026-01-01T00:00:00Z".into());
        customer.email = Some(crate::domain::Email::parse("ap@acme.test").unwrap());
        store
            .put(crate::catalog::customer_item(&customer).unwrap(), None)
            .await
            .unwrap();
        let i = invoice("2026-03-01", "2026-03-10");
        store
            .put(sales::invoice_item(&i).unwrap(), None)
            .await
            .unwrap();
        assert!(of_invoice(&store, "i1").await.unwrap().is_empty());
        let first = run(&store, &company, d("2026-03-07"), &actor)
            .await
            .unwrap();
        let second = run(&store, &company, d("2026-03-17"), &actor)
            .await
            .unwrap();
        let message: outbox::OutboxRecord = from_item(
            store
                .get(&keys::outbox(&second.outbox_ids[0]))
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert!(
            message.message.subject.contains("(reminder 3 of 5)"),
            "{}",
            message.message.subject
        );
        assert!(
            message
                .message
                .text
                .contains("Reminder 3 of 5: 7 days overdue."),
            "{}",
            message.message.text
        );
        let listed = of_invoice(&store, "i1").await.unwrap();
        let labels: Vec<&str> = listed.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Reminder 1 of 5: 3 days before the due date",
                "Reminder 3 of 5: 7 days overdue"
            ]
        );
        assert_eq!(listed[0].date, d("2026-03-07"));
        assert_eq!(listed[0].outbox_id, Some(first.outbox_ids[0].clone()));
        assert_eq!(listed[1].outbox_id, Some(second.outbox_ids[0].clone()));
        assert_eq!(listed[1].email_status.as_deref(), Some("pending"));
        assert_eq!(listed[1].to.as_deref(), Some("ap@acme.test"));
    }
}
