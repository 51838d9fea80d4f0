//! Storage of orders, invoices and payments: items with their index keys, gapless document
//! numbers and the daily rollups the dashboard reads.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::money::Line;
use crate::domain::sales::{Invoice, InvoiceKind, InvoiceStatus, Order, Payment};
use crate::store::{
    Condition, Index, Item, Key, Store, StoreError, StoreResult, Update, WriteOp, from_item, keys,
    to_item,
};

fn index(item: &mut Item, index: Index, pk: String, sk: String) {
    let (p, s) = index.attributes();
    item.insert(p.into(), Value::String(pk));
    item.insert(s.into(), Value::String(sk));
}

pub fn order_item(o: &Order) -> StoreResult<Item> {
    let mut item = to_item(&keys::order(&o.id), o)?;
    let sk = format!("{}#{}", o.created_at, o.id);
    index(
        &mut item,
        Index::Gsi1,
        keys::orders(o.status.as_str()),
        sk.clone(),
    );
    index(
        &mut item,
        Index::Gsi2,
        keys::orders_of_customer(&o.customer_id),
        sk.clone(),
    );
    index(&mut item, Index::Gsi4, keys::ALL_ORDERS.into(), sk);
    Ok(item)
}

/// The date an invoice lists under: its issue date, or its creation date while a draft.
pub fn invoice_date(i: &Invoice) -> String {
    match i.issue_date {
        Some(d) => d.to_string(),
        None => i.created_at.get(..10).unwrap_or_default().to_string(),
    }
}

pub fn invoice_item(i: &Invoice) -> StoreResult<Item> {
    let mut item = to_item(&keys::invoice(&i.id), i)?;
    let sk = format!("{}#{}", invoice_date(i), i.id);
    index(
        &mut item,
        Index::Gsi1,
        keys::invoices(i.status.as_str()),
        sk.clone(),
    );
    index(
        &mut item,
        Index::Gsi2,
        keys::invoices_of_customer(&i.customer_id),
        sk.clone(),
    );
    index(&mut item, Index::Gsi4, keys::ALL_INVOICES.into(), sk);
    if let Some(n) = &i.number {
        index(
            &mut item,
            Index::Gsi3,
            keys::INVOICE_NUMBERS.into(),
            n.clone(),
        );
    }
    // Sparse: only open invoices are in it, so the reminder job reads just those.
    if let (InvoiceKind::Invoice, true, Some(due)) = (i.kind, i.status.is_open(), i.due_date) {
        index(
            &mut item,
            Index::Gsi5,
            keys::OPEN_INVOICES.into(),
            format!("{due}#{}", i.id),
        );
    }
    Ok(item)
}

/// The status an invoice item reads as ([`InvoiceStatus::read_as`]), for list filters that
/// look at items before they are decoded.
pub fn item_status(item: &Item) -> Option<InvoiceStatus> {
    let status = InvoiceStatus::parse(item.get("status")?.as_str()?)?;
    let kind = match item.get("kind").and_then(Value::as_str) {
        Some("credit_note") => InvoiceKind::CreditNote,
        _ => InvoiceKind::Invoice,
    };
    let has_paid_on = item.get("paid_on").is_some_and(|v| !v.is_null());
    let credited = item
        .get("amount_credited")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    Some(status.read_as(kind, has_paid_on, credited))
}

pub fn payment_item(p: &Payment) -> StoreResult<Item> {
    let date = p.date.to_string();
    let mut item = to_item(&keys::payment(&p.invoice_id, &date, &p.id), p)?;
    let sk = format!("{date}#{}", p.id);
    index(
        &mut item,
        Index::Gsi1,
        keys::ALL_PAYMENTS.into(),
        sk.clone(),
    );
    index(
        &mut item,
        Index::Gsi2,
        keys::payments_of_customer(&p.customer_id),
        sk,
    );
    Ok(item)
}

