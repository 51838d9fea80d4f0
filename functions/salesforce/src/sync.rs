//! Applying one Salesforce record: upsert by external id, newest `LastModifiedDate` wins,
//! each event or notification applied at most once.
//!
//! Items (see `store::keys`):
//! - `EXTID#salesforce#<Object>#<18-char id>` → `{record_id, last_modified}`: created with
//!   the record (condition: does not exist), advanced on every update (condition:
//!   `last_modified < incoming`, a string comparison of normalised UTC timestamps). So an
//!   external id maps to exactly one record, and an older event never overwrites newer data.
//! - `INBOUND#<system>#<event id>` → `{response, ttl}`: put with "does not exist" in the same
//!   transaction as the effect. A replay finds it (or loses the race on its condition) and
//!   gets the stored response; nothing else changes.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use erp_shared::accounts::now_rfc3339;
use erp_shared::audit::{self, Actor, Change};
use erp_shared::catalog;
use erp_shared::domain::address::Address;
use erp_shared::domain::customer::CustomerFields;
use erp_shared::domain::money::{Discount, totals};
use erp_shared::domain::ordering::NewOrder;
use erp_shared::domain::product::{MoneyInput, ProductFields};
use erp_shared::domain::sales::{MAX_LINES, Order, OrderStatus};
use erp_shared::domain::text::{self, Patch};
use erp_shared::domain::{Currency, Customer, Product, RecordStatus};
use erp_shared::error::{ApiResult, Fields, Problem};
use erp_shared::retry;
use erp_shared::sales::{self, LineRequest};
use erp_shared::state::AppState;
use erp_shared::store::{
    Condition, Item, Key, MAX_BATCH_GET, Store, Update, WriteOp, epoch_seconds, keys, table,
    to_item,
};

use crate::record::{Record, decimal_value, minor_units, normalise_timestamp, salesforce_id};

/// The system name in external-id and inbound-event keys, and in audit actors.
pub const SYSTEM: &str = "salesforce";
/// How long a processed event id is remembered (Salesforce retries for at most 24 hours).
pub const DEDUPE_DAYS: i64 = 30;
/// Attempts when a concurrent writer changed the same record.
const ATTEMPTS: usize = 20;

/// The Salesforce objects this integration maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    Account,
    Product2,
    Order,
    Opportunity,
}

impl Object {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Account" => Some(Object::Account),
            "Product2" => Some(Object::Product2),
            "Order" => Some(Object::Order),
            "Opportunity" => Some(Object::Opportunity),
            _ => None,
        }
    }
    /// The Salesforce API name.
    pub fn api_name(self) -> &'static str {
        match self {
            Object::Account => "Account",
            Object::Product2 => "Product2",
            Object::Order => "Order",
            Object::Opportunity => "Opportunity",
        }
    }
    /// Our entity type.
    pub fn entity(self) -> &'static str {
        match self {
            Object::Account => "customer",
            Object::Product2 => "product",
            Object::Order | Object::Opportunity => "order",
        }
    }
    /// The child relationship holding the line items.
    fn items_field(self) -> &'static str {
        match self {
            Object::Opportunity => "OpportunityLineItems",
            _ => "OrderItems",
        }
    }
}

/// What an event did. Salesforce can store `id` in an External ID field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventResponse {
    /// `created`, `updated` or `ignored`.
    pub status: String,
    /// `customer`, `product` or `order`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Our id of the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why an event was ignored: `older` (not newer than what we have) or `stage` (an
    /// Opportunity that is not Closed Won).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl EventResponse {
    fn done(status: &str, object: Object, id: &str) -> Self {
        Self {
            status: status.into(),
            object: Some(object.entity().into()),
            id: Some(id.into()),
            reason: None,
        }
    }
    fn ignored(object: Object, id: Option<&str>, reason: &str) -> Self {
        Self {
            status: "ignored".into(),
            object: Some(object.entity().into()),
            id: id.map(str::to_string),
            reason: Some(reason.into()),
        }
    }
}

/// The writes of one event's effect, and which of them can lose a race.
struct Plan {
    ops: Vec<WriteOp>,
    response: EventResponse,
    /// The external-id guard write (a failed condition means another event got there first).
    guard_op: Option<usize>,
    /// The SKU guard write (a failed condition means another product has the SKU).
    sku_op: Option<usize>,
}

