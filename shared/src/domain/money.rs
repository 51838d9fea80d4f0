//! Document line and totals arithmetic (orders, invoices, credit notes).
//!
//! Amounts are integer minor units (`i64`) of an ISO 4217 currency (cents, yen, fils);
//! quantities, percentages and tax rates are exact decimals ([`Decimal`]). No floating point
//! is used anywhere.
//!
//! # Rounding strategy
//!
//! Rounding happens **once per line**, at the line, and only where a product of a decimal and
//! an amount can leave a fraction of a minor unit:
//!
//! 1. `gross = round(quantity × unit_price)`
//! 2. `discount_amount = round(gross × percent / 100)` for a percent discount, or the fixed
//!    amount as entered (already whole minor units)
//! 3. `net = gross − discount_amount` (exact)
//! 4. `tax = round(net × tax_rate / 100)` — tax is computed on the net, after the discount
//! 5. `total = net + tax` (exact)
//!
//! `round` goes to whole minor units with the document's [`Rounding`]: half-up (midpoint away
//! from zero, the default) or half-even (banker's rounding). All intermediate products are
//! exact `Decimal` values, so each step rounds exactly once.
//!
//! **The tax of a document is rounded per rate, not per line** ([`allocate_tax`]): the tax
//! at each rate is `round(Σ net × tax_rate / 100)` over the document's lines at that rate,
//! as EN 16931 defines it (BR-CO-17), and it is shared out to those lines, each getting its
//! exact tax rounded down or up (the largest remainders up, earlier lines first on a tie).
//! So every line's tax is within one minor unit of exact, the lines add up to the rate's
//! tax, and many lines rounded the same way can no longer drift apart from the total
//! (250 lines of 0.25 h at 73.33 at 20 % were 1.00 EUR apart). A one-line document is
//! priced exactly as step 4 says.
//!
//! Document [`Totals`] are plain sums of the rounded line fields and are never re-rounded, so
//! `subtotal − discount + tax = total` holds to the minor unit for every document, and a
//! printed invoice always adds up line by line.
//!
//! Every value is non-negative. All arithmetic is checked: a line whose amounts do not fit in
//! `i64` is refused with [`LineError::Overflow`] instead of wrapping or panicking.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::product::MAX_AMOUNT;

/// Rounding of line amounts to whole minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Midpoint away from zero: 2.5 → 3, 3.5 → 4.
    #[default]
    HalfUp,
    /// Midpoint to the nearest even number (banker's rounding): 2.5 → 2, 3.5 → 4.
    HalfEven,
}

impl Rounding {
    /// Parses `"half_up"` or `"half_even"` (the serialized names).
    pub fn parse(s: &str) -> Option<Rounding> {
        match s {
            "half_up" => Some(Rounding::HalfUp),
            "half_even" => Some(Rounding::HalfEven),
            _ => None,
        }
    }

    /// The serialized name, `"half_up"` or `"half_even"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rounding::HalfUp => "half_up",
            Rounding::HalfEven => "half_even",
        }
    }

    /// Rounds to 0 decimal places (whole minor units).
    pub fn round(self, d: Decimal) -> Decimal {
        let strategy = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        d.round_dp_with_strategy(0, strategy)
    }
}

/// A line discount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Discount {
    /// Percent of the line's gross amount, 0 to 100, at most 4 decimals.
    Percent {
        #[schema(value_type = String)]
        value: Decimal,
    },
    /// Fixed amount in minor units, 0 to the line's gross amount.
    Amount { value: i64 },
}

/// A line as entered (prices already resolved, e.g. defaulted from the product).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub product_id: Option<String>,
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: i64,
    pub discount: Option<Discount>,
    /// Percent, e.g. `20` or `7.5`.
    pub tax_rate: Decimal,
}

/// A priced line, as stored on orders and invoices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Line {
    pub product_id: Option<String>,
    pub description: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Minor units per unit.
    pub unit_price: i64,
    pub discount: Option<Discount>,
    /// Percent, e.g. `"20"` or `"7.5"`.
    #[schema(value_type = String)]
    pub tax_rate: Decimal,
    /// round(quantity × unit_price)
    pub gross: i64,
    /// round(gross × percent / 100), or the fixed amount
    pub discount_amount: i64,
    /// gross − discount_amount
    pub net: i64,
    /// round(net × tax_rate / 100)
    pub tax: i64,
    /// net + tax
    pub total: i64,
    /// EN 16931 VAT category; absent: `S` above 0 %, `Z` at 0 % (see
    /// [`super::einvoice::category_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub vat_category: Option<super::einvoice::VatCategory>,
    /// Why the line carries no VAT (exempt, reverse charge, …): a text or a VATEX code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_exemption_reason: Option<String>,
    /// UN/ECE Recommendation 20 unit (`HUR`, `KGM`, …); absent: pieces (`C62`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
}

