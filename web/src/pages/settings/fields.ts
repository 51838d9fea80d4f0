// The settings form's values (text as typed) and their checks, which match the server's
// (shared/src/domain/company.rs): the form sends the whole record (PUT replaces it).
import type { Schema } from '../../api/types';
import { EAS_SHAPE } from '../../components/einvoice/codes';
import { parseDecimal, parseMoney } from '../../format';

export type Settings = Schema<'CompanySettings'>;
export type SettingsBody = Schema<'SettingsRequest'>;
export type Profile = Schema<'Profile'>;

export type FeeType = 'none' | 'amount' | 'percent';
export interface StepValues {
  key: string;
  days: string;
  feeType: FeeType;
  fee: string;
}

export interface Values {
  legal_name: string;
  tax_id: string;
  email_from: string;
  line1: string;
  line2: string;
  postal_code: string;
  city: string;
  region: string;
  country: string;
  default_currency: string;
  time_zone: string;
  payment_terms_days: string;
  brand_colour: string;
  invoice_footer: string;
  bank_details: string;
  require_mfa_for_admins: boolean;
  reminders_enabled: boolean;
  steps: StepValues[];
  // E-invoicing (`einvoicing.*`).
  profile: Profile;
  legal_registration_id: string;
  address_scheme: string;
  address_id: string;
  contact_name: string;
  contact_phone: string;
  contact_email: string;
  iban: string;
  bic: string;
}

export const MAX_STEPS = 10;
export const MIN_STEP_DAYS = -60;
export const MAX_STEP_DAYS = 365;
export const COLOUR = /^#[0-9A-Fa-f]{6}$/;

let nextKey = 0;
export const stepKey = () => `step-${++nextKey}`;

export function toValues(s: Settings, minorToInput: (amount: number, currency: string) => string): Values {
  return {
    legal_name: s.legal_name ?? '',
    tax_id: s.tax_id ?? '',
    email_from: s.email_from ?? '',
    line1: s.address?.line1 ?? '',
    line2: s.address?.line2 ?? '',
    postal_code: s.address?.postal_code ?? '',
    city: s.address?.city ?? '',
    region: s.address?.region ?? '',
    country: s.address?.country ?? '',
    default_currency: s.default_currency,
    time_zone: s.time_zone,
    payment_terms_days: String(s.payment_terms_days),
    brand_colour: s.brand_colour.toUpperCase(),
    invoice_footer: s.invoice_footer ?? '',
    bank_details: s.bank_details ?? '',
    require_mfa_for_admins: s.require_mfa_for_admins ?? false,
    reminders_enabled: s.reminders.enabled,
    steps: s.reminders.steps.map((st) => ({
      key: stepKey(),
      days: String(st.days),
      feeType: st.late_fee ? st.late_fee.type : 'none',
      fee: !st.late_fee ? '' : st.late_fee.type === 'amount' ? minorToInput(st.late_fee.value, s.default_currency) : st.late_fee.value,
    })),
    profile: s.einvoicing?.profile ?? 'en16931',
    legal_registration_id: s.einvoicing?.legal_registration_id ?? '',
    address_scheme: s.einvoicing?.electronic_address?.scheme ?? '',
    address_id: s.einvoicing?.electronic_address?.id ?? '',
    contact_name: s.einvoicing?.contact_name ?? '',
    contact_phone: s.einvoicing?.contact_phone ?? '',
    contact_email: s.einvoicing?.contact_email ?? '',
    iban: s.einvoicing?.iban ?? '',
    bic: s.einvoicing?.bic ?? '',
  };
}

/** An IBAN as the server stores it: no spaces, upper case. */
export const normalIban = (v: string) => v.replace(/\s/g, '').toUpperCase();
/** A BIC as the server stores it. */
export const normalBic = (v: string) => v.trim().toUpperCase();