impl Plan {
    fn only(response: EventResponse) -> Self {
        Self {
            ops: Vec::new(),
            response,
            guard_op: None,
            sku_op: None,
        }
    }
}

/// The stored response of an event already processed.
async fn stored_response(store: &Store, key: &Key) -> ApiResult<Option<EventResponse>> {
    match store.get(key).await? {
        None => Ok(None),
        Some(item) => {
            let v = item.get("response").cloned().unwrap_or(Value::Null);
            serde_json::from_value(v)
                .map(Some)
                .map_err(Problem::internal)
        }
    }
}

fn inbound_item(key: &Key, object: Object, response: &EventResponse) -> ApiResult<WriteOp> {
    let now = Utc::now();
    let mut item = to_item(
        key,
        &json!({
            "object": object.api_name(),
            "response": response,
            "received_at": now_rfc3339(),
        }),
    )?;
    item.insert(
        table::TTL.into(),
        Value::from(epoch_seconds(now + Duration::days(DEDUPE_DAYS))),
    );
    // New, or expired but not yet deleted by DynamoDB (such items read as absent).
    Ok(WriteOp::Put {
        item,
        condition: Some(Condition::Or(vec![
            Condition::NotExists,
            Condition::Le(table::TTL.into(), Value::from(epoch_seconds(now))),
        ])),
    })
}

/// Applies one record once. `dedupe` is the event's `INBOUND#...` key.
pub async fn apply(
    state: &AppState,
    actor: &Actor,
    dedupe: &Key,
    object: Object,
    fields: &Map<String, Value>,
) -> ApiResult<EventResponse> {
    if let Some(stored) = stored_response(&state.store, dedupe).await? {
        return Ok(stored);
    }
    let rec = Record::new(fields);
    let mut f = Fields::new();
    let sf_id = match rec.value("Id", &mut f) {
        Some(id) => f.check(&Record::path("Id"), salesforce_id(&id)),
        None => {
            f.error(&Record::path("Id"), "is required");
            None
        }
    };
    let modified = match rec.value("LastModifiedDate", &mut f) {
        Some(t) => f.check(&Record::path("LastModifiedDate"), normalise_timestamp(&t)),
        None => {
            f.error(&Record::path("LastModifiedDate"), "is required");
            None
        }
    };
    // An Opportunity becomes an order once won: `StageName` "Closed Won" (or `IsWon`, for
    // orgs that renamed the stage).
    let won = object != Object::Opportunity
        || rec.value("StageName", &mut f).as_deref() == Some("Closed Won")
        || rec.boolean("IsWon", &mut f) == Some(true);
    f.finish()?;
    let (Some(sf_id), Some(modified)) = (sf_id, modified) else {
        return Err(Problem::internal("checked fields missing"));
    };
    let company = state.company().await?;
    let ctx = Ctx {
        state,
        company: &company,
        actor,
        object,
        rec: &rec,
        sf_id: &sf_id,
        modified: &modified,
    };
    retry::retrying(ATTEMPTS, || ctx.attempt(won, dedupe)).await
}

