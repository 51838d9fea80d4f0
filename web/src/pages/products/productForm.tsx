// The product form: values as typed (prices in the locale's way), the client-side checks
// (the server's rules: shared/src/domain/product.rs), the API body, and the fields.
import { ApiError } from '../../api/problem';
import type { Schema } from '../../api/types';
import type { Formatter } from '../../company';
import { NumberField, TextField } from '../../components/fields';
import { TextAreaField } from '../../components/list/TextAreaField';

export type Product = Schema<'Product'>;
export type ProductFields = Schema<'ProductFields'>;

export interface ProductValues {
  sku: string;
  name: string;
  description: string;
  'unit_price.amount': string;
  'unit_price.currency': string;
  tax_rate: string;
  unit: string;
}

export const LABELS: Record<string, string> = {
  sku: 'SKU',
  name: 'Name',
  description: 'Description',
  'unit_price.amount': 'Unit price',
  'unit_price.currency': 'Currency',
  tax_rate: 'Tax rate',
  unit: 'Unit',
  active: 'Status',
};

const MAX_AMOUNT = 10_000_000_000_000;

export function emptyValues(currency: string | null): ProductValues {
  return { sku: '', name: '', description: '', 'unit_price.amount': '', 'unit_price.currency': currency ?? '', tax_rate: '', unit: 'unit' };
}

export function valuesOf(p: Product, fmt: Formatter): ProductValues {
  return {
    sku: p.sku,
    name: p.name,
    description: p.description ?? '',
    'unit_price.amount': fmt.moneyInput(p.unit_price.amount, p.unit_price.currency),
    'unit_price.currency': p.unit_price.currency,
    tax_rate: fmt.decimalInput(p.tax_rate),
    unit: p.unit,
  };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function validate(v: ProductValues, fmt: Formatter): Record<string, string> {
  const e: Record<string, string> = {};
  const sku = v.sku.trim();
  if (!sku) e.sku = 'Enter the SKU.';
  else if (sku.length > 64 || !/^[A-Za-z0-9\-_./]+$/.test(sku)) e.sku = 'Use 1 to 64 letters, digits and - _ . / for the SKU.';
  const name = v.name.trim();
  if (!name) e.name = 'Enter the product’s name.';
  else if ([...name].length > 200) e.name = 'Name can have at most 200 characters.';
  else if (CONTROL.test(name)) e.name = 'Name must not contain control characters.';
  const description = v.description.trim();
  if ([...description].length > 4000) e.description = 'Description can have at most 4000 characters.';
  else if (CONTROL_EXCEPT_LINES.test(description)) e.description = 'Description must not contain control characters.';
  const currency = v['unit_price.currency'].trim();
  const currencyOk = /^[A-Za-z]{3}$/.test(currency);
  if (!currencyOk) e['unit_price.currency'] = 'Enter a three-letter currency code such as EUR.';
  const amount = v['unit_price.amount'].trim();
  if (!amount) e['unit_price.amount'] = 'Enter the unit price.';
  else if (currencyOk) {
    const minor = fmt.parseMoney(amount, currency.toUpperCase());
    if (minor === null) e['unit_price.amount'] = `Enter an amount, for example ${fmt.moneyInput(1250, currency.toUpperCase())}.`;
    else if (minor < 0 || minor > MAX_AMOUNT) e['unit_price.amount'] = 'Enter an amount from 0 up to 100 billion.';
  }
  const tax = v.tax_rate.trim();
  if (tax) {
    const d = fmt.parseDecimal(tax);
    if (d === null) e.tax_rate = `Enter a percentage, for example ${fmt.decimalInput('7.5')}.`;
    else if (d.startsWith('-') || Number(d) > 100 || (d.split('.')[1] ?? '').length > 4)
      e.tax_rate = 'Enter a percentage from 0 to 100 with at most 4 decimals.';
  }
  const unit = v.unit.trim();
  if (!unit) e.unit = 'Enter the unit of sale, for example unit, hour or kg.';
  else if ([...unit].length > 20) e.unit = 'Unit can have at most 20 characters.';
  return e;
}

/** The API body (call after `validate` found nothing). */
export function toBody(v: ProductValues, fmt: Formatter): ProductFields {
  const currency = v['unit_price.currency'].trim().toUpperCase();
  return {
    sku: v.sku.trim(),
    name: v.name.trim(),
    description: v.description.trim() || null,
    unit_price: { amount: fmt.parseMoney(v['unit_price.amount'], currency) ?? 0, currency },
    tax_rate: v.tax_rate.trim() ? fmt.parseDecimal(v.tax_rate) : '0',
    unit: v.unit.trim(),
  };
}

/** The server's field messages as sentences, with a taken SKU (409) shown at the SKU. */
export function serverErrors(error: unknown, fieldErrors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(fieldErrors)) {
    const label = field === 'unit_price' ? LABELS['unit_price.amount'] : LABELS[field] ?? field;
    const m = message.trim().replace(/\.$/, '');
    out[field === 'unit_price' ? 'unit_price.amount' : field] = /^[A-Z]/.test(m) ? `${m}.` : `${label} ${m}.`;
  }
  if (error instanceof ApiError && error.kind === 'sku-taken') out.sku = 'Another product already uses this SKU. Choose another one.';
  return out;
}

export function ProductFieldset({
  values, onChange, errors,
}: {
  values: ProductValues;
  onChange: (name: keyof ProductValues, value: string) => void;
  errors: Record<string, string | undefined>;
}) {
  const field = (name: keyof ProductValues) => ({
    name,
    value: values[name],
    error: errors[name],
    onChange: (e: { target: { value: string } }) => onChange(name, e.target.value),
  });
  return (
    <>
      <TextField label="SKU" required maxLength={64} autoComplete="off" hint="Letters, digits and - _ . / (unique)." {...field('sku')} />
      <TextField label="Name" required maxLength={200} autoComplete="off" {...field('name')} />
      <div className="record-pair">
        <NumberField label="Unit price" required hint="Without tax." {...field('unit_price.amount')} />
        <TextField label="Currency" required maxLength={3} hint="Three letters, e.g. EUR." autoComplete="off" {...field('unit_price.currency')} />
      </div>
      <div className="record-pair">
        <NumberField label="Tax rate (%)" hint="0 to 100, e.g. 20 or 7.5." {...field('tax_rate')} />
        <TextField label="Unit" required maxLength={20} hint="E.g. unit, hour, kg." autoComplete="off" {...field('unit')} />
      </div>
      <TextAreaField label="Description" rows={4} {...field('description')} />
    </>
  );
}
