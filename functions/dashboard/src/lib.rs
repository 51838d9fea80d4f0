//! Function `dashboard`: figures for the home screen, read from the daily rollups that every
//! issue, payment, void, credit note and order writes in its own transaction. A year of
//! daily figures is a few batch reads, never a scan of documents.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::Method;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, OpenApi, ToSchema};

use erp_shared::audit::AuditRecord;
use erp_shared::auth::{Access, Permission};
use erp_shared::domain::Currency;
use erp_shared::domain::sales::InvoiceStatus;
use erp_shared::error::{ApiResult, Fields, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json, ListResponse, Query};
use erp_shared::listing::{self, Source};
use erp_shared::sales::{self, ALL_TIME, CUSTOMER_SHARDS, PRODUCT_SHARDS, TOTALS};
use erp_shared::state::AppState;
use erp_shared::store::{self, Index, Item, Key, Store, from_item, keys};

const READ: Access = Access::Permission(Permission::DashboardRead);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/dashboard/summary", READ, summary)
        .route(Method::GET, "/api/v1/dashboard/trends", READ, trends)
        .route(
            Method::GET,
            "/api/v1/dashboard/top-customers",
            READ,
            top_customers,
        )
        .route(
            Method::GET,
            "/api/v1/dashboard/top-products",
            READ,
            top_products,
        )
        .route(
            Method::GET,
            "/api/v1/dashboard/activity",
            Access::Permission(Permission::AuditRead),
            activity,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(summary, trends, top_customers, top_products, activity),
    components(schemas(
        Summary,
        Figures,
        Trend,
        Point,
        TopCustomer,
        TopProduct,
        Activity,
        ProblemBody
    ))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Longest period one request may cover.
pub const MAX_DAYS: i64 = 366;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day (`YYYY-MM-DD`, company time zone); default: the first of this month.
    pub from: Option<String>,
    /// Last day (inclusive); default: today.
    pub to: Option<String>,
    /// ISO 4217 currency of the money figures; default `EUR`.
    pub currency: Option<String>,
    /// trends: `revenue`, `cash` or `orders`.
    pub metric: Option<String>,
    /// trends: `day`, `week` (ISO, from Monday) or `month`.
    pub interval: Option<String>,
    /// top lists: how many (1-50, default 10).
    pub limit: Option<usize>,
}

struct Resolved {
    from: NaiveDate,
    to: NaiveDate,
    currency: Currency,
    today: NaiveDate,
}

fn resolve(today: NaiveDate, p: &Period, f: &mut Fields) -> Option<Resolved> {
    let from = match p.from.as_deref() {
        Some(_) => sales::parse_date("from", p.from.as_deref(), f),
        None => today.with_day(1),
    };
    let to = match p.to.as_deref() {
        Some(_) => sales::parse_date("to", p.to.as_deref(), f),
        None => Some(today),
    };
    let currency = f.check(
        "currency",
        Currency::parse(p.currency.as_deref().unwrap_or("EUR")),
    );
    let (from, to, currency) = (from?, to?, currency?);
    if to < from {
        f.error("to", "must not be before from");
        return None;
    }
    if (to - from).num_days() + 1 > MAX_DAYS {
        f.error("from", format!("a period covers at most {MAX_DAYS} days"));
        return None;
    }
    Some(Resolved {
        from,
        to,
        currency,
        today,
    })
}

fn days(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days().take_while(|d| *d <= to).collect()
}

/// Reads many items in parallel batches of 100.
async fn batch(store: &Store, keys_: Vec<Key>) -> Result<Vec<Item>, Problem> {
    let reads = keys_
        .chunks(store::MAX_BATCH_GET)
        .map(|c| store.batch_get(c))
        .collect::<Vec<_>>();
    let mut out = Vec::new();
    for r in futures::future::join_all(reads).await {
        out.extend(r?);
    }
    Ok(out)
}

fn num(item: &Item, attr: &str) -> i64 {
    item.get(attr).and_then(Value::as_i64).unwrap_or(0)
}