/// Writes the plan with the dedupe item. `None`: a concurrent writer won, try again.
async fn commit(
    state: &AppState,
    dedupe: &Key,
    object: Object,
    plan: Plan,
) -> ApiResult<Option<EventResponse>> {
    let Plan {
        mut ops,
        response,
        guard_op,
        sku_op,
    } = plan;
    let inbound_op = ops.len();
    ops.push(inbound_item(dedupe, object, &response)?);
    match state.store.transact(ops).await {
        Ok(()) => Ok(Some(response)),
        // The same event, processed concurrently: its answer is the one that counts.
        Err(e) if e.failed_op(inbound_op) => stored_response(&state.store, dedupe).await,
        Err(e) if guard_op.is_some_and(|i| e.failed_op(i)) => Ok(None),
        Err(e) if sku_op.is_some_and(|i| e.failed_op(i)) => Err(catalog::sku_taken()),
        Err(e) if retry::lost_race(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Renames the field errors of a problem (our field names → Salesforce's).
fn renamed(mut p: Problem, rename: impl Fn(&str) -> String) -> Problem {
    for e in &mut p.errors {
        e.field = rename(&e.field);
    }
    p
}

fn guard_key(object: Object, sf_id: &str) -> Key {
    keys::external_id(SYSTEM, object.api_name(), sf_id)
}

/// The record id and `last_modified` of an external id already mapped.
fn guard_of(item: &erp_shared::store::Item) -> Option<(String, String)> {
    Some((
        item.get("record_id")?.as_str()?.to_string(),
        item.get("last_modified")?.as_str()?.to_string(),
    ))
}

struct Ctx<'a> {
    state: &'a AppState,
    /// New customers take the company's default currency and payment terms.
    company: &'a erp_shared::domain::company::CompanySettings,
    actor: &'a Actor,
    object: Object,
    rec: &'a Record<'a>,
    sf_id: &'a str,
    modified: &'a str,
}

impl Ctx<'_> {
    /// One try: the plan for the record (or its skipping, while not won), written with the
    /// dedupe item.
    async fn attempt(&self, won: bool, dedupe: &Key) -> ApiResult<Option<EventResponse>> {
        let plan = if !won {
            Plan::only(EventResponse::ignored(self.object, None, "stage"))
        } else {
            self.plan().await?
        };
        commit(self.state, dedupe, self.object, plan).await
    }

    /// The plan of a creation: `ops` with the new external-id guard second (and the SKU
    /// guard at `sku_op`).
    fn created(&self, id: &str, ops: Vec<WriteOp>, sku_op: Option<usize>) -> Plan {
        Plan {
            ops,
            response: EventResponse::done("created", self.object, id),
            guard_op: Some(1),
            sku_op,
        }
    }

    fn guard(&self) -> Key {
        guard_key(self.object, self.sf_id)
    }

    fn create_guard(&self, record_id: &str) -> ApiResult<WriteOp> {
        Ok(WriteOp::put_new(to_item(
            &self.guard(),
            &json!({ "record_id": record_id, "last_modified": self.modified }),
        )?))
    }

    /// Moves the guard forward, only if nothing newer was applied meanwhile.
    fn advance_guard(&self) -> WriteOp {
        WriteOp::Update {
            key: self.guard(),
            updates: vec![Update::set("last_modified", self.modified)],
            condition: Some(Condition::Lt(
                "last_modified".into(),
                Value::from(self.modified),
            )),
        }
    }

    fn external_ids(&self, base: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut ids = base.clone();
        ids.insert(SYSTEM.into(), self.sf_id.to_string());
        ids
    }

    async fn plan(&self) -> ApiResult<Plan> {
        let existing = self
            .state
            .store
            .get(&self.guard())
            .await?
            .map(|item| guard_of(&item).ok_or_else(|| Problem::internal("malformed guard")))
            .transpose()?;
        match existing {
            Some((id, last)) if last.as_str() >= self.modified => Ok(Plan::only(
                EventResponse::ignored(self.object, Some(&id), "older"),
            )),
            Some((id, _)) => match self.object {
                Object::Account => self.update_customer(&id).await,
                Object::Product2 => self.update_product(&id).await,
                Object::Order | Object::Opportunity => self.update_order(&id).await,
            },
            None => match self.object {
                Object::Account => self.create_customer(),
                Object::Product2 => self.create_product(),
                Object::Order | Object::Opportunity => self.create_order().await,
            },
        }
    }

    // ---- Account → customer ----

    fn customer_fields(&self, base: &Customer) -> ApiResult<CustomerFields> {
        let r = self.rec;
        let mut f = Fields::new();
        let c = CustomerFields {
            name: r.text("Name", &mut f).map(Option::unwrap_or_default),
            phone: r.text("Phone", &mut f),
            billing_address: address(r, "Billing", &mut f),
            shipping_address: address(r, "Shipping", &mut f),
            currency: r.text("CurrencyIsoCode", &mut f).flatten(),
            external_ids: Some(self.external_ids(&base.external_ids)),
            ..CustomerFields::default()
        };
        f.finish()?;
        Ok(c)
    }

    fn create_customer(&self) -> ApiResult<Plan> {
        let blank = Customer::blank_for(
            uuid::Uuid::now_v7().to_string(),
            now_rfc3339(),
            self.company,
        );
        let customer = self
            .customer_fields(&blank)?
            .apply(&blank, true)
            .map_err(|p| renamed(p, account_field))?;
        let ops = vec![
            WriteOp::put_new(catalog::customer_item(&customer)?),
            self.create_guard(&customer.id)?,
            audit::record(
                self.actor,
                "customer.created",
                "customer",
                &customer.id,
                audit::diff(None, Some(&customer)),
            )?,
        ];
        Ok(self.created(&customer.id, ops, None))
    }

    async fn update_customer(&self, id: &str) -> ApiResult<Plan> {
        let before = catalog::get_customer(&self.state.store, id)
            .await?
            .ok_or_else(|| Problem::internal("external id maps to a missing customer"))?;
        let mut after = self
            .customer_fields(&before)?
            .apply(&before, false)
            .map_err(|p| renamed(p, account_field))?;
        let changes = audit::diff(Some(&before), Some(&after));
        self.update_plan(id, changes, || {
            next_version(&mut after.version, &mut after.updated_at, before.version);
            let put = versioned_put(catalog::customer_item(&after)?, before.version, None);
            Ok((put, Vec::new()))
        })
    }

    /// The plan of an update: when `changes` is not empty, the new version of the record
    /// and the SKU guard writes that `write` gives, with the audit record in between; the
    /// guard moves forward either way.
    fn update_plan(
        &self,
        id: &str,
        changes: Vec<Change>,
        write: impl FnOnce() -> ApiResult<(WriteOp, Vec<WriteOp>)>,
    ) -> ApiResult<Plan> {
        let mut ops = Vec::new();
        let mut sku_op = None;
        if !changes.is_empty() {
            let (put, sku_ops) = write()?;
            let entity = self.object.entity();
            let action = format!("{entity}.updated");
            ops.push(put);
            ops.push(audit::record(self.actor, &action, entity, id, changes)?);
            if !sku_ops.is_empty() {
                sku_op = Some(ops.len());
                ops.extend(sku_ops);
            }
        }
        let guard_op = ops.len();
        ops.push(self.advance_guard());
        Ok(Plan {
            ops,
            response: EventResponse::done("updated", self.object, id),
            guard_op: Some(guard_op),
            sku_op,
        })
    }

    // ---- Product2 → product ----

    fn product_fields(&self, base: &Product, creating: bool) -> ApiResult<ProductFields> {
        let r = self.rec;
        let mut f = Fields::new();
        let currency_code = r.text("CurrencyIsoCode", &mut f).flatten();
        // `UnitPrice` as named in the event, or the custom field `UnitPrice__c` as an
        // Outbound Message names it.
        let price_field = if r.has("UnitPrice") {
            "UnitPrice"
        } else {
            "UnitPrice__c"
        };
        let price = r.decimal(price_field, &mut f).flatten();
        let unit_price = match (price, creating) {
            (None, false) => None,
            (price, _) => {
                let currency = match &currency_code {
                    Some(c) => f.check(&Record::path("CurrencyIsoCode"), Currency::parse(c)),
                    None if creating => Some(self.company.default_currency),
                    None => Some(base.unit_price.currency),
                };
                currency.map(|cur| MoneyInput {
                    amount: match price {
                        None => Some(0),
                        Some(p) => f.check(&Record::path(price_field), minor_units(p, cur)),
                    },
                    currency: Some(cur.code().to_string()),
                })
            }
        };
        let fields = ProductFields {
            sku: r.text("ProductCode", &mut f).map(Option::unwrap_or_default),
            name: r.text("Name", &mut f).map(Option::unwrap_or_default),
            description: r.text("Description", &mut f),
            unit_price,
            active: r.boolean("IsActive", &mut f),
            external_ids: Some(self.external_ids(&base.external_ids)),
            ..ProductFields::default()
        };
        f.finish()?;
        Ok(fields)
    }

    fn create_product(&self) -> ApiResult<Plan> {
        let blank = Product::blank(uuid::Uuid::now_v7().to_string(), now_rfc3339());
        let product = self
            .product_fields(&blank, true)?
            .apply(&blank, true)
            .map_err(|p| renamed(p, product_field))?;
        let ops = vec![
            WriteOp::put_new(catalog::product_item(&product)?),
            self.create_guard(&product.id)?,
            catalog::sku_guard(&product)?,
            audit::record(
                self.actor,
                "product.created",
                "product",
                &product.id,
                audit::diff(None, Some(&product)),
            )?,
        ];
        Ok(self.created(&product.id, ops, Some(2)))
    }

    async fn update_product(&self, id: &str) -> ApiResult<Plan> {
        let before = catalog::get_product(&self.state.store, id)
            .await?
            .ok_or_else(|| Problem::internal("external id maps to a missing product"))?;
        let mut after = self
            .product_fields(&before, false)?
            .apply(&before, false)
            .map_err(|p| renamed(p, product_field))?;
        let changes = audit::diff(Some(&before), Some(&after));
        self.update_plan(id, changes, || {
            next_version(&mut after.version, &mut after.updated_at, before.version);
            let put = versioned_put(catalog::product_item(&after)?, before.version, None);
            Ok((put, catalog::sku_change(&before, &after)?))
        })
    }

    // ---- Order / Opportunity → order ----

    /// Our customer for `AccountId` (through the Account's external id).
    async fn customer(&self) -> ApiResult<Customer> {
        let field = Record::path("AccountId");
        let mut f = Fields::new();
        let account = self.rec.value("AccountId", &mut f);
        f.finish()?;
        let account = account
            .ok_or_else(|| Problem::field(&field, "is required"))
            .and_then(|a| salesforce_id(&a).map_err(|m| Problem::field(&field, m)))?;
        let guard = self
            .state
            .store
            .get(&guard_key(Object::Account, &account))
            .await?
            .and_then(|i| guard_of(&i));
        let Some((customer_id, _)) = guard else {
            return Err(Problem::field(
                &field,
                "no customer was synchronised from this Account; send the Account first",
            ));
        };
        let customer = catalog::get_customer(&self.state.store, &customer_id)
            .await?
            .ok_or_else(|| Problem::internal("external id maps to a missing customer"))?;
        if customer.status == RecordStatus::Archived {
            return Err(Problem::field(&field, "the customer is archived"));
        }
        Ok(customer)
    }

    /// The line items (`OrderItems` / `OpportunityLineItems`), as a JSON array or as a
    /// Salesforce child relationship (`{"records": [...]}`). `None` when absent.
    fn items(&self) -> ApiResult<Option<Vec<&Map<String, Value>>>> {
        let name = self.object.items_field();
        let path = Record::path(name);
        let list = match self.rec.raw(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) => a,
            Some(Value::Object(o)) => match o.get("records") {
                Some(Value::Array(a)) => a,
                _ => return Err(Problem::field(&path, "must be a list of line items")),
            },
            Some(_) => return Err(Problem::field(&path, "must be a list of line items")),
        };
        if list.len() > MAX_LINES {
            return Err(Problem::field(
                &path,
                format!("at most {MAX_LINES} line items ({} given)", list.len()),
            ));
        }
        list.iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .ok_or_else(|| Problem::field(&format!("{path}[{i}]"), "must be an object"))
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }

    /// Prices the line items in `currency`: products through their Product2 external ids,
    /// unit prices from major to minor units.
    async fn lines(
        &self,
        items: &[&Map<String, Value>],
        currency: Currency,
    ) -> ApiResult<Vec<erp_shared::domain::money::Line>> {
        let mut f = Fields::new();
        let sf_products: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.sf_product(i, item, &mut f))
            .collect();
        let ours = self.our_products(&sf_products).await?;
        let mut requests = Vec::with_capacity(items.len());
        for (i, (item, sf_product)) in items.iter().zip(&sf_products).enumerate() {
            let product_id = sf_product
                .as_deref()
                .and_then(|p| self.our_product(i, p, &ours, &mut f));
            if let Some(line) = self.line_request(i, item, product_id, currency, &mut f) {
                requests.push(line);
            }
        }
        // These field errors already name the Salesforce fields.
        f.finish()?;
        let name = self.object.items_field();
        sales::resolve_lines(
            &self.state.store,
            currency,
            &requests,
            self.state.config.rounding,
        )
        .await
        .map_err(|p| renamed(p, |field| line_field(name, field)))
    }

    /// `record.OrderItems[3].Quantity`: a field of a line item.
    fn item_path(&self, i: usize, field: &str) -> String {
        format!("record.{}[{i}].{field}", self.object.items_field())
    }

    /// The Salesforce product (`Product2Id`) of line item `i`, checked.
    fn sf_product(&self, i: usize, item: &Map<String, Value>, f: &mut Fields) -> Option<String> {
        Record::new(item)
            .value("Product2Id", f)
            .and_then(|p| f.check(&self.item_path(i, "Product2Id"), salesforce_id(&p)))
    }

    /// Our product ids by the external-id keys of these Product2 ids (those synchronised),
    /// one batch read per 100.
    async fn our_products(
        &self,
        sf_products: &[Option<String>],
    ) -> ApiResult<BTreeMap<Key, String>> {
        let mut wanted: Vec<&str> = sf_products.iter().filter_map(|p| p.as_deref()).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut ours = BTreeMap::new();
        for chunk in wanted.chunks(MAX_BATCH_GET) {
            let keys_: Vec<Key> = chunk
                .iter()
                .map(|p| guard_key(Object::Product2, p))
                .collect();
            for item in self.state.store.batch_get(&keys_).await? {
                if let (Some(k), Some((id, _))) = (Key::of(&item), guard_of(&item)) {
                    ours.insert(k, id);
                }
            }
        }
        Ok(ours)
    }

    /// Our product for line item `i`'s Product2; an error when none was synchronised from it.
    fn our_product(
        &self,
        i: usize,
        sf_product: &str,
        ours: &BTreeMap<Key, String>,
        f: &mut Fields,
    ) -> Option<String> {
        let id = ours.get(&guard_key(Object::Product2, sf_product)).cloned();
        if id.is_none() {
            f.error(
                &self.item_path(i, "Product2Id"),
                "no product was synchronised from this Product2; send the Product2 first",
            );
        }
        id
    }

    /// Line item `i` as a line to price: its quantity, unit price in minor units, discount
    /// and description. `None` when its quantity is missing or wrong (recorded in `f`).
    fn line_request(
        &self,
        i: usize,
        item: &Map<String, Value>,
        product_id: Option<String>,
        currency: Currency,
        f: &mut Fields,
    ) -> Option<LineRequest> {
        let r = Record::new(item);
        let quantity = self.quantity(&r, i, f)?;
        let unit_price = r
            .decimal("UnitPrice", f)
            .flatten()
            .and_then(|p| f.check(&self.item_path(i, "UnitPrice"), minor_units(p, currency)));
        let discount = r
            .decimal("Discount", f)
            .flatten()
            .map(|value| Discount::Percent { value });
        Some(LineRequest {
            product_id,
            description: r.value("Description", f),
            quantity: Value::String(quantity.to_string()),
            unit_price,
            discount,
            tax_rate: None,
            vat_category: None,
            vat_exemption_reason: None,
            unit_code: None,
        })
    }

    /// The `Quantity` of line item `i`, which is required.
    fn quantity(&self, r: &Record, i: usize, f: &mut Fields) -> Option<rust_decimal::Decimal> {
        let path = self.item_path(i, "Quantity");
        let given = match r.raw("Quantity") {
            None => Some(None),
            Some(v) => decimal_value(v, &path, f),
        };
        match given {
            Some(Some(q)) => Some(q),
            Some(None) => {
                f.error(&path, "is required");
                None
            }
            // Already reported.
            None => None,
        }
    }

    fn notes(&self, f: &mut Fields) -> Patch<String> {
        let notes = self.rec.text("Description", f)?;
        Some(
            f.check(
                &Record::path("Description"),
                text::optional_text(notes.as_deref(), 2000, true),
            )
            .flatten(),
        )
    }

    async fn create_order(&self) -> ApiResult<Plan> {
        let customer = self.customer().await?;
        let mut f = Fields::new();
        let currency = match self.rec.text("CurrencyIsoCode", &mut f).flatten() {
            Some(c) => f.check(&Record::path("CurrencyIsoCode"), Currency::parse(&c)),
            None => Some(customer.currency),
        };
        let notes = self.notes(&mut f).flatten();
        f.finish()?;
        let Some(currency) = currency else {
            return Err(Problem::internal("checked currency missing"));
        };
        let items = self.items()?.ok_or_else(|| {
            Problem::field(
                &Record::path(self.object.items_field()),
                "at least one line item is required",
            )
        })?;
        let lines = self.lines(&items, currency).await?;
        let new = NewOrder {
            customer_id: customer.id,
            customer_name: customer.name,
            currency,
            lines,
            notes,
        };
        let order = Order::draft(uuid::Uuid::now_v7().to_string(), now_rfc3339(), new);
        sales::check_size(&order)
            .map_err(|p| renamed(p, |_| Record::path(self.object.items_field())))?;
        let changes = sales::created_changes(&order, order.lines.len());
        let mut ops = vec![
            WriteOp::put_new(sales::order_item(&order)?),
            self.create_guard(&order.id)?,
            audit::record(self.actor, "order.created", "order", &order.id, changes)?,
        ];
        ops.extend(order.opened(self.state.today().await?).ops());
        Ok(self.created(&order.id, ops, None))
    }

    async fn update_order(&self, id: &str) -> ApiResult<Plan> {
        let before = sales::get_order(&self.state.store, id)
            .await?
            .ok_or_else(|| Problem::internal("external id maps to a missing order"))?;
        only_drafts(&before)?;
        self.same_account(&before).await?;
        let notes = self.order_notes(&before)?;
        let mut after = before.clone();
        if let Some(n) = notes {
            after.notes = n;
        }
        if let Some(items) = self.items()? {
            after.lines = self.lines(&items, before.currency).await?;
            after.totals = totals(&after.lines);
        }
        // Line arrays can be large: audited as counts, as the orders function does.
        let changes = sales::summarise_lines(
            audit::diff(Some(&before), Some(&after)),
            before.lines.len(),
            after.lines.len(),
        );
        self.update_plan(id, changes, || {
            next_version(&mut after.version, &mut after.updated_at, before.version);
            sales::check_size(&after)
                .map_err(|p| renamed(p, |_| Record::path(self.object.items_field())))?;
            let still_draft = Condition::eq("status", OrderStatus::Draft.as_str());
            let item = sales::order_item(&after)?;
            Ok((
                versioned_put(item, before.version, Some(still_draft)),
                Vec::new(),
            ))
        })
    }

    /// Refuses an `AccountId` other than the order's customer's.
    async fn same_account(&self, before: &Order) -> ApiResult<()> {
        if self.rec.has("AccountId") && self.customer().await?.id != before.customer_id {
            return Err(Problem::field(
                &Record::path("AccountId"),
                "the account of an existing order cannot change",
            ));
        }
        Ok(())
    }

    /// The notes of an update of an order (a patch), once its `CurrencyIsoCode`, if sent,
    /// is checked to be the order's.
    fn order_notes(&self, before: &Order) -> ApiResult<Patch<String>> {
        let mut f = Fields::new();
        let path = Record::path("CurrencyIsoCode");
        if let Some(c) = self.rec.text("CurrencyIsoCode", &mut f).flatten() {
            if f.check(&path, Currency::parse(&c))
                .is_some_and(|c| c != before.currency)
            {
                f.error(&path, "the currency of an existing order cannot change");
            }
        }
        let notes = self.notes(&mut f);
        f.finish()?;
        Ok(notes)
    }
}