/// Document totals: sums of the rounded lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Totals {
    /// Σ gross
    pub subtotal: i64,
    /// Σ discount_amount
    pub discount: i64,
    /// Σ tax
    pub tax: i64,
    /// Σ total (= subtotal − discount + tax)
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("quantity must be greater than 0 and at most 1000000, with at most 4 decimals")]
    Quantity,
    #[error("unit price must be between 0 and 10^13 minor units")]
    UnitPrice,
    #[error("a percent discount must be between 0 and 100 with at most 4 decimals")]
    DiscountPercent,
    #[error("an amount discount must be between 0 and the line amount")]
    DiscountAmount,
    #[error("tax rate must be between 0 and 100 with at most 4 decimals")]
    TaxRate,
    #[error("the line amount is too large")]
    Overflow,
}

/// Maximum quantity on a line.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// Most decimals accepted on quantities, percentages and tax rates (trailing zeros ignored).
const MAX_SCALE: u32 = 4;

/// `d` without trailing zeros (and without a negative zero) if it has at most 4 decimals.
fn at_most_4_dp(d: Decimal) -> Option<Decimal> {
    let n = d.normalize();
    (n.scale() <= MAX_SCALE).then_some(n)
}

/// A percentage in 0..=100 with at most 4 decimals, normalized.
fn percent(d: Decimal) -> Option<Decimal> {
    at_most_4_dp(d).filter(|p| *p >= Decimal::ZERO && *p <= Decimal::ONE_HUNDRED)
}

/// `round(d)` as whole minor units, if it fits in `i64`.
fn to_minor(d: Decimal, rounding: Rounding) -> Result<i64, LineError> {
    rounding.round(d).to_i64().ok_or(LineError::Overflow)
}

/// `round(amount × pct / 100)`. With `0 <= pct <= 100` the result is in `0..=amount`.
fn percent_of(amount: i64, pct: Decimal, rounding: Rounding) -> Result<i64, LineError> {
    let product = Decimal::from(amount)
        .checked_mul(pct)
        .ok_or(LineError::Overflow)?;
    // Dividing by 100 only moves the decimal point (scale ≤ 4 + 2), so it is exact.
    let exact = product
        .checked_div(Decimal::ONE_HUNDRED)
        .ok_or(LineError::Overflow)?;
    to_minor(exact, rounding)
}

/// Validates and prices one line (see the module documentation for the rounding).
///
/// Quantity, discount percent and tax rate are stored normalized (`1.50` → `1.5`).
pub fn price_line(input: LineInput, rounding: Rounding) -> Result<Line, LineError> {
    let LineInput {
        product_id,
        description,
        quantity,
        unit_price,
        discount,
        tax_rate,
    } = input;

    let quantity = at_most_4_dp(quantity)
        .filter(|q| *q > Decimal::ZERO && *q <= Decimal::from(MAX_QUANTITY))
        .ok_or(LineError::Quantity)?;
    if !(0..=MAX_AMOUNT).contains(&unit_price) {
        return Err(LineError::UnitPrice);
    }
    let tax_rate = percent(tax_rate).ok_or(LineError::TaxRate)?;
    let discount = match discount {
        Some(Discount::Percent { value }) => Some(Discount::Percent {
            value: percent(value).ok_or(LineError::DiscountPercent)?,
        }),
        other => other,
    };

    // At most 10^6 × 10^13 = 10^19: exact in Decimal (96-bit mantissa), but it may exceed
    // i64::MAX (≈ 9.22 × 10^18), which `to_minor` reports as Overflow.
    let gross_exact = quantity
        .checked_mul(Decimal::from(unit_price))
        .ok_or(LineError::Overflow)?;
    let gross = to_minor(gross_exact, rounding)?;

    let discount_amount = match &discount {
        None => 0,
        Some(Discount::Percent { value }) => percent_of(gross, *value, rounding)?,
        Some(Discount::Amount { value }) => {
            if !(0..=gross).contains(value) {
                return Err(LineError::DiscountAmount);
            }
            *value
        }
    };
    let net = gross
        .checked_sub(discount_amount)
        .ok_or(LineError::Overflow)?;
    let tax = percent_of(net, tax_rate, rounding)?;
    let total = net.checked_add(tax).ok_or(LineError::Overflow)?;

    Ok(Line {
        product_id,
        description,
        quantity,
        unit_price,
        discount,
        tax_rate,
        gross,
        discount_amount,
        net,
        tax,
        total,
        vat_category: None,
        vat_exemption_reason: None,
        unit_code: None,
    })
}