/// Daily totals of a period, by date.
async fn daily_totals(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, Item>, Problem> {
    let keys_ = days(from, to)
        .iter()
        .map(|d| keys::stats(&d.to_string(), TOTALS))
        .collect();
    let mut out = BTreeMap::new();
    for item in batch(store, keys_).await? {
        let date = listing::attr(&item, "pk")
            .and_then(|pk| pk.strip_prefix("STATS#"))
            .and_then(|d| d.parse().ok());
        if let Some(d) = date {
            out.insert(d, item);
        }
    }
    Ok(out)
}

/// Figures of one period.
#[derive(Serialize, ToSchema, Debug, PartialEq)]
pub struct Figures {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// Invoices issued less voids and credit notes, minor units.
    pub revenue_invoiced: i64,
    pub cash_received: i64,
    pub orders_created: i64,
    pub invoices_issued: i64,
    /// Mean days from issue to the settling payment, of invoices settled in the period.
    pub average_days_to_pay: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    pub currency: String,
    pub current: Figures,
    /// The period of the same length just before.
    pub previous: Figures,
    /// Owed by customers now (issued invoices less payments and credits).
    pub outstanding_receivables: i64,
    /// The part of it past its due date.
    pub overdue_receivables: i64,
}

async fn figures(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    currency: &str,
) -> Result<Figures, Problem> {
    let totals = daily_totals(store, from, to).await?;
    let sum = |attr: &str| totals.values().map(|i| num(i, attr)).sum::<i64>();
    let paid = sum("paid_invoices");
    Ok(Figures {
        from,
        to,
        revenue_invoiced: sum(&format!("revenue#{currency}")),
        cash_received: sum(&format!("cash#{currency}")),
        orders_created: sum("orders"),
        invoices_issued: sum("invoices"),
        average_days_to_pay: (paid > 0).then(|| sum("days_to_pay") as f64 / paid as f64),
    })
}

/// Revenue, cash, orders, days to pay, receivables, with the previous period.
#[utoipa::path(get, path = "/api/v1/dashboard/summary", tag = "dashboard", params(Period), security(("bearer" = [])),
    responses((status = 200, body = Summary), (status = 422, body = ProblemBody)))]
async fn summary(
    State(state): State<AppState>,
    Query(p): Query<Period>,
) -> ApiResult<Json<Summary>> {
    let mut f = Fields::new();
    let r = resolve(state.today().await?, &p, &mut f);
    f.finish()?;
    let r = r.expect("checked");
    let cur = r.currency.code();
    let len = (r.to - r.from).num_days() + 1;
    let (prev_from, prev_to) = (r.from - Duration::days(len), r.from - Duration::days(1));
    let (current, previous, all_time, overdue) = futures::try_join!(
        figures(&state.store, r.from, r.to, cur),
        figures(&state.store, prev_from, prev_to, cur),
        async { Ok::<_, Problem>(state.store.get(&keys::stats(ALL_TIME, TOTALS)).await?) },
        overdue_receivables(&state.store, r.today, cur),
    )?;
    Ok(Json(Summary {
        currency: cur.into(),
        current,
        previous,
        outstanding_receivables: all_time
            .map(|i| num(&i, &format!("receivable#{cur}")))
            .unwrap_or(0),
        overdue_receivables: overdue,
    }))
}

