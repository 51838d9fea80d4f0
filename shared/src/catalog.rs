//! Storage of customers and products: their items and index keys (see `store::keys`).

use serde_json::Value;

use crate::domain::{Customer, Product};
use crate::error::Problem;
use crate::listing::{Collection, search_key};
use crate::store::{Condition, Index, Item, Store, StoreResult, WriteOp, from_item, keys, to_item};

fn index(item: &mut Item, index: Index, pk: String, sk: String) {
    let (p, s) = index.attributes();
    item.insert(p.into(), Value::String(pk));
    item.insert(s.into(), Value::String(sk));
}

pub const CUSTOMERS: Collection = Collection {
    partition: keys::customers,
    by_name: Index::Gsi1,
    by_created: Index::Gsi2,
    second_key: Index::Gsi3,
};

pub const PRODUCTS: Collection = Collection {
    partition: keys::products,
    by_name: Index::Gsi1,
    by_created: Index::Gsi2,
    second_key: Index::Gsi3,
};

pub fn customer_item(c: &Customer) -> StoreResult<Item> {
    let mut item = to_item(&keys::customer(&c.id), c)?;
    let part = keys::customers(c.status.as_str());
    index(
        &mut item,
        Index::Gsi1,
        part.clone(),
        format!("{}#{}", search_key(&c.name), c.id),
    );
    index(
        &mut item,
        Index::Gsi2,
        part.clone(),
        format!("{}#{}", c.created_at, c.id),
    );
    if let Some(email) = &c.email {
        index(
            &mut item,
            Index::Gsi3,
            part,
            format!("{}#{}", email.as_str(), c.id),
        );
    }
    Ok(item)
}

pub fn product_item(p: &Product) -> StoreResult<Item> {
    let mut item = to_item(&keys::product(&p.id), p)?;
    let part = keys::products(p.status().as_str());
    index(
        &mut item,
        Index::Gsi1,
        part.clone(),
        format!("{}#{}", search_key(&p.name), p.id),
    );
    index(
        &mut item,
        Index::Gsi2,
        part.clone(),
        format!("{}#{}", p.created_at, p.id),
    );
    index(
        &mut item,
        Index::Gsi3,
        part,
        format!("{}#{}", search_key(&p.sku), p.id),
    );
    Ok(item)
}

pub async fn get_customer(store: &Store, id: &str) -> StoreResult<Option<Customer>> {
    if id.len() > 64 {
        return Ok(None);
    }
    store
        .get(&keys::customer(id))
        .await?
        .map(from_item)
        .transpose()
}

pub async fn get_product(store: &Store, id: &str) -> StoreResult<Option<Product>> {
    if id.len() > 64 {
        return Ok(None);
    }
    store
        .get(&keys::product(id))
        .await?
        .map(from_item)
        .transpose()
}

/// The guard item that makes a product's SKU unique (case-insensitive): written with the
/// product, it fails the transaction when another product holds the SKU.
pub fn sku_guard(product: &Product) -> StoreResult<WriteOp> {
    let item = to_item(
        &keys::product_sku(&search_key(&product.sku)),
        &serde_json::json!({ "product_id": product.id }),
    )?;
    Ok(WriteOp::put_new(item))
}

/// Writes that move a product's SKU from `before` to `after`: the new guard (at the returned
/// ops' index 0, failing when the SKU is taken) and the release of the old one. Empty when
/// the SKU did not change.
pub fn sku_change(before: &Product, after: &Product) -> StoreResult<Vec<WriteOp>> {
    if search_key(&before.sku) == search_key(&after.sku) {
        return Ok(Vec::new());
    }
    Ok(vec![
        sku_guard(after)?,
        WriteOp::Delete {
            key: keys::product_sku(&search_key(&before.sku)),
            condition: Some(Condition::eq("product_id", before.id.as_str())),
        },
    ])
}

/// 409 for a SKU another product holds.
pub fn sku_taken() -> Problem {
    Problem::conflict("sku-taken", "Another product already uses this SKU.")
}