pub async fn get_order(store: &Store, id: &str) -> StoreResult<Option<Order>> {
    if id.len() > 64 {
        return Ok(None);
    }
    store
        .get(&keys::order(id))
        .await?
        .map(from_item)
        .transpose()
}

pub async fn get_invoice(store: &Store, id: &str) -> StoreResult<Option<Invoice>> {
    if id.len() > 64 {
        return Ok(None);
    }
    store
        .get(&keys::invoice(id))
        .await?
        .map(from_item)
        .transpose()
}

/// The number series of a document kind.
pub fn series(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Invoice => "INV",
        InvoiceKind::CreditNote => "CN",
    }
}

pub fn format_number(kind: InvoiceKind, year: i32, n: i64) -> String {
    format!("{}-{year}-{n:06}", series(kind))
}

/// The counter of a series and year, and the last number it gave (0 for none).
pub async fn last_number(store: &Store, kind: InvoiceKind, year: i32) -> StoreResult<(Key, i64)> {
    let key = keys::counter(&format!("{}#{year}", series(kind)));
    let last = store
        .get(&key)
        .await?
        .and_then(|i| i.get("value").and_then(Value::as_i64))
        .unwrap_or(0);
    Ok((key, last))
}

/// Takes the next number, only if nobody took it first: put it in the same transaction as
/// the document's status change, so a failed issue consumes no number and two issues never
/// get the same one.
pub fn take_number_op(key: Key, last: i64) -> WriteOp {
    let condition = if last == 0 {
        Condition::Or(vec![Condition::NotExists, Condition::eq("value", 0)])
    } else {
        Condition::eq("value", last)
    };
    WriteOp::Update {
        key,
        updates: vec![Update::set("value", last + 1)],
        condition: Some(condition),
    }
}

/// Shards of the per-product daily rollup: a 500-line invoice's products spread over these
/// items, so its whole effect fits in the issuing transaction.
pub const PRODUCT_SHARDS: u64 = 8;

fn shard(product_id: &str) -> u64 {
    // FNV-1a: stable across processes and versions.
    product_id.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    }) % PRODUCT_SHARDS
}

/// The effect of one business event on the rollups.
#[derive(Default)]
pub struct Rollup {
    pub date: String,
    pub currency: String,
    pub customer_id: Option<String>,
    pub revenue: i64,
    pub cash: i64,
    pub orders: i64,
    pub invoices: i64,
    /// Change of the amount customers owe (lifetime, not per day).
    pub receivable: i64,
    /// Invoices settled by a payment that day, and the sum of their days from issue to payment.
    pub paid_invoices: i64,
    pub days_to_pay: i64,
    /// product id -> (revenue, lines)
    pub products: BTreeMap<String, (i64, i64)>,
}

/// Sort key of the daily totals item.
pub const TOTALS: &str = "TOTALS";
/// Partition of the lifetime totals (`STATS#ALL`).
pub const ALL_TIME: &str = "ALL";
/// Shards of the per-customer daily rollup.
pub const CUSTOMER_SHARDS: u64 = 8;

pub fn customer_shard_key(customer_id: &str) -> String {
    format!("CUSTOMERS#{}", shard(customer_id) % CUSTOMER_SHARDS)
}

pub fn product_shard_key(product_id: &str) -> String {
    format!("PRODUCTS#{}", shard(product_id))
}

impl Rollup {
    pub fn new(date: NaiveDate, currency: &str) -> Self {
        Self {
            date: date.to_string(),
            currency: currency.into(),
            ..Default::default()
        }
    }

    /// Adds (or with `sign = -1`, removes) the lines' net revenue per product.
    pub fn lines(mut self, lines: &[Line], sign: i64) -> Self {
        for l in lines {
            if let Some(p) = &l.product_id {
                let e = self.products.entry(p.clone()).or_default();
                e.0 += sign * l.net;
                e.1 += sign;
            }
        }
        self
    }

