// Line amounts and document totals exactly as the server computes them
// (shared/src/domain/money.rs: `price_line`, `totals`). Pure, no floating point on money:
// decimals are scaled BigInts, amounts integer minor units.
//
//   gross           = round(quantity × unit_price)
//   discount_amount = round(gross × percent / 100), or the fixed amount (0..=gross)
//   net             = gross − discount_amount
//   tax             = round(net × tax_rate / 100)
//   total           = net + tax
//
// Each rounding is to the minor unit with the company's rule: half_up (midpoint away from
// zero) or half_even (midpoint to the even neighbour). A document's tax is rounded per rate,
// round(Σ net × tax_rate / 100) over the lines at that rate (the server's `allocate_tax`
// shares it out to the lines); the other totals are sums of the rounded lines.
// Amounts are minor units whatever the currency (EUR 2 digits, JPY 0, KWD 3), so the
// computation does not depend on the currency.

export type Rounding = 'half_up' | 'half_even';

export type DiscountInput = { type: 'percent'; value: string } | { type: 'amount'; value: number };

export interface LineInput {
  /** Decimal string, e.g. "2.5". */
  quantity: string;
  /** Minor units. */
  unit_price: number;
  discount?: DiscountInput | null | undefined;
  /** Percent, decimal string, e.g. "20" or "7.5". */
  tax_rate: string;
}

export interface LineAmounts {
  gross: number;
  discount_amount: number;
  net: number;
  tax: number;
  total: number;
}

export interface Totals {
  subtotal: number;
  discount: number;
  tax: number;
  total: number;
}

/** Which input is wrong, with the server's message. */
export type LineErrorField = 'quantity' | 'unit_price' | 'discount' | 'tax_rate';
export interface LineError {
  field: LineErrorField;
  message: string;
}

export const MAX_LINES = 500;
export const MAX_QUANTITY = 1_000_000n;
export const MAX_AMOUNT = 10_000_000_000_000n;
export const MAX_DESCRIPTION = 200;
const I64_MAX = 9_223_372_036_854_775_807n;
const I64_MIN = -9_223_372_036_854_775_808n;

export const MESSAGES: Record<string, string> = {
  quantity: 'quantity must be greater than 0 and at most 1000000, with at most 4 decimals',
  unit_price: 'unit price must be between 0 and 10^13 minor units',
  discountPercent: 'a percent discount must be between 0 and 100 with at most 4 decimals',
  discountAmount: 'an amount discount must be between 0 and the line amount',
  tax_rate: 'tax rate must be between 0 and 100 with at most 4 decimals',
  overflow: 'the line amount is too large',
};

/** A decimal as `units / 10^scale`. */
export interface Dec {
  units: bigint;
  scale: number;
}

/** Parses "2.5", "-0.25", "+3", " 7 " (what the server's decimal parser takes), else null. */
export function parseDec(input: string): Dec | null {
  const s = input.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return null;
  const whole = m[2] ?? '';
  const frac = m[3] ?? '';
  if (whole === '' && frac === '') return null;
  if (frac.length > 28) return null;
  const units = BigInt((whole || '0') + frac) * (m[1] === '-' ? -1n : 1n);
  return { units, scale: frac.length };
}