/// Sum of open balances past due: a query of the open-invoice partitions only.
async fn overdue_receivables(
    store: &Store,
    today: NaiveDate,
    currency: &str,
) -> Result<i64, Problem> {
    let mut total = 0;
    for status in [InvoiceStatus::Issued, InvoiceStatus::PartiallyPaid] {
        let today_s = today.to_string();
        let cur = currency.to_string();
        let mut cursor = None;
        loop {
            let (t, c) = (today_s.clone(), cur.clone());
            let source = Source::filtered(
                store::Query::index(Index::Gsi1, keys::invoices(status.as_str())),
                move |i| {
                    listing::attr(i, "currency") == Some(c.as_str())
                        && listing::attr(i, "due_date").is_some_and(|d| d < t.as_str())
                },
            );
            let page = listing::list(store, vec![source], 100, cursor).await?;
            total += page
                .items
                .iter()
                .map(|i| num(i, "balance_due"))
                .sum::<i64>();
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    Ok(total)
}

#[derive(Serialize, ToSchema)]
pub struct Point {
    /// `2026-11-24` (day), `2026-11-23` (the Monday of a week) or `2026-11` (month).
    pub period: String,
    pub value: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Trend {
    pub metric: String,
    pub interval: String,
    pub currency: String,
    /// Every interval of the period, zero when nothing happened.
    pub points: Vec<Point>,
}

/// A series ready to chart, zero-filled, in the company's time zone.
#[utoipa::path(get, path = "/api/v1/dashboard/trends", tag = "dashboard", params(Period), security(("bearer" = [])),
    responses((status = 200, body = Trend), (status = 422, body = ProblemBody)))]
async fn trends(State(state): State<AppState>, Query(p): Query<Period>) -> ApiResult<Json<Trend>> {
    let mut f = Fields::new();
    let r = resolve(state.today().await?, &p, &mut f);
    let metric = p.metric.clone().unwrap_or_else(|| "revenue".into());
    if !["revenue", "cash", "orders"].contains(&metric.as_str()) {
        f.error("metric", "must be revenue, cash or orders");
    }
    let interval = p.interval.clone().unwrap_or_else(|| "day".into());
    if !["day", "week", "month"].contains(&interval.as_str()) {
        f.error("interval", "must be day, week or month");
    }
    f.finish()?;
    let r = r.expect("checked");
    let cur = r.currency.code();
    let attr = match metric.as_str() {
        "revenue" => format!("revenue#{cur}"),
        "cash" => format!("cash#{cur}"),
        _ => "orders".to_string(),
    };
    let totals = daily_totals(&state.store, r.from, r.to).await?;
    let bucket = |d: NaiveDate| match interval.as_str() {
        "week" => (d - Duration::days(i64::from(d.weekday().num_days_from_monday()))).to_string(),
        "month" => format!("{:04}-{:02}", d.year(), d.month()),
        _ => d.to_string(),
    };
    let mut points: Vec<Point> = Vec::new();
    for d in days(r.from, r.to) {
        let v = totals.get(&d).map(|i| num(i, &attr)).unwrap_or(0);
        let period = bucket(d);
        match points.last_mut() {
            Some(last) if last.period == period => last.value += v,
            _ => points.push(Point { period, value: v }),
        }
    }
    Ok(Json(Trend {
        metric,
        interval,
        currency: cur.into(),
        points,
    }))
}

/// A list that does not page, in the shape of every list.
fn one_page<T>(items: Vec<T>) -> ListResponse<T> {
    ListResponse {
        items,
        next_cursor: None,
    }
}

fn limit(p: &Period) -> Result<usize, Problem> {
    match p.limit {
        None => Ok(10),
        Some(n) if (1..=50).contains(&n) => Ok(n),
        Some(_) => Err(Problem::field("limit", "must be between 1 and 50")),
    }
}

/// Sums `<prefix><id>#…` attributes of shard items per id.
fn per_id(items: &[Item], prefix: &str, suffix: &str) -> HashMap<String, i64> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for item in items {
        for (k, v) in item {
            if let Some(id) = k
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix))
            {
                *out.entry(id.to_string()).or_default() += v.as_i64().unwrap_or(0);
            }
        }
    }
    out
}

async fn shards(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    kind: &str,
    count: u64,
) -> Result<Vec<Item>, Problem> {
    let keys_ = days(from, to)
        .iter()
        .flat_map(|d| (0..count).map(move |s| keys::stats(&d.to_string(), &format!("{kind}#{s}"))))
        .collect();
    batch(store, keys_).await
}

#[derive(Serialize, ToSchema)]
pub struct TopCustomer {
    pub customer_id: String,
    pub name: String,
    /// Revenue invoiced in the period, minor units.
    pub revenue: i64,
    /// Invoices issued in the period.
    pub invoices: i64,
}

