// The line editor's state: lines as typed (locale text), in a reducer keyed by line id.
// Unchanged lines keep their object identity, so memoised rows skip re-rendering and the
// per-line prices (cached by line object) are recomputed only for the line that changed.
import type { Schema } from '../../api/types';
import { isVatCategory, VAT_CATEGORIES } from '../einvoice/codes';
import { MAX_DESCRIPTION, priceLine, type DiscountInput, type LineError, type LineInput, type Priced, type Rounding } from './totals';

type Line = Schema<'Line'>;
type LineRequest = Schema<'LineRequest'>;
type Product = Schema<'Product'>;

export type DiscountKind = 'none' | 'percent' | 'amount';

export interface EditorLine {
  id: string;
  product_id: string | null;
  /** SKU and unit of the picked product (shown, not sent). */
  sku: string | null;
  unit: string | null;
  description: string;
  quantity: string;
  unit_price: string;
  discountKind: DiscountKind;
  discount: string;
  tax_rate: string;
  /** EN 16931 VAT category (`S`, `Z`, `E`, …); '' is "auto" (not sent: S above 0 %, Z at 0 %). */
  vat_category: string;
  /** Sent only with a category other than S (required for E). */
  vat_exemption_reason: string;
  /** The stored line's unit (UN/ECE Rec 20), sent back as it was; null: the product's or pieces. */
  unit_code: string | null;
}

export interface EditorState {
  lines: EditorLine[];
  dirty: boolean;
  /** Where the focus goes after the next render: a line and its field. */
  focus: { id: string; field: LineField; at: number } | null;
}

export type LineField =
  | 'description' | 'quantity' | 'unit_price' | 'discountKind' | 'discount' | 'tax_rate' | 'vat_category' | 'vat_exemption_reason';
export type EditableField = Exclude<keyof EditorLine, 'id' | 'unit_code'>;

let counter = 0;
export const newLineId = () => `l${Date.now().toString(36)}-${(counter += 1)}`;

export function blankLine(): EditorLine {
  return {
    id: newLineId(), product_id: null, sku: null, unit: null, description: '', quantity: '1', unit_price: '',
    discountKind: 'none', discount: '', tax_rate: '', vat_category: '', vat_exemption_reason: '', unit_code: null,
  };
}

/** A category other than "auto" and S: the line says why it carries no VAT. */
export const takesReason = (category: string) => category !== '' && category !== 'S';

/** Nothing typed: left out when saving (the default quantity "1" alone does not count). */
export function isBlank(l: EditorLine): boolean {
  return (
    !l.product_id && !l.description.trim() && !l.unit_price.trim() && !l.discount.trim() && !l.tax_rate.trim() &&
    !l.vat_category && !l.vat_exemption_reason.trim()
  );
}

export type Action =
  | { type: 'edit'; id: string; field: EditableField; value: string }
  | { type: 'pick'; id: string; product: Product; unitPrice: string; taxRate: string }
  | { type: 'add'; after?: string; field?: LineField }
  | { type: 'duplicate'; id: string }
  | { type: 'remove'; id: string }
  | { type: 'move'; id: string; by: number; field?: LineField }
  | { type: 'moveTo'; id: string; index: number }
  | { type: 'reset'; lines: EditorLine[] };

function replace(lines: EditorLine[], id: string, f: (l: EditorLine) => EditorLine): EditorLine[] {
  const i = lines.findIndex((l) => l.id === id);
  if (i < 0) return lines;
  const next = lines.slice();
  next[i] = f(lines[i] as EditorLine);
  return next;
}

function moveTo(lines: EditorLine[], id: string, index: number): EditorLine[] {
  const from = lines.findIndex((l) => l.id === id);
  const to = Math.max(0, Math.min(lines.length - 1, index));
  if (from < 0 || from === to) return lines;
  const next = lines.slice();
  const [line] = next.splice(from, 1);
  next.splice(to, 0, line as EditorLine);
  return next;
}