/** Trailing zeros removed: 1.500 -> 1.5 (rust_decimal's normalize). */
export function normalize(d: Dec): Dec {
  let { units, scale } = d;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

const pow10 = (n: number) => 10n ** BigInt(n);

function cmp(d: Dec, n: bigint): number {
  const v = n * pow10(d.scale);
  return d.units < v ? -1 : d.units > v ? 1 : 0;
}

/** Rounds numerator / denominator (denominator > 0) to an integer with the rule. */
export function roundDiv(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const r2 = (n % denominator) * 2n;
  if (r2 > denominator || (r2 === denominator && (rounding === 'half_up' || q % 2n === 1n))) q += 1n;
  return negative ? -q : q;
}

function atMost4dp(d: Dec | null): Dec | null {
  if (!d) return null;
  const n = normalize(d);
  return n.scale <= 4 ? n : null;
}

function percent(input: string): Dec | null {
  const p = atMost4dp(parseDec(input));
  return p && cmp(p, 0n) >= 0 && cmp(p, 100n) <= 0 ? p : null;
}

function toMinor(v: bigint): bigint | null {
  return v > I64_MAX || v < I64_MIN ? null : v;
}

function percentOf(amount: bigint, pct: Dec, rounding: Rounding): bigint | null {
  return toMinor(roundDiv(amount * pct.units, pow10(pct.scale) * 100n, rounding));
}

export type Priced = { ok: true; amounts: LineAmounts } | { ok: false; error: LineError };

const fail = (field: LineErrorField, key: string): Priced => ({ ok: false, error: { field, message: MESSAGES[key] ?? key } });

/** One line priced as the server prices it, or the first error the server would report. */
export function priceLine(input: LineInput, rounding: Rounding): Priced {
  const quantity = atMost4dp(parseDec(input.quantity));
  if (!quantity || cmp(quantity, 0n) <= 0 || cmp(quantity, MAX_QUANTITY) > 0) return fail('quantity', 'quantity');
  if (!Number.isSafeInteger(input.unit_price)) return fail('unit_price', 'unit_price');
  const unitPrice = BigInt(input.unit_price);
  if (unitPrice < 0n || unitPrice > MAX_AMOUNT) return fail('unit_price', 'unit_price');
  const taxRate = percent(input.tax_rate);
  if (!taxRate) return fail('tax_rate', 'tax_rate');
  const discount = input.discount ?? null;
  let pct: Dec | null = null;
  if (discount?.type === 'percent') {
    pct = percent(discount.value);
    if (!pct) return fail('discount', 'discountPercent');
  }

  const gross = toMinor(roundDiv(quantity.units * unitPrice, pow10(quantity.scale), rounding));
  if (gross === null) return fail('unit_price', 'overflow');
  let discountAmount = 0n;
  if (pct) {
    const d = percentOf(gross, pct, rounding);
    if (d === null) return fail('unit_price', 'overflow');
    discountAmount = d;
  } else if (discount?.type === 'amount') {
    if (!Number.isSafeInteger(discount.value)) return fail('discount', 'discountAmount');
    const v = BigInt(discount.value);
    if (v < 0n || v > gross) return fail('discount', 'discountAmount');
    discountAmount = v;
  }
  const net = gross - discountAmount;
  const tax = percentOf(net, taxRate, rounding);
  if (tax === null) return fail('unit_price', 'overflow');
  const total = toMinor(net + tax);
  if (total === null) return fail('unit_price', 'overflow');
  return {
    ok: true,
    amounts: {
      gross: Number(gross),
      discount_amount: Number(discountAmount),
      net: Number(net),
      tax: Number(tax),
      total: Number(total),
    },
  };
}

/** The canonical form of a tax rate, for grouping: "20.00" and "20" are the same rate. */
export function rateKey(rate: string): string {
  const d = parseDec(rate);
  if (!d) return rate.trim();
  const n = normalize(d);
  const s = (n.units < 0n ? -n.units : n.units).toString().padStart(n.scale + 1, '0');
  const body = n.scale ? `${s.slice(0, -n.scale)}.${s.slice(-n.scale)}` : s;
  return n.units < 0n ? `-${body}` : body;
}

export interface TaxByRate {
  /** Canonical decimal string of the rate ("20", "7.5"). */
  rate: string;
  /** Σ net of the lines at this rate. */
  net: number;
  /** Σ tax of the lines at this rate. */
  tax: number;
}

export interface DocumentTotals extends Totals {
  /** Per tax rate, ascending by rate. */
  byRate: TaxByRate[];
  /** Lines that could not be priced (left out of the sums). */
  invalid: number;
  /** A sum does not fit the server's 64-bit amounts ("the document total is too large"). */
  overflow: boolean;
}

/**
 * Sums the lines (as the server's `totals`), with tax by rate. With `rounding`, lines just
 * priced by `priceLine`: the tax at each rate is rounded from the rate's net, as the server
 * does when it saves them. Without, lines as the server stored them: their tax is summed.
 */
export function documentTotals(
  lines: ReadonlyArray<{ amounts: LineAmounts | null; rate: string }>,
  rounding?: Rounding,
): DocumentTotals {
  let subtotal = 0n;
  let discount = 0n;
  let tax = 0n;
  let total = 0n;
  let invalid = 0;
  const rates = new Map<string, { net: bigint; tax: bigint }>();
  for (const l of lines) {
    if (!l.amounts) {
      invalid += 1;
      continue;
    }
    const a = l.amounts;
    subtotal += BigInt(a.gross);
    discount += BigInt(a.discount_amount);
    tax += BigInt(a.tax);
    total += BigInt(a.total);
    const key = rateKey(l.rate);
    const r = rates.get(key) ?? { net: 0n, tax: 0n };
    r.net += BigInt(a.net);
    r.tax += BigInt(a.tax);
    rates.set(key, r);
  }
  if (rounding) {
    tax = 0n;
    for (const [key, r] of rates) {
      const rate = parseDec(key);
      r.tax = rate ? roundDiv(r.net * rate.units, pow10(rate.scale) * 100n, rounding) : r.tax;
      tax += r.tax;
    }
    total = subtotal - discount + tax;
  }
  const overflow = [subtotal, discount, tax, total].some((v) => v > I64_MAX);
  const byRate = [...rates.entries()]
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([rate, r]) => ({ rate, net: Number(r.net), tax: Number(r.tax) }));
  return { subtotal: Number(subtotal), discount: Number(discount), tax: Number(tax), total: Number(total), byRate, invalid, overflow };
}

