//! Storage of orders, invoices and payments: items with their index keys, gapless document
//! numbers and the daily rollups the dashboard reads.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::invoicing::InvoiceError;
use crate::domain::money::Line;
use crate::domain::ordering::OrderError;
pub use crate::domain::rollup::Rollup;
use crate::domain::sales::{Invoice, InvoiceKind, InvoiceStatus, Order, Payment};
use crate::error::Problem;
use crate::store::{
    Condition, Index, Item, Key, Store, StoreResult, Update, WriteOp, from_item, keys, to_item,
};

fn index(item: &mut Item, index: Index, pk: String, sk: String) {
    let (p, s) = index.attributes();
    item.insert(p.into(), Value::String(pk));
    item.insert(s.into(), Value::String(sk));
}

/// A broken invoice rule as the API answers it: 422 on the field at fault, else 409.
impl From<InvoiceError> for Problem {
    fn from(e: InvoiceError) -> Self {
        match e.field() {
            Some(field) => Problem::field(field, e.to_string()),
            None => Problem::conflict(e.kind(), e.to_string()),
        }
    }
}

/// A status that does not allow what is asked of the order: 409.
impl From<OrderError> for Problem {
    fn from(e: OrderError) -> Self {
        Problem::conflict("invalid-status", e.to_string())
    }
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

/// The invoice, or 404.
pub async fn load_invoice(store: &Store, id: &str) -> Result<Invoice, Problem> {
    get_invoice(store, id)
        .await?
        .ok_or_else(|| Problem::not_found("The invoice"))
}

/// An invoice's payments, oldest first (one Query on the invoice's partition).
pub async fn invoice_payments(store: &Store, invoice_id: &str) -> StoreResult<Vec<Payment>> {
    let page = store
        .query(
            crate::store::Query::table(keys::invoice_partition(invoice_id))
                .range(crate::store::SkRange::BeginsWith(
                    keys::PAYMENT_PREFIX.into(),
                ))
                .limit(1000),
        )
        .await?;
    page.items.into_iter().map(from_item).collect()
}

/// The version-checked write of an invoice changed from `before` (its new version and
/// `updated_at` are set here) and its audit record, lines summarised as counts.
pub fn invoice_update(
    actor: &crate::audit::Actor,
    action: &str,
    before: &Invoice,
    after: &mut Invoice,
) -> Result<Vec<WriteOp>, Problem> {
    after.version = before.version + 1;
    after.updated_at = crate::accounts::now_rfc3339();
    let changes = summarise_lines(
        crate::audit::diff(Some(before), Some(&*after)),
        before.lines.len(),
        after.lines.len(),
    );
    Ok(vec![
        WriteOp::Put {
            item: invoice_item(after)?,
            condition: Some(Condition::version_is(before.version)),
        },
        crate::audit::record(actor, action, "invoice", &after.id, changes)?,
    ])
}

/// The counter of a series and year, and the last number it gave (0 for none).
pub async fn last_number(store: &Store, kind: InvoiceKind, year: i32) -> StoreResult<(Key, i64)> {
    let key = counter_key(kind, year);
    let last = counter_value(store.get(&key).await?.as_ref());
    Ok((key, last))
}

/// The number counter of a series and year.
pub fn counter_key(kind: InvoiceKind, year: i32) -> Key {
    keys::counter(&format!("{}#{year}", kind.series()))
}

/// The last number a counter item holds (0 when there is none yet).
pub fn counter_value(item: Option<&crate::store::Item>) -> i64 {
    item.and_then(|i| i.get("value").and_then(Value::as_i64))
        .unwrap_or(0)
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

/// The rollups are stored as `ADD` updates of the `STATS#` items.
impl Rollup {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    /// EN 16931 VAT category (`S`, `Z`, `E`, `AE`, `K`, `G`, `O`); defaults to `S` above 0 %
    /// and `Z` at 0 %. Every category but `S` has a rate of 0.
    #[serde(default)]
    pub vat_category: Option<String>,
    /// Required for exempt lines (`E`): the legal reason, as a text or a VATEX code.
    #[serde(default)]
    pub vat_exemption_reason: Option<String>,
    /// UN/ECE Recommendation 20 unit (`HUR`, `KGM`); defaults to the product's unit, else
    /// pieces (`C62`).
    #[serde(default)]
    pub unit_code: Option<String>,
}

/// The e-invoicing facts of a requested line: its VAT category (checked against its rate),
/// exemption reason and unit. Errors go to `f` under `lines[i].…`.
fn einvoice_facts(
    f: &mut crate::error::Fields,
    i: usize,
    r: &LineRequest,
    product: Option<&crate::domain::Product>,
    tax_rate: Option<rust_decimal::Decimal>,
) -> (
    Option<crate::domain::einvoice::VatCategory>,
    Option<String>,
    Option<String>,
) {
    use crate::domain::einvoice::{self as e, VatCategory};
    let at = |field: &str| format!("lines[{i}].{field}");
    let category = match r.vat_category.as_deref() {
        None => None,
        Some(c) => match VatCategory::parse(c) {
            Some(c) => Some(c),
            None => {
                f.error(&at("vat_category"), "must be one of S, Z, E, AE, K, G, O");
                None
            }
        },
    };
    if let (Some(c), Some(rate)) = (category, tax_rate) {
        if let Err(m) = c.checks_rate(rate) {
            f.error(&at("tax_rate"), m);
        }
    }
    let reason = match r.vat_exemption_reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => f.check(&at("vat_exemption_reason"), e::exemption_reason(s)),
    };
    if reason.is_some() && matches!(category, None | Some(VatCategory::S)) {
        f.error(
            &at("vat_exemption_reason"),
            "only lines without VAT (a category other than S) give an exemption reason",
        );
    }
    let unit = match r.unit_code.as_deref() {
        Some(u) => f.check(&at("unit_code"), e::unit_code_input(u)),
        None => product
            .and_then(|p| e::unit_code(&p.unit))
            .map(str::to_string),
    };
    (category, reason, unit)
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
    use crate::error::Fields;

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
        let (vat_category, vat_exemption_reason, unit_code) =
            einvoice_facts(&mut f, i, r, product, tax_rate);
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
            Ok(line) => lines.push(Line {
                vat_category,
                vat_exemption_reason,
                unit_code,
                ..line
            }),
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
    if crate::domain::money::allocate_tax(&mut lines, rounding).is_err()
        || crate::domain::money::checked_totals(&lines).is_none()
    {
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

/// What an edit of a draft document asks for, checked: new notes (`Some(None)` clears
/// them) and new priced lines, each `None` when not given. Every input error is a 422.
pub struct DocumentEdit {
    pub notes: Option<Option<String>>,
    pub lines: Option<Vec<Line>>,
}

impl DocumentEdit {
    /// The edit of a draft in `currency` (the lines are priced in it).
    pub async fn parse(
        state: &crate::state::AppState,
        currency: crate::domain::Currency,
        notes: &Option<String>,
        lines: &Option<Vec<LineRequest>>,
    ) -> Result<Self, Problem> {
        let mut f = crate::error::Fields::new();
        let notes = notes.as_deref().map(|n| parse_notes(&mut f, Some(n)));
        f.finish()?;
        let lines = match lines {
            Some(l) => Some(resolve_lines(&state.store, currency, l, state.config.rounding).await?),
            None => None,
        };
        Ok(Self { notes, lines })
    }
}

/// What a new order or invoice starts from: its active customer, its currency (the
/// customer's unless given), its notes and its priced lines. Every input error is a 422.
pub struct DocumentStart {
    pub customer: crate::domain::Customer,
    pub currency: crate::domain::Currency,
    pub notes: Option<String>,
    pub lines: Vec<Line>,
}

impl DocumentStart {
    /// The draft order it starts, made now.
    pub fn order(self) -> Order {
        let new = crate::domain::ordering::NewOrder {
            customer_id: self.customer.id,
            customer_name: self.customer.name,
            currency: self.currency,
            lines: self.lines,
            notes: self.notes,
        };
        Order::draft(
            uuid::Uuid::now_v7().to_string(),
            crate::accounts::now_rfc3339(),
            new,
        )
    }

    /// The draft invoice it starts, made now: due on `due_date`, else after the customer's
    /// payment terms once issued.
    pub fn invoice(self, due_date: Option<NaiveDate>) -> Invoice {
        let draft = crate::domain::invoicing::Draft {
            customer_id: self.customer.id,
            customer_name: self.customer.name,
            currency: self.currency,
            lines: self.lines,
            notes: self.notes,
            due_date,
            payment_terms_days: self.customer.payment_terms_days,
        };
        Invoice::draft(
            uuid::Uuid::now_v7().to_string(),
            crate::accounts::now_rfc3339(),
            draft,
        )
    }
}

/// The start of a new document for `customer_id` (see [`DocumentStart`]).
pub async fn start_document(
    state: &crate::state::AppState,
    customer_id: &str,
    currency: &Option<String>,
    notes: &Option<String>,
    lines: &[LineRequest],
) -> Result<DocumentStart, Problem> {
    use crate::error::Fields;
    let store = &state.store;
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
    let notes = parse_notes(&mut f, notes.as_deref());
    f.finish()?;
    let currency = currency.expect("checked by finish");
    let lines = resolve_lines(store, currency, lines, state.config.rounding).await?;
    Ok(DocumentStart {
        customer,
        currency,
        notes,
        lines,
    })
}

/// Audit changes of a new document, lines summarised as a count.
pub fn created_changes<T: serde::Serialize>(
    document: &T,
    lines: usize,
) -> Vec<crate::audit::Change> {
    summarise_lines(crate::audit::diff(None, Some(document)), 0, lines)
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