export function reducer(state: EditorState, action: Action): EditorState {
  const at = Date.now();
  switch (action.type) {
    case 'edit':
      return {
        ...state, dirty: true, focus: null,
        lines: replace(state.lines, action.id, (l) => ({ ...l, [action.field]: action.value })),
      };
    case 'pick':
      return {
        ...state, dirty: true,
        lines: replace(state.lines, action.id, (l) => ({
          // The unit code is the new product's (the server maps its unit).
          ...l, product_id: action.product.id, sku: action.product.sku, unit: action.product.unit, unit_code: null,
          description: action.product.name.slice(0, MAX_DESCRIPTION), unit_price: action.unitPrice, tax_rate: action.taxRate,
        })),
        focus: { id: action.id, field: 'quantity', at },
      };
    case 'add': {
      const line = blankLine();
      const i = action.after ? state.lines.findIndex((l) => l.id === action.after) : -1;
      const lines = state.lines.slice();
      lines.splice(i < 0 ? lines.length : i + 1, 0, line);
      return { ...state, dirty: true, lines, focus: { id: line.id, field: action.field ?? 'description', at } };
    }
    case 'duplicate': {
      const i = state.lines.findIndex((l) => l.id === action.id);
      if (i < 0) return state;
      const copy = { ...(state.lines[i] as EditorLine), id: newLineId() };
      const lines = state.lines.slice();
      lines.splice(i + 1, 0, copy);
      return { ...state, dirty: true, lines, focus: { id: copy.id, field: 'description', at } };
    }
    case 'remove': {
      const i = state.lines.findIndex((l) => l.id === action.id);
      if (i < 0) return state;
      const lines = state.lines.filter((l) => l.id !== action.id);
      const neighbour = lines[Math.min(i, lines.length - 1)];
      return { ...state, dirty: true, lines, focus: neighbour ? { id: neighbour.id, field: 'description', at } : null };
    }
    case 'move': {
      const i = state.lines.findIndex((l) => l.id === action.id);
      const lines = moveTo(state.lines, action.id, i + action.by);
      if (lines === state.lines) return state;
      return { ...state, dirty: true, lines, focus: action.field ? { id: action.id, field: action.field, at } : state.focus };
    }
    case 'moveTo': {
      const lines = moveTo(state.lines, action.id, action.index);
      return lines === state.lines ? state : { ...state, dirty: true, lines };
    }
    case 'reset':
      return { lines: action.lines, dirty: false, focus: null };
  }
}

export function initialState(lines: EditorLine[]): EditorState {
  return { lines: lines.length ? lines : [blankLine()], dirty: false, focus: null };
}

/** How typed text becomes API values (the locale's parsers of useFormat()). */
export interface Parsers {
  parseDecimal: (input: string) => string | null;
  parseMoney: (input: string, currency: string) => number | null;
  moneyInput: (amount: number, currency: string) => string;
  decimalInput: (value: string) => string;
}

/** A stored line back into the editor's text. */
export function fromLine(l: Line, currency: string, p: Parsers): EditorLine {
  const d = l.discount ?? null;
  return {
    id: newLineId(),
    product_id: l.product_id ?? null,
    sku: null,
    unit: null,
    description: l.description,
    quantity: p.decimalInput(l.quantity),
    unit_price: p.moneyInput(l.unit_price, currency),
    discountKind: d ? d.type : 'none',
    discount: d ? (d.type === 'percent' ? p.decimalInput(d.value) : p.moneyInput(d.value, currency)) : '',
    tax_rate: p.decimalInput(l.tax_rate),
    vat_category: l.vat_category ?? '',
    vat_exemption_reason: l.vat_exemption_reason ?? '',
    unit_code: l.unit_code ?? null,
  };
}

export interface ParsedLine {
  /** What the API is sent, or null when something typed is not a number. */
  request: LineRequest | null;
  /** Inputs for the totals, when every field parsed. */
  input: LineInput | null;
  /** Client-side messages by field. */
  errors: Partial<Record<LineField, string>>;
}

const NUMBER_HINT = 'Enter a number, for example 1,5';