/// Rounds the tax of `lines` per rate (see the module documentation): the tax at each rate
/// is `round(Σ net × rate / 100)`, shared out to the lines at that rate. Changes only
/// `tax` and `total`, each by at most one minor unit from the line's own rounding.
pub fn allocate_tax(lines: &mut [Line], rounding: Rounding) -> Result<(), LineError> {
    let mut rates: Vec<Decimal> = lines.iter().map(|l| l.tax_rate.normalize()).collect();
    rates.sort();
    rates.dedup();
    for rate in rates {
        let at: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].tax_rate.normalize() == rate)
            .collect();
        let mut exact_sum = Decimal::ZERO;
        let mut floors = Vec::with_capacity(at.len());
        for &i in &at {
            let exact = Decimal::from(lines[i].net)
                .checked_mul(rate)
                .and_then(|p| p.checked_div(Decimal::ONE_HUNDRED))
                .ok_or(LineError::Overflow)?;
            exact_sum = exact_sum.checked_add(exact).ok_or(LineError::Overflow)?;
            floors.push((i, exact.floor(), exact - exact.floor()));
        }
        let floor_sum: Decimal = floors.iter().map(|(_, f, _)| *f).sum();
        let extra = (rounding.round(exact_sum) - floor_sum)
            .to_usize()
            .ok_or(LineError::Overflow)?;
        let mut order: Vec<usize> = (0..floors.len()).collect();
        // Largest remainder first; `sort_by` is stable, so earlier lines win ties.
        order.sort_by(|a, b| floors[*b].2.cmp(&floors[*a].2));
        let up: std::collections::BTreeSet<usize> = order.into_iter().take(extra).collect();
        for (k, (i, floor, _)) in floors.iter().enumerate() {
            let tax = floor.to_i64().ok_or(LineError::Overflow)? + i64::from(up.contains(&k));
            let line = &mut lines[*i];
            line.tax = tax;
            line.total = line.net.checked_add(tax).ok_or(LineError::Overflow)?;
        }
    }
    Ok(())
}

/// Sums of the rounded lines, or `None` if a sum does not fit in `i64`.
///
/// Use this to refuse a document whose totals would overflow (each line can be up to
/// `i64::MAX` on its own).
pub fn checked_totals(lines: &[Line]) -> Option<Totals> {
    lines.iter().try_fold(Totals::default(), |t, l| {
        Some(Totals {
            subtotal: t.subtotal.checked_add(l.gross)?,
            discount: t.discount.checked_add(l.discount_amount)?,
            tax: t.tax.checked_add(l.tax)?,
            total: t.total.checked_add(l.total)?,
        })
    })
}

/// Sums of the rounded lines: subtotal = Σ gross, discount = Σ discount_amount,
/// tax = Σ tax, total = Σ total. Never re-rounded, so subtotal − discount + tax = total.
///
/// Sums saturate at `i64::MAX` rather than wrap or panic (that needs a document worth more
/// than 9.2 × 10^18 minor units); call [`checked_totals`] to refuse such a document instead.
pub fn totals(lines: &[Line]) -> Totals {
    checked_totals(lines).unwrap_or_else(|| {
        lines.iter().fold(Totals::default(), |t, l| Totals {
            subtotal: t.subtotal.saturating_add(l.gross),
            discount: t.discount.saturating_add(l.discount_amount),
            tax: t.tax.saturating_add(l.tax),
            total: t.total.saturating_add(l.total),
        })
    })
}

/// Formats minor units with the currency's decimals: `(123456, 2)` → `"1234.56"`,
/// `(500, 0)` → `"500"`, `(1234, 3)` → `"1.234"`, `(-5, 2)` → `"-0.05"`.
pub fn format_minor(amount: i64, minor_units: u8) -> String {
    let digits = amount.unsigned_abs().to_string();
    let sign = if amount < 0 { "-" } else { "" };
    let decimals = usize::from(minor_units);
    if decimals == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (int, frac) = padded.split_at(padded.len() - decimals);
    format!("{sign}{int}.{frac}")
}