    /// The updates, to add to the transaction of the change (all `ADD`, so they commute).
    pub fn ops(&self) -> Vec<WriteOp> {
        let cur = &self.currency;
        let adds = |pairs: Vec<(String, i64)>| -> Vec<Update> {
            pairs
                .into_iter()
                .filter(|(_, v)| *v != 0)
                .map(|(k, v)| Update::Add(k, v))
                .collect()
        };
        let mut ops = Vec::new();
        let totals = adds(vec![
            (format!("revenue#{cur}"), self.revenue),
            (format!("cash#{cur}"), self.cash),
            ("orders".into(), self.orders),
            ("invoices".into(), self.invoices),
            ("paid_invoices".into(), self.paid_invoices),
            ("days_to_pay".into(), self.days_to_pay),
        ]);
        if !totals.is_empty() {
            ops.push(WriteOp::Update {
                key: keys::stats(&self.date, TOTALS),
                updates: totals,
                condition: None,
            });
        }
        if let Some(c) = &self.customer_id {
            let per_customer = adds(vec![
                (format!("revenue#{c}#{cur}"), self.revenue),
                (format!("cash#{c}#{cur}"), self.cash),
                (format!("orders#{c}"), self.orders),
                (format!("invoices#{c}"), self.invoices),
            ]);
            if !per_customer.is_empty() {
                ops.push(WriteOp::Update {
                    key: keys::stats(&self.date, &customer_shard_key(c)),
                    updates: per_customer,
                    condition: None,
                });
            }
        }
        if self.receivable != 0 {
            ops.push(WriteOp::Update {
                key: keys::stats(ALL_TIME, TOTALS),
                updates: vec![Update::Add(format!("receivable#{cur}"), self.receivable)],
                condition: None,
            });
        }
        let mut shards: BTreeMap<String, Vec<Update>> = BTreeMap::new();
        for (p, (revenue, count)) in &self.products {
            let u = shards.entry(product_shard_key(p)).or_default();
            u.push(Update::Add(format!("revenue#{p}#{cur}"), *revenue));
            u.push(Update::Add(format!("lines#{p}"), *count));
        }
        for (s, updates) in shards {
            ops.push(WriteOp::Update {
                key: keys::stats(&self.date, &s),
                updates,
                condition: None,
            });
        }
        ops
    }
}

/// Merges rollup updates aimed at the same item (a transaction may touch an item once):
/// their `ADD`s are summed.
pub fn merge_rollups(ops: Vec<WriteOp>) -> Vec<WriteOp> {
    let mut merged: Vec<(Key, BTreeMap<String, i64>)> = Vec::new();
    let mut others = Vec::new();
    for op in ops {
        match op {
            WriteOp::Update {
                key,
                updates,
                condition: None,
            } if updates.iter().all(|u| matches!(u, Update::Add(..))) => {
                let slot = match merged.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        merged.push((key, BTreeMap::new()));
                        merged.len() - 1
                    }
                };
                for u in updates {
                    if let Update::Add(attr, n) = u {
                        *merged[slot].1.entry(attr).or_default() += n;
                    }
                }
            }
            other => others.push(other),
        }
    }
    others.extend(merged.into_iter().map(|(key, adds)| WriteOp::Update {
        key,
        updates: adds.into_iter().map(|(a, n)| Update::Add(a, n)).collect(),
        condition: None,
    }));
    others
}