const categoryName = (code: string) => VAT_CATEGORIES.find((c) => c.code === code)?.name ?? code;

/** Parses one line's text. */
export function parseLine(l: EditorLine, currency: string, p: Parsers): ParsedLine {
  const errors: Partial<Record<LineField, string>> = {};
  const description = l.description.trim();
  if (!description) errors.description = 'Enter a description or pick a product.';
  else if ([...description].length > MAX_DESCRIPTION) errors.description = `At most ${MAX_DESCRIPTION} characters.`;
  const quantity = p.parseDecimal(l.quantity);
  if (quantity === null) errors.quantity = l.quantity.trim() ? NUMBER_HINT : 'Enter a quantity.';
  const unitPrice = p.parseMoney(l.unit_price, currency);
  if (unitPrice === null) errors.unit_price = l.unit_price.trim() ? 'Enter an amount, for example 12,50' : 'Enter a unit price.';
  const taxRate = l.tax_rate.trim() === '' ? '0' : p.parseDecimal(l.tax_rate);
  if (taxRate === null) errors.tax_rate = NUMBER_HINT;
  let discount: DiscountInput | null = null;
  if (l.discountKind !== 'none' && l.discount.trim() !== '') {
    if (l.discountKind === 'percent') {
      const v = p.parseDecimal(l.discount);
      if (v === null) errors.discount = NUMBER_HINT;
      else discount = { type: 'percent', value: v };
    } else {
      const v = p.parseMoney(l.discount, currency);
      if (v === null) errors.discount = 'Enter an amount, for example 12,50';
      else discount = { type: 'amount', value: v };
    }
  }
  // The VAT category (as the server checks it): S has a rate above 0, every other one 0; an
  // exempt line (E) gives its reason.
  const category = l.vat_category;
  const reason = takesReason(category) ? l.vat_exemption_reason.trim() : '';
  if (category && !isVatCategory(category)) errors.vat_category = 'Choose a VAT category from the list.';
  else if (taxRate !== null && category === 'S' && !(Number(taxRate) > 0)) errors.tax_rate = 'A standard-rated line (S) needs a tax rate above 0.';
  else if (taxRate !== null && takesReason(category) && Number(taxRate) !== 0) {
    errors.tax_rate = `A line of VAT category ${category} (${categoryName(category)}) has a tax rate of 0.`;
  }
  if (category === 'E' && !reason) errors.vat_exemption_reason = 'Give the reason for the exemption: a text, or a VATEX code such as VATEX-EU-132-1I.';
  else if ([...reason].length > 200) errors.vat_exemption_reason = 'At most 200 characters.';
  if (quantity === null || unitPrice === null || taxRate === null || errors.discount) {
    return { request: null, input: null, errors };
  }
  const input: LineInput = { quantity, unit_price: unitPrice, discount, tax_rate: taxRate };
  const request: LineRequest = {
    product_id: l.product_id, description: l.description.trim(), quantity, unit_price: unitPrice, discount, tax_rate: taxRate,
  };
  // Left out when not set, so "auto" stays the server's default.
  if (category) request.vat_category = category;
  if (reason) request.vat_exemption_reason = reason;
  if (l.unit_code) request.unit_code = l.unit_code;
  return { request, input, errors };
}

export interface PricedLine extends ParsedLine {
  priced: Priced | null;
}

/** Parses and prices a line; the server's rule errors become field messages. */
export function priceEditorLine(l: EditorLine, currency: string, rounding: Rounding, p: Parsers): PricedLine {
  const parsed = parseLine(l, currency, p);
  if (!parsed.input) return { ...parsed, priced: null };
  const priced = priceLine(parsed.input, rounding);
  if (!priced.ok) {
    const e: LineError = priced.error;
    return { ...parsed, errors: { ...parsed.errors, [e.field]: sentence(e.message) }, priced };
  }
  return { ...parsed, priced };
}

/** "quantity must be…" => "Quantity must be…." */
export function sentence(message: string): string {
  const s = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