/// [`format_minor`] with thousands grouped by commas, as documents and emails print
/// amounts: `(1234567, 2)` → `"12,345.67"`, `(1000000, 0)` → `"1,000,000"`.
pub fn format_grouped(amount: i64, minor_units: u8) -> String {
    let plain = format_minor(amount, minor_units);
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_amounts_keep_the_currency_decimals() {
        assert_eq!(format_grouped(1_234_567, 2), "12,345.67");
        assert_eq!(format_grouped(99, 2), "0.99");
        assert_eq!(format_grouped(-123_456_789, 2), "-1,234,567.89");
        assert_eq!(format_grouped(1_000_000, 0), "1,000,000");
        assert_eq!(format_grouped(1_234_567, 3), "1,234.567");
        assert_eq!(format_grouped(100_000, 2), "1,000.00");
        assert_eq!(format_grouped(-5, 2), "-0.05");
    }
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn input(quantity: &str, unit_price: i64, discount: Option<Discount>, tax: &str) -> LineInput {
        LineInput {
            product_id: None,
            description: "item".into(),
            quantity: dec(quantity),
            unit_price,
            discount,
            tax_rate: dec(tax),
        }
    }

    fn price(quantity: &str, unit_price: i64, discount: Option<Discount>, tax: &str) -> Line {
        price_line(input(quantity, unit_price, discount, tax), Rounding::HalfUp).unwrap()
    }

    /// (gross, discount_amount, net, tax, total)
    fn amounts(l: &Line) -> (i64, i64, i64, i64, i64) {
        (l.gross, l.discount_amount, l.net, l.tax, l.total)
    }

    fn pct(s: &str) -> Option<Discount> {
        Some(Discount::Percent { value: dec(s) })
    }

    fn amt(v: i64) -> Option<Discount> {
        Some(Discount::Amount { value: v })
    }

    fn assert_identity(t: &Totals) {
        assert_eq!(t.subtotal - t.discount + t.tax, t.total, "{t:?}");
    }

    #[test]
    fn three_times_19_99_eur_at_20_percent() {
        let l = price("3", 1999, None, "20");
        // 3 × 19.99 = 59.97; 20 % = 11.994 → 11.99; total 71.96.
        assert_eq!(amounts(&l), (5997, 0, 5997, 1199, 7196));
        assert_eq!(format_minor(l.total, 2), "71.96");
        let t = totals(std::slice::from_ref(&l));
        assert_eq!(
            t,
            Totals {
                subtotal: 5997,
                discount: 0,
                tax: 1199,
                total: 7196
            }
        );
    }

    #[test]
    fn full_percent_discount_gives_zero_net_and_tax() {
        let l = price("2", 1000, pct("100"), "20");
        assert_eq!(amounts(&l), (2000, 2000, 0, 0, 0));
    }

    #[test]
    fn amount_discount() {
        // 4 × 25.00 = 100.00, minus 15.00 = 85.00, 19 % tax = 16.15.
        let l = price("4", 2500, amt(1500), "19");
        assert_eq!(amounts(&l), (10000, 1500, 8500, 1615, 10115));
        // The whole gross may be discounted.
        let l = price("4", 2500, amt(10000), "19");
        assert_eq!(amounts(&l), (10000, 10000, 0, 0, 0));
    }

    #[test]
    fn percent_discount_is_rounded_then_taxed_on_the_net() {
        // 9.99 − 12.5 % (1.24875 → 1.25) = 8.74; 20 % of 8.74 = 1.748 → 1.75.
        let l = price("1", 999, pct("12.5"), "20");
        assert_eq!(amounts(&l), (999, 125, 874, 175, 1049));
    }

    #[test]
    fn half_up_and_half_even_on_exact_midpoints() {
        let up = |q, p, t| price_line(input(q, p, None, t), Rounding::HalfUp).unwrap();
        let even = |q, p, t| price_line(input(q, p, None, t), Rounding::HalfEven).unwrap();
        // Gross 0.5 minor units.
        assert_eq!(up("0.5", 1, "0").gross, 1);
        assert_eq!(even("0.5", 1, "0").gross, 0);
        // Gross 2.5 and 3.5.
        assert_eq!(up("2.5", 1, "0").gross, 3);
        assert_eq!(even("2.5", 1, "0").gross, 2);
        assert_eq!(up("3.5", 1, "0").gross, 4);
        assert_eq!(even("3.5", 1, "0").gross, 4);
        // Tax 10 % of 25 = 2.5.
        assert_eq!(amounts(&up("1", 25, "10")), (25, 0, 25, 3, 28));
        assert_eq!(amounts(&even("1", 25, "10")), (25, 0, 25, 2, 27));
        // Percent discount 50 % of 5 = 2.5.
        let l = price_line(input("1", 5, pct("50"), "0"), Rounding::HalfUp).unwrap();
        assert_eq!(amounts(&l), (5, 3, 2, 0, 2));
        let l = price_line(input("1", 5, pct("50"), "0"), Rounding::HalfEven).unwrap();
        assert_eq!(amounts(&l), (5, 2, 3, 0, 3));
        // Not a midpoint: both agree.
        assert_eq!(up("2.51", 1, "0").gross, 3);
        assert_eq!(even("2.51", 1, "0").gross, 3);
        assert_eq!(up("2.49", 1, "0").gross, 2);
        assert_eq!(even("2.49", 1, "0").gross, 2);
    }

    #[test]
    fn rounding_parse_round_and_serde() {
        assert_eq!(Rounding::parse("half_up"), Some(Rounding::HalfUp));
        assert_eq!(Rounding::parse("half_even"), Some(Rounding::HalfEven));
        assert_eq!(Rounding::parse("HALF_UP"), None);
        assert_eq!(Rounding::parse(""), None);
        assert_eq!(Rounding::default(), Rounding::HalfUp);
        for r in [Rounding::HalfUp, Rounding::HalfEven] {
            assert_eq!(Rounding::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
        assert_eq!(Rounding::HalfUp.round(dec("-2.5")), dec("-3"));
        assert_eq!(Rounding::HalfEven.round(dec("-2.5")), dec("-2"));
        assert_eq!(Rounding::HalfEven.round(dec("7")), dec("7"));
    }

    #[test]
    fn discount_json_shape() {
        let p = Discount::Percent { value: dec("12.5") };
        let a = Discount::Amount { value: 150 };
        let pj = serde_json::to_value(&p).unwrap();
        let aj = serde_json::to_value(&a).unwrap();
        assert_eq!(pj, serde_json::json!({"type": "percent", "value": "12.5"}));
        assert_eq!(aj, serde_json::json!({"type": "amount", "value": 150}));
        assert_eq!(serde_json::from_value::<Discount>(pj).unwrap(), p);
        assert_eq!(serde_json::from_value::<Discount>(aj).unwrap(), a);
    }

    #[test]
    fn line_json_round_trip() {
        let l = price("1.5", 1234, pct("10"), "7.5");
        let back: Line = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
    }

    #[test]
    fn zero_decimal_currency_jpy() {
        // 3 × ¥1000 at 10 %.
        let l = price("3", 1000, None, "10");
        assert_eq!(amounts(&l), (3000, 0, 3000, 300, 3300));
        assert_eq!(format_minor(l.total, 0), "3300");
    }

    #[test]
    fn three_decimal_currency_kwd() {
        // 1.5 × 1.234 KWD = 1.851 KWD; 5 % = 0.09255 → 0.093 (both roundings); 1.944 KWD.
        for r in [Rounding::HalfUp, Rounding::HalfEven] {
            let l = price_line(input("1.5", 1234, None, "5"), r).unwrap();
            assert_eq!(amounts(&l), (1851, 0, 1851, 93, 1944));
            assert_eq!(format_minor(l.gross, 3), "1.851");
            assert_eq!(format_minor(l.tax, 3), "0.093");
            assert_eq!(format_minor(l.total, 3), "1.944");
        }
    }

    #[test]
    fn many_small_lines_are_each_rounded() {
        // 0.333 × 1 minor unit: 0.333 → 0 on every line, so the document is 0 (not 166.5).
        let lines: Vec<Line> = (0..500).map(|_| price("0.333", 1, None, "7.5")).collect();
        assert!(lines.iter().all(|l| amounts(l) == (0, 0, 0, 0, 0)));
        assert_eq!(totals(&lines), Totals::default());

        // 0.333 × 100: gross 33.3 → 33, tax 7.5 % of 33 = 2.475 → 2, total 35 per line.
        let lines: Vec<Line> = (0..500).map(|_| price("0.333", 100, None, "7.5")).collect();
        assert!(lines.iter().all(|l| amounts(l) == (33, 0, 33, 2, 35)));
        let t = totals(&lines);
        assert_eq!(
            t,
            Totals {
                subtotal: 16500,
                discount: 0,
                tax: 1000,
                total: 17500
            }
        );
        assert_identity(&t);
        // Rounding the unrounded document sum (16650 + 1248.75) would differ: totals are
        // sums of rounded lines, never re-rounded.
        assert_ne!(t.total, 16650 + 1249);
        assert_eq!(checked_totals(&lines), Some(t));
    }

    #[test]
    fn document_tax_is_rounded_per_rate_and_shared_out() {
        // 500 × (0.333 × 100 at 7.5 %): exact tax 2.475 per line. Line by line that is 2 each
        // (1000); per rate it is round(1237.5) = 1238, with 238 lines at 3 and 262 at 2.
        let mut lines: Vec<Line> = (0..500).map(|_| price("0.333", 100, None, "7.5")).collect();
        allocate_tax(&mut lines, Rounding::HalfUp).unwrap();
        let t = totals(&lines);
        assert_eq!(t.tax, 1238);
        assert_identity(&t);
        assert_eq!(lines.iter().filter(|l| l.tax == 3).count(), 238);
        assert!(lines[..238].iter().all(|l| l.tax == 3 && l.total == 36));
        // Half-even rounds the midpoint 1237.5 to 1238 as well; 1236.5 would go to 1236.
        let mut even: Vec<Line> = (0..500).map(|_| price("0.333", 100, None, "7.5")).collect();
        allocate_tax(&mut even, Rounding::HalfEven).unwrap();
        assert_eq!(totals(&even).tax, 1238);

        // Three JPY lines of 104 at 10 %: 10 each line by line (30, 1.2 yen off), 31 per rate.
        let mut jpy: Vec<Line> = (0..3).map(|_| price("1", 104, None, "10")).collect();
        allocate_tax(&mut jpy, Rounding::HalfUp).unwrap();
        assert_eq!(jpy.iter().map(|l| l.tax).collect::<Vec<_>>(), [11, 10, 10]);

        // Rates are rounded apart; a line alone keeps its own rounding.
        let mut mixed = vec![
            price("1", 1005, None, "5.5"),
            price("3", 1999, None, "20"),
            price("1", 1005, None, "5.5"),
        ];
        let alone = mixed[1].clone();
        allocate_tax(&mut mixed, Rounding::HalfUp).unwrap();
        assert_eq!(mixed[1], alone);
        // 2 × 55.275 = 110.55 → 111: 56 + 55.
        assert_eq!((mixed[0].tax, mixed[2].tax), (56, 55));
    }

    #[test]
    fn mixed_document_totals() {
        let lines = vec![
            price("3", 1999, None, "20"),
            price("2", 1000, pct("100"), "20"),
            price("4", 2500, amt(1500), "19"),
            price("1", 999, pct("12.5"), "20"),
        ];
        let t = totals(&lines);
        assert_eq!(
            t,
            Totals {
                subtotal: 5997 + 2000 + 10000 + 999,
                discount: 2000 + 1500 + 125,
                tax: 1199 + 1615 + 175,
                total: 7196 + 10115 + 1049,
            }
        );
        assert_identity(&t);
        assert_eq!(totals(&[]), Totals::default());
    }

    #[test]
    fn boundaries_are_accepted() {
        assert_eq!(price("0.0001", 10000, None, "0").gross, 1);
        assert_eq!(price("1000000", 1, None, "0").gross, 1_000_000);
        assert_eq!(price("1", MAX_AMOUNT, None, "0").gross, MAX_AMOUNT);
        assert_eq!(price("1", 0, pct("50"), "20").total, 0);
        assert_eq!(
            amounts(&price("1", 100, pct("0"), "100")),
            (100, 0, 100, 100, 200)
        );
        assert_eq!(price("1", 100, amt(0), "0").discount_amount, 0);
        // Trailing zeros do not count as decimals, and values are stored normalized.
        let l = price("1.50000", 100, pct("10.000000"), "20.00000");
        assert_eq!(l.quantity.to_string(), "1.5");
        assert_eq!(l.tax_rate.to_string(), "20");
        assert_eq!(l.discount, pct("10"));
        assert_eq!(amounts(&l), (150, 15, 135, 27, 162));
        // Largest line that still fits: 10^6 × 9_000_000_000_000 = 9 × 10^18 without tax.
        let l = price("1000000", 9_000_000_000_000, None, "0");
        assert_eq!(l.total, 9_000_000_000_000_000_000);
    }

    #[test]
    fn product_ids_and_descriptions_are_kept() {
        let mut i = input("1", 100, None, "0");
        i.product_id = Some("p-1".into());
        i.description = "Widget".into();
        let l = price_line(i, Rounding::HalfUp).unwrap();
        assert_eq!(l.product_id.as_deref(), Some("p-1"));
        assert_eq!(l.description, "Widget");
        assert_eq!(l.unit_price, 100);
    }

    #[test]
    fn errors() {
        let err = |q, p, d, t| price_line(input(q, p, d, t), Rounding::HalfUp).unwrap_err();
        // Quantity.
        assert_eq!(err("0", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("0.0000", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("-1", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("-0.0001", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("0.00001", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("1.00001", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("1000000.0001", 100, None, "0"), LineError::Quantity);
        assert_eq!(err("1000001", 100, None, "0"), LineError::Quantity);
        // Unit price.
        assert_eq!(err("1", -1, None, "0"), LineError::UnitPrice);
        assert_eq!(err("1", MAX_AMOUNT + 1, None, "0"), LineError::UnitPrice);
        assert_eq!(err("1", i64::MIN, None, "0"), LineError::UnitPrice);
        assert_eq!(err("1", i64::MAX, None, "0"), LineError::UnitPrice);
        // Percent discount.
        assert_eq!(
            err("1", 100, pct("100.01"), "0"),
            LineError::DiscountPercent
        );
        assert_eq!(err("1", 100, pct("-1"), "0"), LineError::DiscountPercent);
        assert_eq!(
            err("1", 100, pct("-0.0001"), "0"),
            LineError::DiscountPercent
        );
        assert_eq!(
            err("1", 100, pct("10.00001"), "0"),
            LineError::DiscountPercent
        );
        // Amount discount.
        assert_eq!(err("1", 100, amt(101), "0"), LineError::DiscountAmount);
        assert_eq!(err("1", 100, amt(-1), "0"), LineError::DiscountAmount);
        assert_eq!(err("0.4", 1, amt(1), "0"), LineError::DiscountAmount); // gross rounds to 0
        assert_eq!(err("1", 100, amt(i64::MAX), "0"), LineError::DiscountAmount);
        // Tax rate.
        assert_eq!(err("1", 100, None, "100.01"), LineError::TaxRate);
        assert_eq!(err("1", 100, None, "101"), LineError::TaxRate);
        assert_eq!(err("1", 100, None, "-1"), LineError::TaxRate);
        assert_eq!(err("1", 100, None, "7.50001"), LineError::TaxRate);
        // Overflow: 10^6 × 10^13 = 10^19 > i64::MAX, and 9 × 10^18 + 10 % tax.
        assert_eq!(err("1000000", MAX_AMOUNT, None, "0"), LineError::Overflow);
        assert_eq!(
            err("1000000", 9_000_000_000_000, None, "10"),
            LineError::Overflow
        );
        assert_eq!(
            err("1000000", 9_000_000_000_000, pct("10"), "100"),
            LineError::Overflow
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            LineError::Quantity.to_string(),
            "quantity must be greater than 0 and at most 1000000, with at most 4 decimals"
        );
        assert_eq!(
            LineError::Overflow.to_string(),
            "the line amount is too large"
        );
    }

    #[test]
    fn totals_never_overflow() {
        let big = price("1000000", 9_000_000_000_000, None, "0");
        let lines = vec![big.clone(), big];
        assert_eq!(checked_totals(&lines), None);
        let t = totals(&lines);
        assert_eq!(t.subtotal, i64::MAX);
        assert_eq!(t.total, i64::MAX);
        assert_eq!(t.discount, 0);
    }

    #[test]
    fn format_minor_cases() {
        assert_eq!(format_minor(123456, 2), "1234.56");
        assert_eq!(format_minor(500, 0), "500");
        assert_eq!(format_minor(1234, 3), "1.234");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(-123456, 2), "-1234.56");
        assert_eq!(format_minor(0, 2), "0.00");
        assert_eq!(format_minor(0, 0), "0");
        assert_eq!(format_minor(5, 3), "0.005");
        assert_eq!(format_minor(100, 2), "1.00");
        assert_eq!(format_minor(-7, 0), "-7");
        assert_eq!(format_minor(i64::MAX, 2), "92233720368547758.07");
        assert_eq!(format_minor(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(format_minor(1, 4), "0.0001");
    }

    // ---- property tests ----

    /// A random valid line: quantity 0.0001..=10000 (≤ 4 dp), unit price 0..=10^9, an optional
    /// percent (0..=100, ≤ 2 dp) or amount (0..=gross) discount, tax 0..=30 (≤ 2 dp).
    fn line_input() -> impl Strategy<Value = LineInput> {
        (
            1i64..=100_000_000,
            0i64..=1_000_000_000,
            prop_oneof![
                Just(None),
                (0i64..=10_000).prop_map(|p| Some((true, p))),
                (0i64..=1_000_000).prop_map(|f| Some((false, f))),
            ],
            0i64..=3_000,
        )
            .prop_map(|(q, unit_price, discount, tax)| {
                let quantity = Decimal::new(q, 4);
                let discount = discount.map(|(is_percent, n)| {
                    if is_percent {
                        Discount::Percent {
                            value: Decimal::new(n, 2),
                        }
                    } else {
                        // floor(quantity × unit_price) ≤ gross under either rounding, so
                        // any fraction of it (n / 10^6, including all of it) is valid.
                        let floor = i128::from(q) * i128::from(unit_price) / 10_000;
                        let value = floor * i128::from(n) / 1_000_000;
                        Discount::Amount {
                            value: i64::try_from(value).unwrap(),
                        }
                    }
                });
                LineInput {
                    product_id: None,
                    description: "line".into(),
                    quantity,
                    unit_price,
                    discount,
                    tax_rate: Decimal::new(tax, 2),
                }
            })
    }

    fn rounding() -> impl Strategy<Value = Rounding> {
        prop_oneof![Just(Rounding::HalfUp), Just(Rounding::HalfEven)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// (1) valid inputs never err, (2) every line is consistent, (3) the totals add up.
        #[test]
        fn documents_are_consistent(
            inputs in prop::collection::vec(line_input(), 1..50),
            rounding in rounding(),
        ) {
            let mut lines = Vec::with_capacity(inputs.len());
            for input in inputs {
                let exact = input.quantity * Decimal::from(input.unit_price);
                let line = price_line(input.clone(), rounding);
                prop_assert!(line.is_ok(), "{input:?} -> {line:?}");
                let l = line.unwrap();

                prop_assert_eq!(l.net, l.gross - l.discount_amount);
                prop_assert_eq!(l.total, l.net + l.tax);
                prop_assert!(0 <= l.discount_amount && l.discount_amount <= l.gross, "{l:?}");
                prop_assert!(l.tax >= 0 && l.net >= 0 && l.gross >= 0, "{l:?}");
                prop_assert!(
                    (Decimal::from(l.gross) - exact).abs() <= Decimal::new(5, 1),
                    "gross {} vs exact {}", l.gross, exact
                );
                // Tax is on the net, at most the rate, within half a minor unit.
                let exact_tax = Decimal::from(l.net) * l.tax_rate / Decimal::ONE_HUNDRED;
                prop_assert!((Decimal::from(l.tax) - exact_tax).abs() <= Decimal::new(5, 1));
                if let Some(Discount::Amount { value }) = input.discount {
                    prop_assert_eq!(l.discount_amount, value);
                }
                if let Some(Discount::Percent { value }) = input.discount {
                    let exact_discount = Decimal::from(l.gross) * value / Decimal::ONE_HUNDRED;
                    prop_assert!(
                        (Decimal::from(l.discount_amount) - exact_discount).abs()
                            <= Decimal::new(5, 1)
                    );
                }
                lines.push(l);
            }

            let t = totals(&lines);
            prop_assert_eq!(t.subtotal - t.discount + t.tax, t.total);
            prop_assert_eq!(t.subtotal, lines.iter().map(|l| l.gross).sum::<i64>());
            prop_assert_eq!(t.discount, lines.iter().map(|l| l.discount_amount).sum::<i64>());
            prop_assert_eq!(t.tax, lines.iter().map(|l| l.tax).sum::<i64>());
            prop_assert_eq!(t.total, lines.iter().map(|l| l.total).sum::<i64>());
            prop_assert_eq!(checked_totals(&lines), Some(t));
        }

        /// (4) a 100 % percent discount leaves nothing to tax.
        #[test]
        fn full_discount_zeroes_the_line(
            input in line_input(),
            rounding in rounding(),
        ) {
            let input = LineInput {
                discount: Some(Discount::Percent { value: Decimal::ONE_HUNDRED }),
                ..input
            };
            let l = price_line(input, rounding).unwrap();
            prop_assert_eq!(l.discount_amount, l.gross);
            prop_assert_eq!(l.net, 0);
            prop_assert_eq!(l.tax, 0);
            prop_assert_eq!(l.total, 0);
        }

        /// Shared-out tax: each line within one minor unit of its exact tax, the lines at a
        /// rate summing to that rate's rounded tax.
        #[test]
        fn shared_out_tax_adds_up_per_rate(
            inputs in proptest::collection::vec(line_input(), 1..40),
            rounding in rounding(),
        ) {
            let mut lines: Vec<Line> = inputs
                .into_iter()
                .filter_map(|i| price_line(i, rounding).ok())
                .collect();
            if allocate_tax(&mut lines, rounding).is_err() {
                return Ok(());
            }
            let mut rates: Vec<Decimal> = lines.iter().map(|l| l.tax_rate).collect();
            rates.sort();
            rates.dedup();
            for rate in rates {
                let at: Vec<&Line> = lines.iter().filter(|l| l.tax_rate == rate).collect();
                let exact: Decimal = at.iter().map(|l| Decimal::from(l.net) * rate / Decimal::ONE_HUNDRED).sum();
                let sum: i64 = at.iter().map(|l| l.tax).sum();
                prop_assert_eq!(Decimal::from(sum), rounding.round(exact));
                for l in &at {
                    let e = Decimal::from(l.net) * rate / Decimal::ONE_HUNDRED;
                    prop_assert!((Decimal::from(l.tax) - e).abs() < Decimal::ONE);
                    prop_assert_eq!(l.total, l.net + l.tax);
                }
            }
        }

        /// Half-up and half-even give grosses at most one minor unit apart.
        #[test]
        fn roundings_differ_by_at_most_one(input in line_input()) {
            let up = price_line(input.clone(), Rounding::HalfUp).unwrap();
            let even = price_line(input, Rounding::HalfEven).unwrap();
            prop_assert!((up.gross - even.gross).abs() <= 1);
        }

        /// Formatting then parsing gives back the amount.
        #[test]
        fn format_minor_round_trips(amount in any::<i64>(), minor_units in 0u8..=4) {
            let s = format_minor(amount, minor_units);
            let parsed: Decimal = s.parse().unwrap();
            prop_assert_eq!(parsed, Decimal::new(amount, u32::from(minor_units)));
            prop_assert_eq!(parsed.scale(), u32::from(minor_units));
        }
    }
}
