// The customer form: its values (text as typed), the client-side checks (the server's rules:
// shared/src/domain/customer.rs), the API body, and the fields.
import type { Schema } from '../../api/types';
import { EAS_SHAPE, EAS_SUGGESTIONS } from '../../components/einvoice/codes';
import { Checkbox, TextField } from '../../components/fields';
import { TextAreaField } from '../../components/list/TextAreaField';

export type Customer = Schema<'Customer'>;
export type CustomerFields = Schema<'CustomerFields'>;

export interface CustomerValues {
  name: string;
  email: string;
  phone: string;
  tax_id: string;
  currency: string;
  payment_terms_days: string;
  notes: string;
  'billing_address.line1': string;
  'billing_address.line2': string;
  'billing_address.postal_code': string;
  'billing_address.city': string;
  'billing_address.region': string;
  'billing_address.country': string;
  legal_registration_id: string;
  'electronic_address.scheme': string;
  'electronic_address.id': string;
  buyer_reference: string;
  ubl_by_email: boolean;
}

export const LABELS: Record<string, string> = {
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  tax_id: 'Tax ID',
  currency: 'Currency',
  payment_terms_days: 'Payment terms',
  notes: 'Notes',
  'billing_address.line1': 'Billing address line 1',
  'billing_address.line2': 'Billing address line 2',
  'billing_address.postal_code': 'Billing postal code',
  'billing_address.city': 'Billing city',
  'billing_address.region': 'Billing region',
  'billing_address.country': 'Billing country',
  'shipping_address.line1': 'Shipping address line 1',
  'shipping_address.line2': 'Shipping address line 2',
  'shipping_address.postal_code': 'Shipping postal code',
  'shipping_address.city': 'Shipping city',
  'shipping_address.region': 'Shipping region',
  'shipping_address.country': 'Shipping country',
  legal_registration_id: 'Company registration number',
  'electronic_address.scheme': 'Electronic address scheme',
  'electronic_address.id': 'Electronic address id',
  electronic_address: 'Electronic address',
  buyer_reference: 'Buyer reference',
  ubl_by_email: 'UBL e-invoice with each invoice',
  status: 'Status',
};

export function emptyValues(): CustomerValues {
  return {
    name: '', email: '', phone: '', tax_id: '', currency: '', payment_terms_days: '', notes: '',
    'billing_address.line1': '', 'billing_address.line2': '', 'billing_address.postal_code': '',
    'billing_address.city': '', 'billing_address.region': '', 'billing_address.country': '',
    legal_registration_id: '', 'electronic_address.scheme': '', 'electronic_address.id': '', buyer_reference: '', ubl_by_email: false,
  };
}

export function valuesOf(c: Customer): CustomerValues {
  const a = c.billing_address;
  return {
    name: c.name,
    email: c.email ?? '',
    phone: c.phone ?? '',
    tax_id: c.tax_id ?? '',
    currency: c.currency,
    payment_terms_days: String(c.payment_terms_days),
    notes: c.notes ?? '',
    'billing_address.line1': a?.line1 ?? '',
    'billing_address.line2': a?.line2 ?? '',
    'billing_address.postal_code': a?.postal_code ?? '',
    'billing_address.city': a?.city ?? '',
    'billing_address.region': a?.region ?? '',
    'billing_address.country': a?.country ?? '',
    legal_registration_id: c.legal_registration_id ?? '',
    'electronic_address.scheme': c.electronic_address?.scheme ?? '',
    'electronic_address.id': c.electronic_address?.id ?? '',
    buyer_reference: c.buyer_reference ?? '',
    ubl_by_email: c.ubl_by_email ?? false,
  };
}

const ADDRESS_KEYS = ['line1', 'line2', 'postal_code', 'city', 'region', 'country'] as const;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function text(v: string, label: string, max: number, required: boolean, multiline = false): string | undefined {
  const s = v.trim();
  if (!s) return required ? `Enter ${label.toLowerCase()}.` : undefined;
  if ([...s].length > max) return `${label} can have at most ${max} characters.`;
  if ((multiline ? CONTROL_EXCEPT_LINES : CONTROL).test(s)) return `${label} must not contain control characters.`;
  return undefined;
}