/// Customers by revenue invoiced in the period: one page of at most `limit`, so
/// `next_cursor` is always null.
#[utoipa::path(get, path = "/api/v1/dashboard/top-customers", tag = "dashboard", params(Period), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<TopCustomer>), (status = 422, body = ProblemBody)))]
async fn top_customers(
    State(state): State<AppState>,
    Query(p): Query<Period>,
) -> ApiResult<Json<ListResponse<TopCustomer>>> {
    let mut f = Fields::new();
    let r = resolve(state.today().await?, &p, &mut f);
    f.finish()?;
    let (r, n) = (r.expect("checked"), limit(&p)?);
    let cur = r.currency.code();
    let items = shards(&state.store, r.from, r.to, "CUSTOMERS", CUSTOMER_SHARDS).await?;
    let revenue = per_id(&items, "revenue#", &format!("#{cur}"));
    let invoices = per_id(&items, "invoices#", "");
    let mut ranked: Vec<(String, i64)> = revenue.into_iter().filter(|(_, v)| *v != 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(n);
    let names = names(
        &state.store,
        ranked.iter().map(|(id, _)| keys::customer(id)).collect(),
        "name",
    )
    .await?;
    Ok(Json(one_page(
        ranked
            .into_iter()
            .map(|(id, rev)| TopCustomer {
                name: names.get(&id).cloned().unwrap_or_default(),
                invoices: invoices.get(&id).copied().unwrap_or(0),
                customer_id: id,
                revenue: rev,
            })
            .collect(),
    )))
}

#[derive(Serialize, ToSchema)]
pub struct TopProduct {
    pub product_id: String,
    pub name: String,
    pub sku: String,
    /// Net revenue of its invoice lines in the period, minor units.
    pub revenue: i64,
    /// Invoice lines with the product.
    pub lines: i64,
}

/// Products by net revenue invoiced in the period: one page of at most `limit`, so
/// `next_cursor` is always null.
#[utoipa::path(get, path = "/api/v1/dashboard/top-products", tag = "dashboard", params(Period), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<TopProduct>), (status = 422, body = ProblemBody)))]
async fn top_products(
    State(state): State<AppState>,
    Query(p): Query<Period>,
) -> ApiResult<Json<ListResponse<TopProduct>>> {
    let mut f = Fields::new();
    let r = resolve(state.today().await?, &p, &mut f);
    f.finish()?;
    let (r, n) = (r.expect("checked"), limit(&p)?);
    let cur = r.currency.code();
    let items = shards(&state.store, r.from, r.to, "PRODUCTS", PRODUCT_SHARDS).await?;
    let revenue = per_id(&items, "revenue#", &format!("#{cur}"));
    let lines = per_id(&items, "lines#", "");
    let mut ranked: Vec<(String, i64)> = revenue.into_iter().filter(|(_, v)| *v != 0).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(n);
    let found = batch(
        &state.store,
        ranked.iter().map(|(id, _)| keys::product(id)).collect(),
    )
    .await?;
    let by_id: HashMap<String, Item> = found
        .into_iter()
        .filter_map(|i| {
            listing::attr(&i, "id")
                .map(str::to_string)
                .map(|id| (id, i.clone()))
        })
        .collect();
    Ok(Json(one_page(
        ranked
            .into_iter()
            .map(|(id, rev)| {
                let item = by_id.get(&id);
                TopProduct {
                    name: item
                        .and_then(|i| listing::attr(i, "name"))
                        .unwrap_or_default()
                        .into(),
                    sku: item
                        .and_then(|i| listing::attr(i, "sku"))
                        .unwrap_or_default()
                        .into(),
                    lines: lines.get(&id).copied().unwrap_or(0),
                    product_id: id,
                    revenue: rev,
                }
            })
            .collect(),
    )))
}

/// `id -> attribute` of the items with these keys.
async fn names(
    store: &Store,
    keys_: Vec<Key>,
    attr: &str,
) -> Result<HashMap<String, String>, Problem> {
    Ok(batch(store, keys_)
        .await?
        .iter()
        .filter_map(|i| {
            Some((
                listing::attr(i, "id")?.to_string(),
                listing::attr(i, attr)?.to_string(),
            ))
        })
        .collect())
}

#[derive(Serialize, ToSchema)]
pub struct Activity {
    /// RFC 3339.
    pub at: String,
    /// What happened, in words: "Dana issued invoice INV-2026-000123 to Acme Ltd".
    pub text: String,
    pub action: String,
    pub actor_id: String,
    pub entity_type: String,
    pub entity_id: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// How many (1-50, default 20).
    pub limit: Option<usize>,
}

/// The latest changes, newest first, in words a person reads: the `limit` latest, so
/// `next_cursor` is always null (`GET /api/v1/audit` pages through the whole feed).
#[utoipa::path(get, path = "/api/v1/dashboard/activity", tag = "dashboard", params(ActivityQuery), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<Activity>), (status = 422, body = ProblemBody)))]
async fn activity(
    State(state): State<AppState>,
    Query(q): Query<ActivityQuery>,
) -> ApiResult<Json<ListResponse<Activity>>> {
    let n = match q.limit {
        None => 20,
        Some(n) if (1..=50).contains(&n) => n,
        Some(_) => return Err(Problem::field("limit", "must be between 1 and 50")),
    };
    let page = state
        .store
        .query(
            store::Query::index(Index::Gsi1, keys::AUDIT_FEED)
                .backwards()
                .limit(n),
        )
        .await?;
    let records = page
        .items
        .into_iter()
        .map(from_item)
        .collect::<Result<Vec<AuditRecord>, _>>()?;
    // One batch read for the people and the records the entries name.
    let mut wanted: Vec<Key> = Vec::new();
    for r in &records {
        if !r.actor_id.starts_with("system:") && r.actor_id != "anonymous" {
            wanted.push(keys::user(&r.actor_id));
        }
        match r.entity_type.as_str() {
            "customer" => wanted.push(keys::customer(&r.entity_id)),
            "product" => wanted.push(keys::product(&r.entity_id)),
            "order" => wanted.push(keys::order(&r.entity_id)),
            "invoice" => wanted.push(keys::invoice(&r.entity_id)),
            "user" => wanted.push(keys::user(&r.entity_id)),
            _ => {}
        }
    }
    wanted.sort();
    wanted.dedup();
    let found = batch(&state.store, wanted).await?;
    let by_pk: HashMap<String, Item> = found
        .into_iter()
        .filter_map(|i| {
            listing::attr(&i, "pk")
                .map(str::to_string)
                .map(|pk| (pk, i.clone()))
        })
        .collect();
    Ok(Json(one_page(
        records.into_iter().map(|r| describe(r, &by_pk)).collect(),
    )))
}

/// The records an activity entry names (read in one batch), by partition key.
struct Named<'a>(&'a HashMap<String, Item>);