/**
 * The lines' tax rounded per rate and shared out, as the server's `allocate_tax` stores it:
 * the tax at each rate is round(Σ net × rate / 100); each line gets its exact tax rounded
 * down, and the lines with the largest remainders (earlier lines first on a tie) one more.
 */
export function allocateTax(lines: ReadonlyArray<{ amounts: LineAmounts; rate: string }>, rounding: Rounding): LineAmounts[] {
  const out = lines.map((l) => ({ ...l.amounts }));
  const groups = new Map<string, number[]>();
  lines.forEach((l, i) => {
    const key = rateKey(l.rate);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const [key, at] of groups) {
    const rate = parseDec(key);
    if (!rate) continue;
    const denominator = pow10(rate.scale) * 100n;
    const members = at.map((i) => ({ line: out[i] as LineAmounts, exact: BigInt(lines[i]?.amounts.net ?? 0) * rate.units }));
    const floorSum = members.reduce((sum, m) => sum + m.exact / denominator, 0n);
    const exactSum = members.reduce((sum, m) => sum + m.exact, 0n);
    const extra = Number(roundDiv(exactSum, denominator, rounding) - floorSum);
    const order = members.map((_, k) => k).sort((a, b) => {
      const ra = (members[a]?.exact ?? 0n) % denominator;
      const rb = (members[b]?.exact ?? 0n) % denominator;
      return ra === rb ? a - b : ra > rb ? -1 : 1;
    });
    const up = new Set(order.slice(0, extra));
    members.forEach((m, k) => {
      const tax = m.exact / denominator + (up.has(k) ? 1n : 0n);
      m.line.tax = Number(tax);
      m.line.total = Number(BigInt(m.line.net) + tax);
    });
  }
  return out;
}

/** Prices every line and sums them: what the server answers as `totals` for these lines. */
export function computeTotals(inputs: ReadonlyArray<LineInput>, rounding: Rounding): DocumentTotals {
  return documentTotals(
    inputs.map((i) => {
      const p = priceLine(i, rounding);
      return { amounts: p.ok ? p.amounts : null, rate: i.tax_rate };
    }),
    rounding,
  );
}