/// Salesforce changes only draft orders.
fn only_drafts(order: &Order) -> ApiResult<()> {
    if order.status == OrderStatus::Draft {
        return Ok(());
    }
    Err(Problem::conflict(
        "invalid-status",
        format!(
            "The order is {}; only draft orders take changes from Salesforce.",
            order.status.as_str()
        ),
    ))
}

/// Moves a record's `version` and `updated_at` on from the stored version.
fn next_version(version: &mut i64, updated_at: &mut String, stored: i64) {
    *version = stored + 1;
    *updated_at = now_rfc3339();
}

/// The write of a record's new version, only if the stored version is still `stored` (and
/// `also` holds).
fn versioned_put(item: Item, stored: i64, also: Option<Condition>) -> WriteOp {
    let version = Condition::version_is(stored);
    WriteOp::Put {
        item,
        condition: Some(match also {
            None => version,
            Some(c) => Condition::And(vec![version, c]),
        }),
    }
}

/// `Billing*` / `Shipping*` fields as an address: set when street, city, postal code and
/// country are all given; cleared when every address field sent is empty; else unchanged.
fn address(r: &Record, prefix: &str, f: &mut Fields) -> Patch<Address> {
    let get = |f: &mut Fields, name: &str| r.text(&format!("{prefix}{name}"), f);
    let street = get(f, "Street");
    let city = get(f, "City");
    let state = get(f, "State");
    let postal = get(f, "PostalCode");
    let code = get(f, "CountryCode");
    let country = get(f, "Country");
    let two_letters = country
        .clone()
        .flatten()
        .filter(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()));
    let country_code = code.clone().flatten().or(two_letters);
    if let (Some(Some(street)), Some(Some(city)), Some(Some(postal)), Some(country)) =
        (&street, &city, &postal, &country_code)
    {
        let mut lines = street
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        let line1 = lines.next().unwrap_or_default();
        let rest: Vec<String> = lines.collect();
        return Some(Some(Address {
            line1,
            line2: (!rest.is_empty()).then(|| rest.join(", ")),
            city: city.clone(),
            region: state.flatten(),
            postal_code: postal.clone(),
            country: country.clone(),
        }));
    }
    let sent: Vec<&Patch<String>> = [&street, &city, &state, &postal, &code, &country]
        .into_iter()
        .filter(|v| v.is_some())
        .collect();
    if !sent.is_empty() && sent.iter().all(|v| matches!(v, Some(None))) {
        return Some(None);
    }
    None
}