impl Named<'_> {
    /// An attribute of the record with this key, when it was found.
    fn get(&self, key: Key, attr: &str) -> Option<String> {
        self.0
            .get(&key.pk)
            .and_then(|i| listing::attr(i, attr))
            .map(str::to_string)
    }
}

fn describe(r: AuditRecord, items: &HashMap<String, Item>) -> Activity {
    let named = Named(items);
    let who = who(&r.actor_id, &named);
    let text = match r.action.as_str() {
        "payment.recorded" => format!("{who} recorded a payment"),
        "payment.deleted" => format!("{who} deleted a payment"),
        action => {
            let subject = what(&r.entity_type, &r.entity_id, &named);
            match phrase(action) {
                // An account's own event ("Ana signed in") does not name the account again.
                Some(p) if p.contains("{subject}") => {
                    format!("{who} {}", p.replace("{subject}", &subject))
                }
                Some(p) if r.entity_type == "user" && r.entity_id == r.actor_id => {
                    format!("{who} {p}")
                }
                Some(p) => format!("{who} {p} ({subject})"),
                // The rest read as their last part: `invoice.issued` is "issued".
                None => format!(
                    "{who} {} {subject}",
                    action.rsplit('.').next().unwrap_or(action)
                ),
            }
        }
    };
    Activity {
        at: r.at,
        text,
        action: r.action,
        actor_id: r.actor_id,
        entity_type: r.entity_type,
        entity_id: r.entity_id,
    }
}

