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
        Self {
            query,
            filter: None,
        }
    }
    pub fn filtered(
        query: store::Query,
        filter: impl Fn(&Item) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            query,
            filter: Some(Box::new(filter)),
        }
    }
}

/// Reads up to `limit` items from the sources, starting where `cursor` stopped.
pub async fn list(
    store: &Store,
    sources: Vec<Source>,
    limit: usize,
    cursor: Option<Cursor>,
) -> StoreResult<Page> {
    let (mut index, mut position) = match cursor {
        None => (0, None),
        Some(mut c) => {
            let i =
                c.0.remove(SOURCE_KEY)
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(0);
            (i, (!c.0.is_empty()).then_some(c))
        }
    };
    let mut out: Vec<Item> = Vec::new();
    let mut scanned = 0usize;
    while index < sources.len() {
        let source = &sources[index];
        let batch = if source.filter.is_some() {
            100.max(limit)
        } else {
            limit - out.len()
        };
        let page = store
            .query(source.query.clone().limit(batch).after(position.take()))
            .await?;
        scanned += page.items.len();
        let count = page.items.len();
        for (i, item) in page.items.into_iter().enumerate() {
            if source.filter.as_ref().is_none_or(|f| f(&item)) {
                out.push(item);
                if out.len() == limit {
                    let more_here = i + 1 < count || page.cursor.is_some();
                    let more_later = index + 1 < sources.len();
                    if !(more_here || more_later) {
                        return Ok(Page {
                            items: out,
                            cursor: None,
                        });
                    }
                    let last = out.last().expect("just pushed");
                    let (i_next, c) = if more_here {
                        (index, store::cursor_of(last, source.query.index))
                    } else {
                        (index + 1, Cursor(Default::default()))
                    };
                    return Ok(Page {
                        items: out,
                        cursor: Some(tagged(c, i_next)),
                    });
                }
            }
        }
        match page.cursor {
            Some(c) => {
                if scanned >= MAX_SCANNED {
                    return Ok(Page {
                        items: out,
                        cursor: Some(tagged(c, index)),
                    });
                }
                position = Some(c);
            }
            None => {
                index += 1;
                position = None;
            }
        }
    }
    Ok(Page {
        items: out,
        cursor: None,
    })
}

fn tagged(mut c: Cursor, source: usize) -> Cursor {
    c.0.insert(SOURCE_KEY.into(), source.to_string());
    c
}

/// Runs a list request and answers it: checks the signed cursor against `scope`, reads the
/// page, decodes the items and signs the next cursor.
pub async fn respond<T: serde::de::DeserializeOwned>(
    state: &crate::state::AppState,
    scope: &str,
    cursor: Option<&str>,
    sources: Vec<Source>,
    limit: usize,
) -> Result<crate::http::ListResponse<T>, crate::error::Problem> {
    let keys = state
        .tokens
        .secrets()
        .signing_keys()
        .await
        .map_err(crate::error::Problem::internal)?;
    let codec = crate::http::CursorCodec::new(&keys);
    let position = codec.decode_opt(scope, cursor)?;
    let page = list(&state.store, sources, limit, position).await?;
    let items = page
        .items
        .into_iter()
        .map(store::from_item)
        .collect::<Result<Vec<T>, _>>()?;
    Ok(crate::http::ListResponse {
        items,
        next_cursor: page.cursor.map(|c| codec.encode(scope, &c)),
    })
}

/// Lower-cased, trimmed text for case-insensitive prefix keys.
pub fn search_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The string value of an attribute.
pub fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(Value::as_str)
}

/// Query parameters of the master-data lists (customers, products).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRequest {
    /// Case-insensitive prefix of the name (customers: or of the email; products: or of the SKU).
    pub q: Option<String>,
    /// `active` (default) or `archived`.
    pub status: Option<String>,
    /// Created at or after: RFC 3339 timestamp or `YYYY-MM-DD` (UTC).
    pub created_from: Option<String>,
    /// Created at or before: RFC 3339 timestamp or `YYYY-MM-DD` (the whole day, UTC).
    pub created_to: Option<String>,
    /// `name` (default), `-name`, `created` or `-created`.
    pub sort: Option<String>,
    /// Page size, 1 to 100 (default 25).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// How a collection is indexed (see `store::keys`).
pub struct Collection {
    /// Index partition of one status, e.g. `CUSTOMERS#active`.
    pub partition: fn(&str) -> String,
    /// Sort key `<lower name>#<id>`.
    pub by_name: store::Index,
    /// Sort key `<created_at>#<id>`.
    pub by_created: store::Index,
    /// A second prefix-searchable key (email, SKU), searched after the name.
    pub second_key: store::Index,
}

/// What a list request resolved to: its sources, page size and the scope its cursors are
/// bound to.
pub struct Plan {
    pub sources: Vec<Source>,
    pub limit: usize,
    pub scope: String,
}