/** An email the server accepts (shared/src/domain/email.rs), roughly. */
export function isEmail(s: string): boolean {
  if (s.length > 254) return false;
  const at = s.split('@');
  if (at.length !== 2) return false;
  const [local = '', domain = ''] = at;
  if (!local || local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  if (!/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

export function isPhone(s: string): boolean {
  const digits = s.replace(/\D/g, '').length;
  return /^\+?[0-9 ().-]*$/.test(s) && digits >= 5 && digits <= 20 && s.length <= 40;
}

/** Client-side checks, as messages by API field name. `creating`: empty terms/currency use the company's defaults. */
export function validate(v: CustomerValues, creating: boolean): Record<string, string> {
  const e: Record<string, string> = {};
  const set = (k: string, m: string | undefined) => { if (m) e[k] = m; };
  if (!v.name.trim()) e.name = 'Enter the customer’s name.';
  else set('name', text(v.name, 'Name', 200, true));
  const email = v.email.trim();
  if (email && !isEmail(email)) e.email = 'Enter an email address like name@example.com.';
  const phone = v.phone.trim();
  if (phone && !isPhone(phone)) e.phone = 'Enter a phone number: 5 to 20 digits, with spaces, + - ( ) . allowed.';
  set('tax_id', text(v.tax_id, 'Tax ID', 50, false));
  const cur = v.currency.trim();
  if (cur ? !/^[A-Za-z]{3}$/.test(cur) : !creating) e.currency = 'Enter a three-letter currency code such as EUR.';
  const terms = v.payment_terms_days.trim();
  if (terms ? !/^\d+$/.test(terms) || Number(terms) > 365 : !creating) e.payment_terms_days = 'Enter a whole number of days from 0 to 365.';
  set('notes', text(v.notes, 'Notes', 2000, false, true));
  set('legal_registration_id', text(v.legal_registration_id, 'The registration number', 100, false));
  set('buyer_reference', text(v.buyer_reference, 'The buyer reference', 200, false));
  const scheme = v['electronic_address.scheme'].trim();
  const eid = v['electronic_address.id'].trim();
  if (scheme || eid) {
    if (!scheme) e['electronic_address.scheme'] = 'Enter the scheme code, for example 0088 or EM.';
    else if (!EAS_SHAPE.test(scheme)) e['electronic_address.scheme'] = 'Enter a scheme code of the EAS list, for example 0088, 9930, 0204 or EM.';
    if (!eid) e['electronic_address.id'] = 'Enter the customer’s id in that scheme.';
    else set('electronic_address.id', text(eid, 'The id', 100, false));
  }
  const addr = (k: (typeof ADDRESS_KEYS)[number]) => v[`billing_address.${k}`].trim();
  if (ADDRESS_KEYS.some((k) => addr(k))) {
    const p = 'billing_address';
    set(`${p}.line1`, addr('line1') ? text(addr('line1'), 'Address line 1', 200, true) : 'Enter the first address line.');
    set(`${p}.line2`, text(addr('line2'), 'Address line 2', 200, false));
    set(`${p}.postal_code`, addr('postal_code') ? text(addr('postal_code'), 'Postal code', 20, true) : 'Enter the postal code.');
    set(`${p}.city`, addr('city') ? text(addr('city'), 'City', 100, true) : 'Enter the city.');
    set(`${p}.region`, text(addr('region'), 'Region', 100, false));
    if (!/^[A-Za-z]{2}$/.test(addr('country'))) e[`${p}.country`] = 'Enter a two-letter country code such as DE.';
  }
  return e;
}

/** The API body. For a create, empty optional fields are left out (the company defaults apply). */
export function toBody(v: CustomerValues, creating: boolean): CustomerFields {
  const opt = (s: string) => (s.trim() ? s.trim() : null);
  const addr = (k: (typeof ADDRESS_KEYS)[number]) => v[`billing_address.${k}`].trim();
  const hasAddress = ADDRESS_KEYS.some((k) => addr(k));
  const body: CustomerFields = {
    name: v.name.trim(),
    email: opt(v.email),
    phone: opt(v.phone),
    tax_id: opt(v.tax_id),
    notes: opt(v.notes),
    billing_address: hasAddress
      ? {
          line1: addr('line1'), line2: opt(addr('line2')), city: addr('city'), region: opt(addr('region')),
          postal_code: addr('postal_code'), country: addr('country').toUpperCase(),
        }
      : null,
  };
  // E-invoicing: a create leaves out what is empty; a change sends everything (null clears).
  const scheme = v['electronic_address.scheme'].trim().toUpperCase();
  const eid = v['electronic_address.id'].trim();
  const put = <K extends keyof CustomerFields>(k: K, value: CustomerFields[K]) => {
    if (!creating || (value !== null && value !== false)) body[k] = value;
  };
  put('legal_registration_id', opt(v.legal_registration_id));
  put('electronic_address', scheme || eid ? { scheme, id: eid } : null);
  put('buyer_reference', opt(v.buyer_reference));
  put('ubl_by_email', v.ubl_by_email);
  if (v.currency.trim() || !creating) body.currency = v.currency.trim().toUpperCase();
  if (v.payment_terms_days.trim() || !creating) body.payment_terms_days = Number(v.payment_terms_days.trim());
  return body;
}

/** A server field message ("must not be empty") as a sentence next to its field. */
export function sentence(field: string, message: string | undefined): string | undefined {
  if (!message) return undefined;
  const label = LABELS[field] ?? field;
  const m = message.trim().replace(/\.$/, '');
  return /^[A-Z]/.test(m) ? `${m}.` : `${label} ${m}.`;
}

export function CustomerFieldset({
  values, onChange, errors, creating,
}: {
  values: CustomerValues;
  onChange: (name: keyof CustomerValues, value: string | boolean) => void;
  errors: Record<string, string | undefined>;
  creating: boolean;
}) {
  const field = (name: Exclude<keyof CustomerValues, 'ubl_by_email'>) => ({
    name,
    value: values[name],
    error: errors[name],
    onChange: (e: { target: { value: string } }) => onChange(name, e.target.value),
  });
  return (
    <>
      <TextField label="Name" required maxLength={200} autoComplete="organization" {...field('name')} />
      <TextField label="Email" type="email" autoComplete="email" {...field('email')} />
      <TextField label="Phone" type="tel" autoComplete="tel" {...field('phone')} />
      <TextField label="Tax ID" maxLength={50} hint="The VAT identifier with its country code, e.g. FR12345678901." autoComplete="off" {...field('tax_id')} />
      <div className="record-pair">
        <TextField
          label="Currency"
          required={!creating}
          maxLength={3}
          hint={creating ? 'Three letters, e.g. EUR. Leave empty for the company’s default.' : 'Three letters, e.g. EUR.'}
          autoComplete="off"
          {...field('currency')}
        />
        <TextField
          label="Payment terms"
          required={!creating}
          inputMode="numeric"
          hint={creating ? 'Days to pay, 0 to 365. Leave empty for the company’s default.' : 'Days to pay, 0 to 365.'}
          autoComplete="off"
          {...field('payment_terms_days')}
        />
      </div>
      <fieldset className="record-fieldset">
        <legend>Billing address</legend>
        <TextField label="Address line 1" autoComplete="billing address-line1" {...field('billing_address.line1')} />
        <TextField label="Address line 2" autoComplete="billing address-line2" {...field('billing_address.line2')} />
        <div className="record-pair">
          <TextField label="Postal code" autoComplete="billing postal-code" {...field('billing_address.postal_code')} />
          <TextField label="City" autoComplete="billing address-level2" {...field('billing_address.city')} />
        </div>
        <div className="record-pair">
          <TextField label="Region" autoComplete="billing address-level1" {...field('billing_address.region')} />
          <TextField label="Country" hint="Two letters, e.g. DE." maxLength={2} autoComplete="billing country" {...field('billing_address.country')} />
        </div>
      </fieldset>
      <fieldset className="record-fieldset" id="customer-einvoicing">
        <legend>E-invoicing</legend>
        <TextField label="Company registration number" maxLength={100} hint="For example the trade register number or the SIREN." autoComplete="off" {...field('legal_registration_id')} />
        <div className="record-pair record-pair-end">
          <TextField
            label="Electronic address scheme"
            maxLength={4}
            list="customer-eas-codes"
            hint="The Peppol scheme, e.g. 0088 (GLN), 9930 (German VAT), 0204 (Leitweg-ID), EM (email)."
            autoComplete="off"
            spellCheck={false}
            {...field('electronic_address.scheme')}
            onChange={(e: { target: { value: string } }) => onChange('electronic_address.scheme', e.target.value.toUpperCase())}
          />
          <TextField label="Electronic address id" hint="The customer’s id in that scheme." autoComplete="off" spellCheck={false} {...field('electronic_address.id')} />
        </div>
        <datalist id="customer-eas-codes">
          {EAS_SUGGESTIONS.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </datalist>
        <TextField
          label="Buyer reference"
          maxLength={200}
          hint="The reference the customer wants on its invoices, e.g. a German Leitweg-ID. An invoice can give its own."
          autoComplete="off"
          {...field('buyer_reference')}
        />
        <Checkbox
          label="Send the UBL e-invoice with each invoice"
          name="ubl_by_email"
          hint="Invoices emailed to this customer also carry the UBL file (EN 16931), besides the PDF."
          checked={values.ubl_by_email}
          error={errors.ubl_by_email}
          onChange={(e) => onChange('ubl_by_email', e.target.checked)}
        />
      </fieldset>
      <TextAreaField label="Notes" rows={4} {...field('notes')} />
    </>
  );
}