/// Who made a change: a system by its name, a user by theirs.
fn who(actor_id: &str, named: &Named) -> String {
    if let Some(system) = actor_id.strip_prefix("system:") {
        match system {
            "salesforce" => "Salesforce".to_string(),
            "reminders" => "The reminder job".to_string(),
            other => other.to_string(),
        }
    } else if actor_id == "anonymous" {
        "Someone".to_string()
    } else {
        named
            .get(keys::user(actor_id), "name")
            .unwrap_or_else(|| "A user".into())
    }
}

/// What a change was made to, by its name where it has one.
fn what(entity_type: &str, id: &str, named: &Named) -> String {
    match entity_type {
        "customer" => format!(
            "customer {}",
            named
                .get(keys::customer(id), "name")
                .unwrap_or_else(|| id.to_string())
        ),
        "product" => format!(
            "product {}",
            named
                .get(keys::product(id), "name")
                .unwrap_or_else(|| id.to_string())
        ),
        "order" => {
            let to = named
                .get(keys::order(id), "customer_name")
                .map(|c| format!(" for {c}"))
                .unwrap_or_default();
            format!("an order{to}")
        }
        "invoice" => invoice_words(id, named),
        "user" => format!(
            "the account of {}",
            named
                .get(keys::user(id), "name")
                .unwrap_or_else(|| "a user".into())
        ),
        "payment" => "a payment".to_string(),
        "outbox" => "an email".to_string(),
        "settings" if id == "company" => "the company settings".to_string(),
        "login" => format!("the sign-in of {id}"),
        other => format!("{other} {id}"),
    }
}

/// An invoice or credit note, by its number (or as a draft) and its customer.
fn invoice_words(id: &str, named: &Named) -> String {
    let kind = match named.get(keys::invoice(id), "kind").as_deref() {
        Some("credit_note") => "credit note",
        _ => "invoice",
    };
    let number = named
        .get(keys::invoice(id), "number")
        .map(|n| format!(" {n}"))
        .unwrap_or_else(|| " (draft)".into());
    let to = named
        .get(keys::invoice(id), "customer_name")
        .map(|c| format!(" to {c}"))
        .unwrap_or_default();
    format!("{kind}{number}{to}")
}