fn time_bound(
    field: &str,
    v: &str,
    end_of_day: bool,
    f: &mut crate::error::Fields,
) -> Option<String> {
    use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
    if let Ok(t) = DateTime::parse_from_rfc3339(v.trim()) {
        return Some(
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        );
    }
    if let Ok(d) = NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
        let t = if end_of_day {
            d.and_hms_milli_opt(23, 59, 59, 999)
        } else {
            d.and_hms_opt(0, 0, 0)
        };
        return t.map(|t| t.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true));
    }
    f.error(field, "must be an RFC 3339 timestamp or a YYYY-MM-DD date");
    None
}

impl ListRequest {
    /// Chooses the index queries for this request (see the README's list of costs).
    pub fn plan(&self, name: &str, c: &Collection) -> Result<Plan, crate::error::Problem> {
        use store::{Query, SkRange};
        let mut f = crate::error::Fields::new();
        let limit = crate::http::ListParams {
            limit: self.limit,
            cursor: None,
        }
        .limit()?;
        let status = self.status.as_deref().unwrap_or("active");
        if crate::domain::RecordStatus::parse(status).is_none() {
            f.error("status", "must be active or archived");
        }
        let (by_created, forward) = match self.sort.as_deref().unwrap_or("name") {
            "name" => (false, true),
            "-name" => (false, false),
            "created" => (true, true),
            "-created" => (true, false),
            _ => {
                f.error("sort", "must be name, -name, created or -created");
                (false, true)
            }
        };
        let from = self
            .created_from
            .as_deref()
            .and_then(|v| time_bound("created_from", v, false, &mut f));
        let to = self
            .created_to
            .as_deref()
            .and_then(|v| time_bound("created_to", v, true, &mut f));
        let q = self.q.as_deref().map(search_key).filter(|q| !q.is_empty());
        if let Some(q) = &q {
            if q.chars().count() > 100 {
                f.error("q", "must be at most 100 characters");
            }
            if by_created {
                f.error(
                    "sort",
                    "search results are ordered by name: use name or -name with q",
                );
            }
        }
        f.finish()?;
        let partition = (c.partition)(status);
        let in_range = {
            let (from, to) = (from.clone(), to.clone());
            move |item: &Item| {
                let at = attr(item, "created_at").unwrap_or_default();
                from.as_deref().is_none_or(|f| at >= f) && to.as_deref().is_none_or(|t| at <= t)
            }
        };
        let ranged = from.is_some() || to.is_some();
        let sources = match (&q, by_created) {
            (Some(q), _) => {
                let name_q = Query::index(c.by_name, &partition)
                    .range(SkRange::BeginsWith(q.clone()))
                    .forward(forward);
                let second_q = Query::index(c.second_key, &partition)
                    .range(SkRange::BeginsWith(q.clone()))
                    .forward(forward);
                let (name_attr, qq) = (c.by_name.attributes().1, q.clone());
                let range2 = in_range.clone();
                vec![
                    if ranged {
                        Source::filtered(name_q, in_range)
                    } else {
                        Source::new(name_q)
                    },
                    // Items whose name matches were listed by the first source.
                    Source::filtered(second_q, move |i| {
                        !attr(i, name_attr)
                            .unwrap_or_default()
                            .starts_with(qq.as_str())
                            && range2(i)
                    }),
                ]
            }
            (None, true) => {
                let lo = from.clone().unwrap_or_default();
                let hi = format!("{}~", to.clone().unwrap_or_else(|| "9999".into()));
                vec![Source::new(
                    Query::index(c.by_created, &partition)
                        .range(SkRange::Between(lo, hi))
                        .forward(forward),
                )]
            }
            (None, false) => {
                let q = Query::index(c.by_name, &partition).forward(forward);
                vec![if ranged {
                    Source::filtered(q, in_range)
                } else {
                    Source::new(q)
                }]
            }
        };
        let scope = format!(
            "{name}?status={status}&q={}&sort={}&from={}&to={}",
            q.unwrap_or_default(),
            self.sort.as_deref().unwrap_or("name"),
            from.unwrap_or_default(),
            to.unwrap_or_default()
        );
        Ok(Plan {
            sources,
            limit,
            scope,
        })
    }
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
        let evens = || {
            vec![Source::filtered(
                store::Query::index(Index::Gsi1, "XS"),
                |i| i["n"].as_i64().unwrap() % 2 == 0,
            )]
        };
        assert_eq!(
            all(&s, evens, 4).await,
            (0..30).step_by(2).collect::<Vec<_>>()
        );
        // Name prefix "name0" then sku prefix "sku1" minus what the first source returned.
        let two = || {
            vec![
                Source::new(
                    store::Query::index(Index::Gsi1, "XS")
                        .range(SkRange::BeginsWith("name0".into())),
                ),
                Source::filtered(
                    store::Query::index(Index::Gsi3, "XS")
                        .range(SkRange::BeginsWith("sku1".into())),
                    |i| !i["gsi1sk"].as_str().unwrap().starts_with("name0"),
                ),
            ]
        };
        for limit in [1, 3, 7, 25] {
            assert_eq!(
                all(&s, two, limit).await,
                (0..20).collect::<Vec<_>>(),
                "limit {limit}"
            );
        }
    }
}