/// Retries `f` when a concurrent writer won (a failed version condition), up to `attempts`.
pub async fn retrying<T, F, Fut>(attempts: usize, mut f: F) -> Result<T, crate::error::Problem>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, crate::error::Problem>>,
{
    for attempt in 0..attempts {
        if let Some(v) = f().await? {
            return Ok(v);
        }
        // Jittered, growing pause: concurrent writers spread out instead of colliding again.
        let mut b = [0u8; 2];
        getrandom::fill(&mut b).expect("random source");
        let cap_ms = (5u64 << attempt.min(5)).min(150);
        let ms = u64::from(u16::from_le_bytes(b)) % (cap_ms + 1);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    Err(crate::error::Problem::conflict(
        "concurrent-update",
        "Too many concurrent changes to the same document; retry the request.",
    ))
}

/// True for a failure a retry can fix.
pub fn lost_race(e: &StoreError) -> bool {
    e.is_condition() || matches!(e, StoreError::Conflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_padded_per_series() {
        assert_eq!(
            format_number(InvoiceKind::Invoice, 2026, 123),
            "INV-2026-000123"
        );
        assert_eq!(
            format_number(InvoiceKind::CreditNote, 2026, 1),
            "CN-2026-000001"
        );
    }

    #[test]
    fn shards_are_stable_and_bounded() {
        assert_eq!(shard("p1"), shard("p1"));
        assert!((0..1000).all(|i| shard(&format!("p{i}")) < PRODUCT_SHARDS));
    }
}

/// A line as the client sends it: a product reference (price, description and tax default
/// from the product) or free text.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct LineRequest {
    pub product_id: Option<String>,
    pub description: Option<String>,
    /// Decimal, as a string (`"2.5"`) or a number.
    #[schema(value_type = String)]
    pub quantity: Value,
    /// Minor units; defaults to the product's price.
    pub unit_price: Option<i64>,
    pub discount: Option<crate::domain::money::Discount>,
    /// Percent; defaults to the product's rate (0 for free text).
    #[schema(value_type = Option<String>)]
    pub tax_rate: Option<Value>,
}

fn decimal(v: &Value) -> Option<rust_decimal::Decimal> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

/// Prices the requested lines: one batch read of the products they reference (per 100
/// distinct products), product defaults applied, every error reported with its line number.
/// Prices are copied onto the lines, so later product changes never alter the document.
pub async fn resolve_lines(
    store: &Store,
    currency: crate::domain::Currency,
    requests: &[LineRequest],
    rounding: crate::domain::money::Rounding,
) -> Result<Vec<Line>, crate::error::Problem> {
    use crate::domain::money::{LineInput, price_line};
    use crate::domain::sales::{MAX_DESCRIPTION, MAX_LINES};
    use crate::domain::{Product, text};
    use crate::error::{Fields, Problem};

    if requests.is_empty() {
        return Err(Problem::field("lines", "at least one line is required"));
    }
    if requests.len() > MAX_LINES {
        return Err(Problem::field(
            "lines",
            format!(
                "a document has at most {MAX_LINES} lines ({} given)",
                requests.len()
            ),
        ));
    }
    let mut ids: Vec<String> = requests
        .iter()
        .filter_map(|r| r.product_id.clone())
        .filter(|p| p.len() <= 64)
        .collect();
    ids.sort();
    ids.dedup();
    let mut products: BTreeMap<String, Product> = BTreeMap::new();
    for chunk in ids.chunks(crate::store::MAX_BATCH_GET) {
        let keys_: Vec<Key> = chunk.iter().map(|id| keys::product(id)).collect();
        for item in store.batch_get(&keys_).await? {
            let p: Product = from_item(item)?;
            products.insert(p.id.clone(), p);
        }
    }
    let mut f = Fields::new();
    let mut lines = Vec::with_capacity(requests.len());
    for (i, r) in requests.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        let product = match &r.product_id {
            None => None,
            Some(id) => match products.get(id) {
                Some(p) if p.active => Some(p),
                Some(_) => {
                    f.error(&at("product_id"), "the product is archived");
                    continue;
                }
                None => {
                    f.error(&at("product_id"), "no such product");
                    continue;
                }
            },
        };
        let description = match (&r.description, product) {
            (Some(d), _) => f.check(&at("description"), text::text(d, MAX_DESCRIPTION, false)),
            (None, Some(p)) => Some(p.name.chars().take(MAX_DESCRIPTION).collect()),
            (None, None) => {
                f.error(
                    &at("description"),
                    "is required for a line without a product",
                );
                None
            }
        };
        let unit_price = match (r.unit_price, product) {
            (Some(p), _) => Some(p),
            (None, Some(p)) if p.unit_price.currency == currency => Some(p.unit_price.amount),
            (None, Some(_)) => {
                f.error(
                    &at("unit_price"),
                    "the product is priced in another currency: give a unit price",
                );
                None
            }
            (None, None) => {
                f.error(
                    &at("unit_price"),
                    "is required for a line without a product",
                );
                None
            }
        };
        let quantity = decimal(&r.quantity);
        if quantity.is_none() {
            f.error(&at("quantity"), "must be a decimal number");
        }
        let tax_rate = match (&r.tax_rate, product) {
            (Some(v), _) => {
                let d = decimal(v);
                if d.is_none() {
                    f.error(&at("tax_rate"), "must be a decimal percentage");
                }
                d
            }
            (None, Some(p)) => Some(p.tax_rate),
            (None, None) => Some(rust_decimal::Decimal::ZERO),
        };
        let (Some(description), Some(unit_price), Some(quantity), Some(tax_rate)) =
            (description, unit_price, quantity, tax_rate)
        else {
            continue;
        };
        let input = LineInput {
            product_id: r.product_id.clone(),
            description,
            quantity,
            unit_price,
            discount: r.discount.clone(),
            tax_rate,
        };
        match price_line(input, rounding) {
            Ok(line) => lines.push(line),
            Err(e) => {
                use crate::domain::money::LineError as E;
                let field = match e {
                    E::Quantity => "quantity",
                    E::UnitPrice | E::Overflow => "unit_price",
                    E::DiscountPercent | E::DiscountAmount => "discount",
                    E::TaxRate => "tax_rate",
                };
                f.error(&at(field), e.to_string());
            }
        }
    }
    f.finish()?;
    if crate::domain::money::checked_totals(&lines).is_none() {
        return Err(Problem::field("lines", "the document total is too large"));
    }
    Ok(lines)
}

