//! The effect of business events on the daily figures the dashboard reads (revenue, cash,
//! documents, receivables, days to pay), as the domain transitions report it. How they are
//! stored is `crate::sales` (`Rollup::ops`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::money::Line;

/// The effect of one business event on the rollups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
}