fn address_field(prefix: &str, rest: &str) -> String {
    let name = match rest {
        "line1" | "line2" => "Street",
        "city" => "City",
        "region" => "State",
        "postal_code" => "PostalCode",
        "country" => "CountryCode",
        _ => "Street",
    };
    format!("record.{prefix}{name}")
}

/// Our customer field → the Account field it came from.
fn account_field(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("billing_address.") {
        return address_field("Billing", rest);
    }
    if let Some(rest) = field.strip_prefix("shipping_address.") {
        return address_field("Shipping", rest);
    }
    let name = match field {
        "name" => "Name",
        "phone" => "Phone",
        "currency" => "CurrencyIsoCode",
        "external_ids" => "Id",
        other => other,
    };
    Record::path(name)
}

/// Our product field → the Product2 field it came from.
fn product_field(field: &str) -> String {
    let name = match field {
        "sku" => "ProductCode",
        "name" => "Name",
        "description" => "Description",
        "unit_price" | "unit_price.amount" => "UnitPrice",
        "unit_price.currency" => "CurrencyIsoCode",
        "active" => "IsActive",
        "external_ids" => "Id",
        other => other,
    };
    Record::path(name)
}

/// `lines[3].unit_price` → `record.OrderItems[3].UnitPrice`.
fn line_field(items: &str, field: &str) -> String {
    let Some(rest) = field.strip_prefix("lines") else {
        return Record::path(field);
    };
    let Some((index, name)) = rest.split_once("].") else {
        return format!("record.{items}{rest}");
    };
    let name = match name {
        "product_id" | "tax_rate" => "Product2Id",
        "quantity" => "Quantity",
        "unit_price" => "UnitPrice",
        "description" => "Description",
        "discount" => "Discount",
        other => other,
    };
    format!("record.{items}{index}].{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_name_salesforce_fields() {
        assert_eq!(account_field("name"), "record.Name");
        assert_eq!(
            account_field("billing_address.country"),
            "record.BillingCountryCode"
        );
        assert_eq!(
            account_field("shipping_address.line1"),
            "record.ShippingStreet"
        );
        assert_eq!(product_field("unit_price.amount"), "record.UnitPrice");
        assert_eq!(
            line_field("OrderItems", "lines[2].unit_price"),
            "record.OrderItems[2].UnitPrice"
        );
        assert_eq!(line_field("OrderItems", "lines"), "record.OrderItems");
    }

    #[test]
    fn addresses_need_street_city_postal_code_and_country() {
        let m: Map<String, Value> = serde_json::from_value(json!({
            "BillingStreet": "1 High St\nFloor 2", "BillingCity": "London",
            "BillingPostalCode": "EC1A 1AA", "BillingCountry": "GB",
            "ShippingCity": "Paris",
        }))
        .unwrap();
        let r = Record::new(&m);
        let mut f = Fields::new();
        let a = address(&r, "Billing", &mut f).unwrap().unwrap();
        assert_eq!(a.line1, "1 High St");
        assert_eq!(a.line2.as_deref(), Some("Floor 2"));
        assert_eq!(a.country, "GB");
        assert_eq!(address(&r, "Shipping", &mut f), None);
        let cleared: Map<String, Value> =
            serde_json::from_value(json!({"BillingStreet": null, "BillingCity": ""})).unwrap();
        assert_eq!(
            address(&Record::new(&cleared), "Billing", &mut f),
            Some(None)
        );
        let long_country: Map<String, Value> = serde_json::from_value(json!({
            "BillingStreet": "x", "BillingCity": "y", "BillingPostalCode": "z", "BillingCountry": "France"
        }))
        .unwrap();
        assert_eq!(
            address(&Record::new(&long_country), "Billing", &mut f),
            None
        );
    }
}