/// Largest serialised document accepted: DynamoDB items hold at most 400 KB, and the
/// document's audit record and index keys need room too.
pub const MAX_DOCUMENT_BYTES: usize = 350_000;

/// 422 when a document would not fit in one item (long multi-byte descriptions on many lines).
pub fn check_size<T: serde::Serialize>(document: &T) -> Result<(), crate::error::Problem> {
    let size = serde_json::to_vec(document)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_DOCUMENT_BYTES {
        return Err(crate::error::Problem::field(
            "lines",
            format!(
                "the document is too large ({size} bytes, at most {MAX_DOCUMENT_BYTES}): shorten descriptions or split it"
            ),
        ));
    }
    Ok(())
}

/// Audit changes of a document with its line array summarised as a count (lines can be large).
pub fn summarise_lines(
    changes: Vec<crate::audit::Change>,
    before: usize,
    after: usize,
) -> Vec<crate::audit::Change> {
    changes
        .into_iter()
        .map(|mut c| {
            if c.field == "lines" {
                c.old = if before == 0 {
                    Value::Null
                } else {
                    serde_json::json!({ "count": before })
                };
                c.new = serde_json::json!({ "count": after });
            }
            c
        })
        .collect()
}

/// Notes of a document: optional, up to 2,000 characters, newlines allowed.
pub fn parse_notes(f: &mut crate::error::Fields, n: Option<&str>) -> Option<String> {
    f.check("notes", crate::domain::text::optional_text(n, 2000, true))
        .flatten()
}

/// What a new order or invoice starts from: its active customer, its currency (the
/// customer's unless given), its notes and its priced lines. Every input error is a 422.
pub struct DocumentStart {
    pub customer: crate::domain::Customer,
    pub currency: crate::domain::Currency,
    pub notes: Option<String>,
    pub lines: Vec<Line>,
}