/** The IBAN's check digits match (ISO 13616, mod 97), as the server checks them. */
export function ibanError(input: string): string | undefined {
  const s = normalIban(input);
  if (!s) return undefined;
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return 'Enter an IBAN: the country code, two check digits and the account, for example DE89 3704 0044 0532 0130 00.';
  let rem = 0;
  for (const c of s.slice(4) + s.slice(0, 4)) {
    const v = parseInt(c, 36);
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1 ? undefined : 'This IBAN is not valid: its check digits do not match. Check it for typing errors.';
}

export function bicError(input: string): string | undefined {
  const s = normalBic(input);
  if (!s) return undefined;
  return /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(s) ? undefined : 'Enter a BIC of 8 or 11 letters and digits, for example COBADEFFXXX.';
}


const INTEGER = /^-?\d+$/;

function textError(v: string, max: number, required: boolean, multiline = false): string | undefined {
  const t = v.trim();
  if (!t) return required ? 'Enter a value.' : undefined;
  if ([...t].length > max) return `At most ${max} characters.`;
  // eslint-disable-next-line no-control-regex
  if ((multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/).test(t)) return 'Remove the control characters.';
  return undefined;
}

/**
 * The body to send, or the field errors (keyed by the API's field names). `locale` parses
 * late-fee amounts and percentages as typed.
 */
export function toBody(v: Values, locale: string, validZones: ReadonlySet<string> | null): { body: SettingsBody; errors: Record<string, string> } {
  const e: Record<string, string> = {};
  const set = (field: string, msg: string | undefined) => {
    if (msg && !e[field]) e[field] = msg;
  };
  set('legal_name', textError(v.legal_name, 200, false));
  set('tax_id', textError(v.tax_id, 50, false));
  if (v.email_from.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email_from.trim())) set('email_from', 'Enter an email address like billing@example.com.');

  const addressParts = [v.line1, v.line2, v.postal_code, v.city, v.region, v.country];
  const hasAddress = addressParts.some((p) => p.trim());
  if (hasAddress) {
    set('address.line1', textError(v.line1, 200, true));
    set('address.line2', textError(v.line2, 200, false));
    set('address.postal_code', textError(v.postal_code, 20, true));
    set('address.city', textError(v.city, 100, true));
    set('address.region', textError(v.region, 100, false));
    if (!/^[A-Za-z]{2}$/.test(v.country.trim())) set('address.country', 'Enter a two-letter country code, for example DE or GB.');
  }

  if (!v.default_currency.trim()) set('default_currency', 'Enter the currency code, for example EUR.');
  else if (!/^[A-Za-z]{3}$/.test(v.default_currency.trim())) set('default_currency', 'Enter a three-letter currency code, for example EUR.');
  if (!v.time_zone.trim()) set('time_zone', 'Choose a time zone.');
  else if (validZones && !validZones.has(v.time_zone.trim())) set('time_zone', 'Choose a time zone from the list, for example Europe/Paris.');

  const terms = v.payment_terms_days.trim();
  if (!INTEGER.test(terms) || Number(terms) < 0 || Number(terms) > 365) set('payment_terms_days', 'Enter a whole number of days from 0 to 365.');

  if (!v.brand_colour.trim()) set('brand_colour', 'Choose the brand colour.');
  else if (!COLOUR.test(v.brand_colour.trim())) set('brand_colour', 'Enter a colour as #RRGGBB, for example #1F4E79.');
  set('invoice_footer', textError(v.invoice_footer, 500, false, true));
  set('bank_details', textError(v.bank_details, 1000, false, true));

  set('einvoicing.legal_registration_id', textError(v.legal_registration_id, 100, false));
  const scheme = v.address_scheme.trim();
  const addressId = v.address_id.trim();
  if (scheme || addressId) {
    if (!scheme) set('einvoicing.electronic_address.scheme', 'Enter the scheme code of the address, for example 0088 or EM.');
    else if (!EAS_SHAPE.test(scheme)) set('einvoicing.electronic_address.scheme', 'Enter a scheme code of the EAS list, for example 0088, 9930, 0204 or EM.');
    if (!addressId) set('einvoicing.electronic_address.id', 'Enter the id in that scheme, for example the GLN.');
    else set('einvoicing.electronic_address.id', textError(addressId, 100, false));
  }
  set('einvoicing.contact_name', textError(v.contact_name, 200, false));
  set('einvoicing.contact_phone', textError(v.contact_phone, 50, false));
  if (v.contact_email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.contact_email.trim())) set('einvoicing.contact_email', 'Enter an email address like accounts@example.com.');
  set('einvoicing.iban', ibanError(v.iban));
  set('einvoicing.bic', bicError(v.bic));

  if (v.steps.length > MAX_STEPS) set('reminders.steps', `At most ${MAX_STEPS} reminders.`);
  const steps: Schema<'ReminderStep'>[] = [];
  v.steps.forEach((s, i) => {
    const at = (p: string) => `reminders.steps[${i}].${p}`;
    const d = s.days.trim();
    if (!INTEGER.test(d) || Number(d) < MIN_STEP_DAYS || Number(d) > MAX_STEP_DAYS) {
      set(at('days'), `Enter a whole number of days from ${MIN_STEP_DAYS} to ${MAX_STEP_DAYS}.`);
    } else if (v.steps.slice(0, i).some((o) => o.days.trim() !== '' && Number(o.days.trim()) === Number(d))) {
      set(at('days'), 'Another reminder is on the same day.');
    }
    const days = Number(d);
    let late_fee: Schema<'ReminderStep'>['late_fee'] = null;
    if (s.feeType !== 'none') {
      if (INTEGER.test(d) && days <= 0) set(at('late_fee'), 'Late fees apply only to reminders after the due date.');
      if (s.feeType === 'amount') {
        const minor = parseMoney(s.fee, v.default_currency.trim().toUpperCase() || 'EUR', locale);
        if (minor === null || minor < 1 || minor > 1_000_000_000) set(at('late_fee.value'), 'Enter an amount above 0, for example 5,00.');
        else late_fee = { type: 'amount', value: minor };
      } else {
        const pct = parsePercent(s.fee, locale);
        if (pct === null || Number(pct) <= 0 || Number(pct) > 100 || (pct.split('.')[1]?.length ?? 0) > 4) {
          set(at('late_fee.value'), 'Enter a percentage above 0 and at most 100, with at most 4 decimals.');
        } else late_fee = { type: 'percent', value: pct };
      }
    }
    steps.push({ days, late_fee });
  });

  const body: SettingsBody = {
    legal_name: v.legal_name.trim() || null,
    tax_id: v.tax_id.trim() || null,
    email_from: v.email_from.trim() || null,
    address: hasAddress
      ? {
          line1: v.line1.trim(),
          line2: v.line2.trim() || null,
          postal_code: v.postal_code.trim(),
          city: v.city.trim(),
          region: v.region.trim() || null,
          country: v.country.trim().toUpperCase(),
        }
      : null,
    default_currency: v.default_currency.trim().toUpperCase(),
    time_zone: v.time_zone.trim(),
    payment_terms_days: Number(terms),
    brand_colour: v.brand_colour.trim().toUpperCase(),
    invoice_footer: v.invoice_footer.trim() || null,
    bank_details: v.bank_details.trim() || null,
    require_mfa_for_admins: v.require_mfa_for_admins,
    // In the typed order: the server sorts them, and its field errors name the typed index.
    reminders: { enabled: v.reminders_enabled, steps },
    // Always sent: the PUT replaces the whole record, and an absent object clears it.
    einvoicing: {
      profile: v.profile,
      legal_registration_id: v.legal_registration_id.trim() || null,
      electronic_address: scheme || addressId ? { scheme: scheme.toUpperCase(), id: addressId } : null,
      contact_name: v.contact_name.trim() || null,
      contact_phone: v.contact_phone.trim() || null,
      contact_email: v.contact_email.trim() || null,
      iban: normalIban(v.iban) || null,
      bic: normalBic(v.bic) || null,
    },
  };
  return { body, errors: e };
}

/** "2,5" / "2.5" → "2.5" (the API's decimal string), or null. */
export function parsePercent(input: string, locale: string): string | null {
  return parseDecimal(input.replace(/%/g, ''), locale);
}

/** When a reminder falls, in words. */
export function reminderDaysText(days: number): string {
  if (days < 0) return `${-days} day${days === -1 ? '' : 's'} before the due date`;
  if (days === 0) return 'on the due date';
  return `${days} day${days === 1 ? '' : 's'} after the due date`;
}
