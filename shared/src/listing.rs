//! Lists served by index queries: a list reads one or more *sources* (an index query plus an
//! optional in-memory filter) one after the other until the page is full. The cursor records
//! which source it stopped in and where, so pages never repeat or skip an item.
//!
//! Cost: a source without a filter reads exactly the items it returns (one Query per page).
//! A filter reads items it then drops. That is the price of combining, say, a name search
//! with a date range. A page stops after [`MAX_SCANNED`] read items and returns a shorter page
//! with a cursor, so one request never reads without bound.

use serde_json::Value;

use crate::store::{self, Cursor, Item, Page, Store, StoreResult};

/// Most items one list request reads.
pub const MAX_SCANNED: usize = 1000;
const SOURCE_KEY: &str = "_source";

pub type Filter = Box<dyn Fn(&Item) -> bool + Send + Sync>;

pub struct Source {
    pub query: store::Query,
    pub filter: Option<Filter>,
}

impl Source {
    pub fn new(query: store::Query) -> Self {
        Self { query, filter: None }
    }
    pub fn filtered(query: store::Query, filter: impl Fn(&Item) -> bool + Send + Sync + 'static) -> Self {
        Self { query, filter: Some(Box::new(filter)) }
    }
}

/// Reads up to `limit` items from the sources, starting where `cursor` stopped.
pub async fn list(store: &Store, sources: Vec<Source>, limit: usize, cursor: Option<Cursor>) -> StoreResult<Page> {
    let (mut index, mut position) = match cursor {
        None => (0, None),
        Some(mut c) => {
            let i = c.0.remove(SOURCE_KEY).and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
            (i, (!c.0.is_empty()).then_some(c))
        }
    };
    let mut out: Vec<Item> = Vec::new();
    let mut scanned = 0usize;
    while index < sources.len() {
        let source = &sources[index];
        let batch = if source.filter.is_some() { 100.max(limit) } else { limit - out.len() };
        let page = store.query(source.query.clone().limit(batch).after(position.take())).await?;
        scanned += page.items.len();
        let count = page.items.len();
        for (i, item) in page.items.into_iter().enumerate() {
            if source.filter.as_ref().is_none_or(|f| f(&item)) {
                out.push(item);
                if out.len() == limit {
                    let more_here = i + 1 < count || page.cursor.is_some();
                    let more_later = index + 1 < sources.len();
                    if !(more_here || more_later) {
                        return Ok(Page { items: out, cursor: None });
                    }
                    let last = out.last().expect("just pushed");
                    let (i_next, c) = if more_here {
                        (index, store::cursor_of(last, source.query.index))
                    } else {
                        (index + 1, Cursor(Default::default()))
                    };
                    return Ok(Page { items: out, cursor: Some(tagged(c, i_next)) });
                }
            }
        }
        match page.cursor {
            Some(c) => {
                if scanned >= MAX_SCANNED {
                    return Ok(Page { items: out, cursor: Some(tagged(c, index)) });
                }
                position = Some(c);
            }
            None => {
                index += 1;
                position = None;
            }
        }
    }
    Ok(Page { items: out, cursor: None })
}

fn tagged(mut c: Cursor, source: usize) -> Cursor {
    c.0.insert(SOURCE_KEY.into(), source.to_string());
    c
}

/// Lower-cased, trimmed text for case-insensitive prefix keys.
pub fn search_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The string value of an attribute.
pub fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Index, SkRange, WriteOp, table};

    async fn seeded() -> Store {
        let s = Store::memory();
        let (p, k) = Index::Gsi1.attributes();
        let (p3, k3) = Index::Gsi3.attributes();
        let mut ops = Vec::new();
        for i in 0..30 {
            let mut item = Item::new();
            item.insert(table::PK.into(), format!("X#{i:02}").into());
            item.insert(table::SK.into(), "X".into());
            item.insert(p.into(), "XS".into());
            item.insert(k.into(), format!("name{i:02}").into());
            item.insert(p3.into(), "XS".into());
            item.insert(k3.into(), format!("sku{i:02}").into());
            item.insert("n".into(), i.into());
            ops.push(WriteOp::put(item));
        }
        s.transact(ops).await.unwrap();
        s
    }

    async fn all(s: &Store, make: impl Fn() -> Vec<Source>, limit: usize) -> Vec<i64> {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = list(s, make(), limit, cursor).await.unwrap();
            seen.extend(page.items.iter().map(|i| i["n"].as_i64().unwrap()));
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return seen,
            }
        }
    }

    #[tokio::test]
    async fn filtered_and_chained_sources_page_without_repeats() {
        let s = seeded().await;
        let evens = || vec![Source::filtered(store::Query::index(Index::Gsi1, "XS"), |i| i["n"].as_i64().unwrap() % 2 == 0)];
        assert_eq!(all(&s, evens, 4).await, (0..30).step_by(2).collect::<Vec<_>>());
        // Name prefix "name0" then sku prefix "sku1" minus what the first source returned.
        let two = || {
            vec![
                Source::new(store::Query::index(Index::Gsi1, "XS").range(SkRange::BeginsWith("name0".into()))),
                Source::filtered(store::Query::index(Index::Gsi3, "XS").range(SkRange::BeginsWith("sku1".into())), |i| {
                    !i["gsi1sk"].as_str().unwrap().starts_with("name0")
                }),
            ]
        };
        for limit in [1, 3, 7, 25] {
            assert_eq!(all(&s, two, limit).await, (0..20).collect::<Vec<_>>(), "limit {limit}");
        }
    }
}