pub async fn start_document(
    store: &Store,
    rounding: crate::domain::money::Rounding,
    customer_id: &str,
    currency: Option<&str>,
    notes: Option<&str>,
    lines: &[LineRequest],
) -> Result<DocumentStart, crate::error::Problem> {
    use crate::error::{Fields, Problem};
    let customer = crate::catalog::get_customer(store, customer_id)
        .await?
        .ok_or_else(|| Problem::field("customer_id", "no such customer"))?;
    if customer.status == crate::domain::RecordStatus::Archived {
        return Err(Problem::field("customer_id", "the customer is archived"));
    }
    let mut f = Fields::new();
    let currency = match currency {
        Some(c) => f.check("currency", crate::domain::Currency::parse(c)),
        None => Some(customer.currency),
    };
    let notes = parse_notes(&mut f, notes);
    f.finish()?;
    let currency = currency.expect("checked by finish");
    let lines = resolve_lines(store, currency, lines, rounding).await?;
    Ok(DocumentStart {
        customer,
        currency,
        notes,
        lines,
    })
}

/// Query parameters of the document lists (orders, invoices, payments).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilter {
    /// A status; for invoices also `overdue`.
    pub status: Option<String>,
    pub customer_id: Option<String>,
    /// From this date (`YYYY-MM-DD`, inclusive): creation date of orders, issue date of
    /// invoices, payment date of payments.
    pub from: Option<String>,
    /// To this date (inclusive).
    pub to: Option<String>,
    /// Invoices: due on or after this date.
    pub due_from: Option<String>,
    /// Invoices: due on or before this date.
    pub due_to: Option<String>,
    /// Invoices: number prefix, e.g. `INV-2026-0001`.
    pub number: Option<String>,
    /// Smallest document total (payments: amount), minor units.
    pub amount_min: Option<i64>,
    /// Largest document total (payments: amount), minor units.
    pub amount_max: Option<i64>,
    /// `date` (oldest first) or `-date` (newest first, the default).
    pub sort: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// What every document list shares: page size, date range and direction.
pub struct Common {
    pub limit: usize,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Oldest first (`sort=date`); newest first is the default.
    pub forward: bool,
}

impl Common {
    /// The date range as a sort-key range over `<date>#<id>` keys.
    pub fn range(&self) -> crate::store::SkRange {
        crate::store::SkRange::Between(
            self.from.map(|d| d.to_string()).unwrap_or_default(),
            format!(
                "{}~",
                self.to
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "9999".into())
            ),
        )
    }
}

impl DocumentFilter {
    /// Parses the shared parameters; field errors go to `f`.
    pub fn common(&self, f: &mut crate::error::Fields) -> Result<Common, crate::error::Problem> {
        let limit = crate::http::ListParams {
            limit: self.limit,
            cursor: None,
        }
        .limit()?;
        let from = parse_date("from", self.from.as_deref(), f);
        let to = parse_date("to", self.to.as_deref(), f);
        let forward = match self.sort.as_deref() {
            None | Some("-date") => false,
            Some("date") => true,
            Some(_) => {
                f.error("sort", "must be date or -date");
                false
            }
        };
        if self
            .customer_id
            .as_deref()
            .is_some_and(|c| c.is_empty() || c.len() > 64)
        {
            f.error("customer_id", "must be a customer id");
        }
        for (field, v) in [
            ("amount_min", self.amount_min),
            ("amount_max", self.amount_max),
        ] {
            if v.is_some_and(|v| v < 0) {
                f.error(field, "must be zero or more minor units");
            }
        }
        Ok(Common {
            limit,
            from,
            to,
            forward,
        })
    }
}

/// A parsed `YYYY-MM-DD`, or a field error.
pub fn parse_date(field: &str, v: Option<&str>, f: &mut crate::error::Fields) -> Option<NaiveDate> {
    let v = v?.trim();
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            f.error(field, "must be a date (YYYY-MM-DD)");
            None
        }
    }
}

/// The document total of an item (orders and invoices), for amount filters.
pub fn item_total(item: &Item) -> i64 {
    item.get("totals")
        .and_then(|t| t.get("total"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}