/// The words of the actions that are not "<last part> <what>", as the web app's audit trail has them
/// (`web/src/components/audit/describe.ts`); `{subject}` is what the change was made to.
fn phrase(action: &str) -> Option<&'static str> {
    Some(match action {
        "user.login" => "signed in",
        "user.login_failed" => "failed to sign in as {subject}",
        "user.login_throttled" => "was stopped from signing in as {subject} (too many attempts)",
        "user.session_ended" => "signed out",
        "user.invitation_resent" => "resent the invitation of {subject}",
        "user.invitation_revoked" => "revoked the invitation of {subject}",
        "user.invite_accepted" => "accepted the invitation",
        "user.password_changed" => "changed their password",
        "user.password_change_failed" => "failed to change their password",
        "user.password_reset" => "reset their password",
        "user.password_reset_requested" => "asked for a password reset for {subject}",
        "user.reauthenticated" => "confirmed their password",
        "user.reauth_failed" => "failed to confirm their password",
        "user.mfa_enabled" => "turned two-factor sign-in on",
        "user.mfa_disabled" => "turned two-factor sign-in off",
        "user.mfa_setup_started" => "started setting up two-factor sign-in",
        "user.mfa_failed" => "entered a wrong two-factor code",
        "user.mfa_disable_failed" => "failed to turn two-factor sign-in off",
        "user.mfa_recovery_code_used" => "signed in with a recovery code",
        "user.mfa_recovery_codes_renewed" => "renewed their recovery codes",
        "user.unlocked" => "unlocked the sign-in of {subject}",
        "outbox.retried" => "retried {subject}",
        "invoice.late_fee_added" => "added a late fee to {subject}",
        "invoice.payment_recorded" => "recorded a payment on {subject}",
        "invoice.payment_reversed" => "reversed a payment on {subject}",
        "invoice.reminder_sent" => "sent a payment reminder for {subject}",
        "settings.company_updated" => "updated {subject}",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(action: &str, entity_type: &str, entity_id: &str, actor_id: &str) -> AuditRecord {
        AuditRecord {
            id: "a1".into(),
            at: "2026-12-02T10:00:00Z".into(),
            actor_id: actor_id.into(),
            actor_role: None,
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id: entity_id.into(),
            request_id: "r1".into(),
            source_ip: None,
            changes: Vec::new(),
        }
    }

    fn text(action: &str, entity_type: &str, entity_id: &str, actor_id: &str) -> String {
        describe(
            record(action, entity_type, entity_id, actor_id),
            &HashMap::new(),
        )
        .text
    }

    #[test]
    fn every_action_the_services_record_reads_as_words() {
        // Every action the functions write (grep for `"<entity>.<verb>"` in functions/ and
        // shared/), on a record the feed could not name (no item read).
        for (action, entity) in [
            ("customer.created", "customer"),
            ("customer.updated", "customer"),
            ("customer.archived", "customer"),
            ("product.created", "product"),
            ("product.updated", "product"),
            ("product.archived", "product"),
            ("order.created", "order"),
            ("order.updated", "order"),
            ("order.invoiced", "order"),
            ("order.confirmed", "order"),
            ("order.cancelled", "order"),
            ("invoice.created", "invoice"),
            ("invoice.updated", "invoice"),
            ("invoice.issued", "invoice"),
            ("invoice.sent", "invoice"),
            ("invoice.voided", "invoice"),
            ("invoice.credited", "invoice"),
            ("invoice.late_fee_added", "invoice"),
            ("invoice.payment_recorded", "invoice"),
            ("invoice.payment_reversed", "invoice"),
            ("invoice.reminder_sent", "invoice"),
            ("payment.recorded", "payment"),
            ("payment.deleted", "payment"),
            ("outbox.retried", "outbox"),
            ("settings.company_updated", "settings"),
            ("user.registered", "user"),
            ("user.approved", "user"),
            ("user.rejected", "user"),
            ("user.invited", "user"),
            ("user.updated", "user"),
            ("user.unlocked", "user"),
            ("user.invitation_resent", "user"),
            ("user.invitation_revoked", "user"),
            ("user.invite_accepted", "user"),
            ("user.login", "user"),
            ("user.login_failed", "user"),
            ("user.login_throttled", "user"),
            ("user.session_ended", "user"),
            ("user.password_changed", "user"),
            ("user.password_change_failed", "user"),
            ("user.password_reset", "user"),
            ("user.password_reset_requested", "user"),
            ("user.reauthenticated", "user"),
            ("user.reauth_failed", "user"),
            ("user.mfa_enabled", "user"),
            ("user.mfa_disabled", "user"),
            ("user.mfa_setup_started", "user"),
            ("user.mfa_failed", "user"),
            ("user.mfa_disable_failed", "user"),
            ("user.mfa_recovery_code_used", "user"),
            ("user.mfa_recovery_codes_renewed", "user"),
        ] {
            let t = text(action, entity, "e1", "u1");
            assert!(!t.contains('_'), "{action}: {t}");
            assert!(t.starts_with("A user "), "{action}: {t}");
        }
    }

    #[test]
    fn settings_own_account_events_and_other_accounts_read_naturally() {
        assert_eq!(
            text("settings.company_updated", "settings", "company", "u1"),
            "A user updated the company settings"
        );
        assert_eq!(text("user.login", "user", "u1", "u1"), "A user signed in");
        assert_eq!(
            text("user.mfa_enabled", "user", "u2", "u1"),
            "A user turned two-factor sign-in on (the account of a user)"
        );
        assert_eq!(
            text("outbox.retried", "outbox", "m1", "u1"),
            "A user retried an email"
        );
        assert_eq!(
            text("invoice.reminder_sent", "invoice", "i1", "system:reminders"),
            "The reminder job sent a payment reminder for invoice (draft)"
        );
    }
}
