//! The invoice list's filter: which index serves it, and what is checked in memory.

use chrono::NaiveDate;

use erp_shared::domain::sales::InvoiceStatus;
use erp_shared::error::{ApiResult, Fields};
use erp_shared::listing::{self, Source};
use erp_shared::sales::{self, DocumentFilter};
use erp_shared::store::{self, Index, Item, SkRange, keys};

/// The parsed query of `GET /api/v1/invoices`.
pub(crate) struct Filter {
    pub limit: usize,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    forward: bool,
    range: SkRange,
    overdue: bool,
    status: Option<InvoiceStatus>,
    due_from: Option<NaiveDate>,
    due_to: Option<NaiveDate>,
    /// Number prefix, upper case.
    number: Option<String>,
}

impl Filter {
    /// Every parameter checked; field errors are one 422.
    pub fn parse(q: &DocumentFilter) -> ApiResult<Filter> {
        let mut f = Fields::new();
        let c = q.common(&mut f)?;
        let overdue = q.status.as_deref() == Some("overdue");
        let status = match q.status.as_deref() {
            None | Some("overdue") => None,
            Some(s) => f.check(
                "status",
                InvoiceStatus::parse(s).ok_or_else(|| {
                    let all: Vec<&str> = InvoiceStatus::ALL.iter().map(|s| s.as_str()).collect();
                    format!("must be one of {} or overdue", all.join(", "))
                }),
            ),
        };
        let due_from = sales::parse_date("due_from", q.due_from.as_deref(), &mut f);
        let due_to = sales::parse_date("due_to", q.due_to.as_deref(), &mut f);
        let number = q
            .number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_uppercase);
        if number.as_ref().is_some_and(|n| n.len() > 40) {
            f.error("number", "must be at most 40 characters");
        }
        f.finish()?;
        Ok(Filter {
            limit: c.limit,
            range: c.range(),
            from: c.from,
            to: c.to,
            forward: c.forward,
            overdue,
            status,
            due_from,
            due_to,
            number,
        })
    }

    /// The cursor scope: the query as parsed.
    pub fn scope(&self, q: &DocumentFilter) -> String {
        format!(
            "invoices?{:?}",
            (
                &q.status,
                &q.customer_id,
                self.from,
                self.to,
                self.due_from,
                self.due_to,
                &self.number,
                q.amount_min,
                q.amount_max,
                self.forward
            )
        )
    }

    /// Everything not served by the chosen index is checked here (see the README's costs).
    fn keep(
        &self,
        q: &DocumentFilter,
        today: NaiveDate,
    ) -> impl Fn(&Item) -> bool + Clone + Send + Sync + 'static {
        let (min, max, customer) = (q.amount_min, q.amount_max, q.customer_id.clone());
        let (status, overdue, due_from, due_to) =
            (self.status, self.overdue, self.due_from, self.due_to);
        let (fd, td) = (
            self.from.map(|d| d.to_string()),
            self.to.map(|d| d.to_string()),
        );
        move |i: &Item| {
            let total = sales::item_total(i);
            let date = listing::attr(i, "issue_date")
                .map(str::to_string)
                .unwrap_or_else(|| {
                    listing::attr(i, "created_at")
                        .unwrap_or_default()
                        .get(..10)
                        .unwrap_or_default()
                        .to_string()
                });
            let due = listing::attr(i, "due_date").unwrap_or_default().to_string();
            let st = listing::attr(i, "status").unwrap_or_default();
            // Documents stored before `credited` and `applied` existed read as those (see
            // `InvoiceStatus::read_as`), though their index entry is still under `paid`.
            min.is_none_or(|m| total >= m)
                && max.is_none_or(|m| total <= m)
                && customer
                    .as_deref()
                    .is_none_or(|c| listing::attr(i, "customer_id") == Some(c))
                && status.is_none_or(|s| sales::item_status(i) == Some(s))
                && (!overdue
                    || (InvoiceStatus::parse(st).is_some_and(|s| s.is_open())
                        && !due.is_empty()
                        && due < today.to_string()))
                && due_from.is_none_or(|d| !due.is_empty() && due >= d.to_string())
                && due_to.is_none_or(|d| !due.is_empty() && due <= d.to_string())
                && fd.as_deref().is_none_or(|d| date.as_str() >= d)
                && td.as_deref().is_none_or(|d| date.as_str() <= d)
        }
    }

    /// Whether anything is left for the in-memory filter to check.
    fn filtered(&self, q: &DocumentFilter) -> bool {
        q.amount_min.is_some()
            || q.amount_max.is_some()
            || self.status == Some(InvoiceStatus::Paid)
            || self.due_from.is_some()
            || self.due_to.is_some()
            || self.overdue
            || (q.customer_id.is_some() && self.status.is_some())
            || (self.number.is_some()
                && (q.customer_id.is_some()
                    || self.status.is_some()
                    || self.from.is_some()
                    || self.to.is_some()))
    }

    /// The index queries that serve the list, merged in order.
    pub fn sources(&self, q: &DocumentFilter, today: NaiveDate) -> Vec<Source> {
        let keep = self.keep(q, today);
        let filtered = self.filtered(q);
        let forward = self.forward;
        let source = |index: Index, pk: String, range: SkRange| {
            let query = store::Query::index(index, pk).range(range).forward(forward);
            if filtered {
                Source::filtered(query, keep.clone())
            } else {
                Source::new(query)
            }
        };
        let range = self.range.clone();
        if let Some(n) = &self.number {
            let prefix = SkRange::BeginsWith(n.clone());
            vec![source(Index::Gsi3, keys::INVOICE_NUMBERS.into(), prefix)]
        } else if let Some(c) = &q.customer_id {
            vec![source(Index::Gsi2, keys::invoices_of_customer(c), range)]
        } else if self.overdue {
            vec![
                source(Index::Gsi1, keys::invoices("issued"), range.clone()),
                source(Index::Gsi1, keys::invoices("partially_paid"), range),
            ]
        } else if let Some(s) = self.status {
            let mut sources = vec![source(
                Index::Gsi1,
                keys::invoices(s.as_str()),
                range.clone(),
            )];
            // Then the documents stored as `paid` before this status existed.
            if matches!(s, InvoiceStatus::Credited | InvoiceStatus::Applied) {
                let paid = keys::invoices(InvoiceStatus::Paid.as_str());
                let query = store::Query::index(Index::Gsi1, paid)
                    .range(range)
                    .forward(forward);
                sources.push(Source::filtered(query, keep.clone()));
            }
            sources
        } else {
            vec![source(Index::Gsi4, keys::ALL_INVOICES.into(), range)]
        }
    }
}
