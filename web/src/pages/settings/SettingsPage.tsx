import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type TextareaHTMLAttributes } from 'react';

import { api } from '../../api/client';
import { ApiError, unwrap, unwrapTagged } from '../../api/problem';
import { AuditHistory } from '../../components/audit/AuditHistory';
import { Checkbox, NumberField, SelectField, TextField } from '../../components/fields';
import { ProblemMessage } from '../../components/ProblemMessage';
import { EAS_SUGGESTIONS } from '../../components/einvoice/codes';
import { Skeleton } from '../../components/Skeleton';
import { useFocusFromHash } from '../../components/useFocusFromHash';
import { useMutationForm } from '../../components/useMutationForm';
import { companySettingsKey, useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import {
  COLOUR, MAX_STEPS, normalBic, normalIban, reminderDaysText, stepKey, toBody, toValues,
  type FeeType, type Profile, type Settings, type SettingsBody, type StepValues, type Values,
} from './fields';
import './settings.css';

const taggedKey = ['settings', 'company', 'tagged'] as const;
const MAX_LOGO_BYTES = 256 * 1024;

function TextAreaField({
  label, name, error, hint, ...rest
}: { label: string; name: string; error?: string | undefined; hint?: string } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'name' | 'id'>) {
  const id = `${useId()}-${name.replace(/[^\w-]/g, '_')}`;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="field-hint" id={`${id}-hint`}>{hint}</p> : null}
      <textarea {...rest} id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
      {error ? <p className="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}

/** The brand colour: a colour picker and the same value as #RRGGBB text, kept in sync. */
function ColourField({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string | undefined }) {
  const id = useId();
  const valid = COLOUR.test(value.trim());
  return (
    <fieldset className={error ? 'settings-colour field-invalid' : 'settings-colour'}>
      <legend>Brand colour</legend>
      <p className="field-hint" id={`${id}-hint`}>Used on invoices and emails. Choose it, or type it as #RRGGBB.</p>
      <div className="settings-colour-row">
        <div className="field">
          <label htmlFor={`${id}-picker`}>Colour picker</label>
          <input
            id={`${id}-picker`}
            type="color"
            value={valid ? value.trim().toLowerCase() : '#000000'}
            onChange={(e) => onChange(e.target.value.toUpperCase())}
            aria-describedby={`${id}-hint`}
          />
        </div>
        <TextField
          label="Colour code"
          name="brand_colour"
          value={value}
          maxLength={7}
          autoComplete="off"
          spellCheck={false}
          error={error}
          onChange={(e) => onChange(e.target.value)}
        />
      </div>
    </fieldset>
  );
}

function ReminderEditor({
  values, setValues, errors,
}: { values: Values; setValues: (f: (v: Values) => Values) => void; errors: Record<string, string> }) {
  // A new reminder's days field gets the focus once it is rendered.
  const focusKey = useRef<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (!focusKey.current) return;
    list.current?.querySelector<HTMLInputElement>(`[data-step="${focusKey.current}"]`)?.focus();
    focusKey.current = null;
  }, [values.steps]);
  const update = (key: string, patch: Partial<StepValues>) =>
    setValues((v) => ({ ...v, steps: v.steps.map((s) => (s.key === key ? { ...s, ...patch } : s)) }));
  const add = () => {
    const key = stepKey();
    setValues((v) => {
      const days = v.steps.map((s) => Number(s.days)).filter((d) => Number.isInteger(d));
      const next = days.length ? Math.min(365, Math.max(...days) + 7) : 0;
      return { ...v, steps: [...v.steps, { key, days: String(next), feeType: 'none', fee: '' }] };
    });
    focusKey.current = key;
  };
  const remove = (key: string) => setValues((v) => ({ ...v, steps: v.steps.filter((s) => s.key !== key) }));

  return (
    <fieldset className="settings-group">
      <legend>Payment reminders</legend>
      <Checkbox
        label="Send payment reminders for unpaid invoices"
        name="reminders.enabled"
        checked={values.reminders_enabled}
        onChange={(e) => setValues((v) => ({ ...v, reminders_enabled: e.target.checked }))}
      />
      <p className="field-hint">
        Days are counted from the due date: −3 is three days before it, 0 the due date, 7 a week late. Late fees apply
        only after the due date. At most {MAX_STEPS} reminders.
      </p>
      {errors['reminders.steps'] ? <p className="field-error">{errors['reminders.steps']}</p> : null}
      {values.steps.length === 0 ? <p>No reminders are planned.</p> : null}
      <ol className="settings-steps" ref={list}>
        {values.steps.map((s, i) => {
          const n = i + 1;
          const at = (p: string) => `reminders.steps[${i}].${p}`;
          const d = Number(s.days);
          return (
            <li key={s.key} className="settings-step">
              <NumberField
                label={`Reminder ${n}: days from the due date`}
                name={at('days')}
                inputMode="numeric"
                data-step={s.key}
                hint={/^-?\d+$/.test(s.days.trim()) ? reminderDaysText(d) : undefined}
                value={s.days}
                error={errors[at('days')]}
                onChange={(e) => update(s.key, { days: e.target.value })}
              />
              <SelectField
                label={`Reminder ${n}: late fee`}
                name={at('late_fee')}
                options={[
                  { value: 'none', label: 'No late fee' },
                  { value: 'amount', label: 'Fixed amount' },
                  { value: 'percent', label: 'Percentage' },
                ]}
                value={s.feeType}
                error={errors[at('late_fee')]}
                onChange={(e) => update(s.key, { feeType: e.target.value as FeeType })}
              />
              {s.feeType !== 'none' ? (
                <NumberField
                  label={s.feeType === 'amount' ? `Reminder ${n}: fee amount (${values.default_currency || 'invoice currency'})` : `Reminder ${n}: fee percentage`}
                  name={at('late_fee.value')}
                  value={s.fee}
                  error={errors[at('late_fee.value')]}
                  onChange={(e) => update(s.key, { fee: e.target.value })}
                />
              ) : null}
              <button type="button" className="button button-quiet settings-remove" onClick={() => remove(s.key)}>
                Remove reminder {n}
              </button>
            </li>
          );
        })}
      </ol>
      {values.steps.length < MAX_STEPS ? (
        <button type="button" className="button" onClick={add}>
          Add a reminder
        </button>
      ) : null}
    </fieldset>
  );
}

/**
 * The stored logo, fetched with the session (an <img> cannot send the bearer token), as an
 * object URL kept with the query (one per logo version).
 */
function useStoredLogo(sha: string | undefined) {
  const logo = useQuery({
    queryKey: ['settings', 'logo', sha],
    queryFn: async () => {
      const { data, response } = await api.GET('/api/v1/settings/company/logo', { parseAs: 'blob' });
      if (!response.ok) throw new ApiError(response.status, null);
      return URL.createObjectURL(data as unknown as Blob);
    },
    enabled: Boolean(sha),
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return { url: logo.data ?? null, error: logo.error };
}

export type LogoChoice = { kind: 'keep' } | { kind: 'remove' } | { kind: 'replace'; file: File; preview: string };

function LogoField({
  settings, choice, onChoice, error,
}: { settings: Settings; choice: LogoChoice; onChoice: (c: LogoChoice) => void; error?: string | undefined }) {
  const id = useId();
  const stored = useStoredLogo(settings.logo?.sha256);
  const input = useRef<HTMLInputElement>(null);
  const [broken, setBroken] = useState<string | null>(null);
  const file = choice.kind === 'replace' ? choice.file : null;
  const preview = choice.kind === 'replace' ? choice.preview : null;
  // The preview's object URL is made when the file is chosen and released when replaced.
  const choose = (next: LogoChoice) => {
    if (choice.kind === 'replace') URL.revokeObjectURL(choice.preview);
    onChoice(next);
  };
  const describedBy = [`${id}-hint`, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <fieldset className={error ? 'settings-group settings-logo field-invalid' : 'settings-group settings-logo'}>
      <legend>Logo</legend>
      <div className="settings-logo-images">
        {settings.logo && choice.kind !== 'replace' ? (
          <figure className="settings-logo-figure">
            {stored.url ? (
              <img src={stored.url} alt="The current logo" className={choice.kind === 'remove' ? 'settings-logo-removed' : undefined} />
            ) : (
              <span className="settings-logo-placeholder">{stored.error ? 'The current logo could not be shown.' : 'Loading the logo…'}</span>
            )}
            <figcaption>
              {choice.kind === 'remove'
                ? 'The current logo is removed when you save.'
                : `Current logo: ${settings.logo.width} × ${settings.logo.height} pixels, ${settings.logo.format.toUpperCase()}`}
            </figcaption>
          </figure>
        ) : null}
        {file && preview ? (
          <figure className="settings-logo-figure">
            {broken === preview ? (
              <span className="settings-logo-placeholder">This file cannot be shown as an image.</span>
            ) : (
              <img src={preview} alt="Preview of the new logo" onError={() => setBroken(preview)} />
            )}
            <figcaption>New logo (saved when you save): {file.name}</figcaption>
          </figure>
        ) : null}
        {!settings.logo && !file ? <p>No logo yet.</p> : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-file`}>{settings.logo ? 'Replace the logo' : 'Upload a logo'}</label>
        <p className="field-hint" id={`${id}-hint`}>
          A PNG or JPEG image of at most 256 KB and 4096 × 4096 pixels. It is fitted into 640 × 240 pixels for invoices.
        </p>
        <input
          ref={input}
          id={`${id}-file`}
          name="logo"
          type="file"
          accept="image/png,image/jpeg"
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            choose(f ? { kind: 'replace', file: f, preview: URL.createObjectURL(f) } : { kind: 'keep' });
          }}
        />
        {error ? <p className="field-error" id={`${id}-error`}>{error}</p> : null}
      </div>
      <div className="button-row">
        {file ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              if (input.current) input.current.value = '';
              choose({ kind: 'keep' });
            }}
          >
            Keep the current logo
          </button>
        ) : null}
        {settings.logo && choice.kind === 'keep' ? (
          <button type="button" className="button button-danger" onClick={() => onChoice({ kind: 'remove' })}>
            Remove the logo
          </button>
        ) : null}
        {choice.kind === 'remove' ? (
          <button type="button" className="button" onClick={() => onChoice({ kind: 'keep' })}>
            Keep the logo
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}

function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

function logoError(file: File): string | undefined {
  if (file.type && file.type !== 'image/png' && file.type !== 'image/jpeg') return 'Choose a PNG or JPEG image.';
  if (file.size === 0) return 'The file is empty.';
  if (file.size > MAX_LOGO_BYTES) return `The logo must be at most 256 KB (this file has ${Math.ceil(file.size / 1024)} KB).`;
  return undefined;
}

const PROFILES: ReadonlyArray<{ value: Profile; label: string }> = [
  { value: 'en16931', label: 'EN 16931 (the European standard)' },
  { value: 'peppol_bis3', label: 'Peppol BIS Billing 3.0' },
];

/** The seller's e-invoicing data (`einvoicing.*`): what UBL and CII invoices need beyond the rest. */
function EInvoicingFields({
  values, set, errors,
}: { values: Values; set: <K extends keyof Values>(k: K, v: Values[K]) => void; errors: Record<string, string> }) {
  const listId = `${useId()}-eas`;
  const e = (k: string) => errors[`einvoicing.${k}`];
  return (
    <fieldset className="settings-group" id="settings-einvoicing">
      <legend>E-invoicing</legend>
      <p className="field-hint settings-intro">
        What your e-invoices (UBL and CII, EN 16931) say about your company, besides its name, address and tax id above.
      </p>
      <SelectField
        label="E-invoice format"
        name="einvoicing.profile"
        hint="Peppol also needs the electronic address of your company and of each customer, and a buyer reference or purchase order number on every invoice."
        options={PROFILES}
        value={values.profile}
        error={e('profile')}
        onChange={(ev) => set('profile', ev.target.value as Profile)}
      />
      <TextField label="Company registration number" name="einvoicing.legal_registration_id" hint="For example the trade register number (HRB 12345) or the SIREN." autoComplete="off" value={values.legal_registration_id} error={e('legal_registration_id')} onChange={(ev) => set('legal_registration_id', ev.target.value)} />
      <fieldset className="settings-subgroup">
        <legend>Electronic address (Peppol id)</legend>
        <p className="field-hint settings-intro">Where e-invoices reach you: a scheme code of the EAS list and your id in it. Leave both empty if you have none.</p>
        <div className="settings-row settings-row-end">
          <TextField label="Scheme" name="einvoicing.electronic_address.scheme" list={listId} maxLength={4} autoComplete="off" spellCheck={false} hint="For example 0088 (GLN), 9930 (German VAT), 0204 (Leitweg-ID) or EM (email)." value={values.address_scheme} error={e('electronic_address.scheme')} onChange={(ev) => set('address_scheme', ev.target.value.toUpperCase())} />
          <TextField label="Id in the scheme" name="einvoicing.electronic_address.id" autoComplete="off" spellCheck={false} value={values.address_id} error={e('electronic_address.id') ?? e('electronic_address')} onChange={(ev) => set('address_id', ev.target.value)} />
        </div>
        <datalist id={listId}>
          {EAS_SUGGESTIONS.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </datalist>
      </fieldset>
      <fieldset className="settings-subgroup">
        <legend>Contact for invoice questions</legend>
        <TextField label="Contact name" name="einvoicing.contact_name" autoComplete="name" value={values.contact_name} error={e('contact_name')} onChange={(ev) => set('contact_name', ev.target.value)} />
        <div className="settings-row">
          <TextField label="Contact phone" name="einvoicing.contact_phone" type="tel" autoComplete="tel" value={values.contact_phone} error={e('contact_phone')} onChange={(ev) => set('contact_phone', ev.target.value)} />
          <TextField label="Contact email" name="einvoicing.contact_email" type="email" autoComplete="email" value={values.contact_email} error={e('contact_email')} onChange={(ev) => set('contact_email', ev.target.value)} />
        </div>
      </fieldset>
      <fieldset className="settings-subgroup">
        <legend>Account for payments</legend>
        <p className="field-hint settings-intro">Written into e-invoices as a SEPA credit transfer. A change emails every administrator.</p>
        <div className="settings-row">
          <TextField label="IBAN" name="einvoicing.iban" hint="Spaces are fine. Changing it needs your password." autoComplete="off" spellCheck={false} maxLength={42} value={values.iban} error={e('iban')} onChange={(ev) => set('iban', ev.target.value)} />
          <TextField label="BIC" name="einvoicing.bic" hint="8 or 11 characters. Changing it needs your password." autoComplete="off" spellCheck={false} maxLength={11} value={values.bic} error={e('bic')} onChange={(ev) => set('bic', ev.target.value.toUpperCase())} />
        </div>
      </fieldset>
    </fieldset>
  );
}

function timeZones(current: string): string[] {
  const supported = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  const all = new Set([...supported, 'UTC', current]);
  return [...all].sort();
}

interface SaveInput {
  body: SettingsBody;
  password: string;
  code: string;
  needsReauth: boolean;
}

function SettingsForm({
  settings, etag, onSaved, onSaving, onReload,
}: { settings: Settings; etag: string; onSaved: () => void; onSaving: () => void; onReload: () => void }) {
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [values, setValuesState] = useState<Values>(() => toValues(settings, fmt.moneyInput));
  const setValues = (f: (v: Values) => Values) => setValuesState(f);
  const set = <K extends keyof Values>(k: K, v: Values[K]) => setValuesState((old) => ({ ...old, [k]: v }));
  const [logo, setLogo] = useState<LogoChoice>({ kind: 'keep' });
  // After the first attempt, the checks run as the user types (errors go away when fixed).
  const [submitted, setSubmitted] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const zones = useMemo(() => timeZones(settings.time_zone), [settings.time_zone]);
  const zoneSet = useMemo(() => new Set(zones), [zones]);

  // The server asks for a fresh sign-in when the account customers pay to changes (the
  // bank details, the IBAN or the BIC) or the two-factor requirement does.
  const needsReauth =
    values.bank_details.trim() !== (settings.bank_details ?? '').trim() ||
    normalIban(values.iban) !== normalIban(settings.einvoicing?.iban ?? '') ||
    normalBic(values.bic) !== normalBic(settings.einvoicing?.bic ?? '') ||
    values.require_mfa_for_admins !== (settings.require_mfa_for_admins ?? false);

  const save = useMutationForm({
    mutationFn: async ({ body, password: pw, code: c, needsReauth: reauth }: SaveInput) => {
      let token: string | null = null;
      if (reauth) {
        const r = await unwrap(
          api.POST('/api/v1/auth/reauth', { body: { password: pw, ...(c.trim() ? { code: c.replace(/\s/g, '') } : {}) } }),
        );
        token = r.reauth_token;
      }
      return unwrapTagged(
        api.PUT('/api/v1/settings/company', {
          params: { header: { 'If-Match': etag, ...(token ? { 'X-Reauth': token } : {}) } },
          body,
        }),
      );
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(companySettingsKey, saved.data);
      queryClient.setQueryData(taggedKey, saved);
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      onSaved();
    },
  });

  const reauthKinds = new Set(['wrong-password', 'invalid-mfa-code', 'mfa-code-required', 'reauth-required']);
  const reauthProblem = save.error instanceof ApiError && reauthKinds.has(save.error.kind) ? save.error : null;
  const stale = save.error instanceof ApiError && save.error.status === 412;


  function check() {
    const { body, errors: found } = toBody(values, fmt.locale, zoneSet);
    if (logo.kind === 'replace') {
      const le = logoError(logo.file);
      if (le) found.logo = le;
    }
    if (needsReauth && !password) found.password = 'Enter your password to confirm this change.';
    return { body, found };
  }
  const local: Record<string, string> = submitted ? check().found : {};
  const errors: Record<string, string> = { ...save.fieldErrors, ...local };
  if (reauthProblem?.kind === 'wrong-password') errors.password = 'The password is wrong.';
  if (reauthProblem?.kind === 'invalid-mfa-code' || reauthProblem?.kind === 'mfa-code-required') errors.code = 'Enter the current code from your authenticator app.';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    onSaving();
    const { body, found } = check();
    if (Object.keys(found).length) {
      save.reset();
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.settings-form [aria-invalid="true"]')?.focus());
      return;
    }
    if (logo.kind === 'remove') body.logo = null;
    if (logo.kind === 'replace') body.logo = await readDataUrl(logo.file);
    save.mutate({ body, password, code, needsReauth });
  }

  useEffect(() => {
    if (Object.keys(save.fieldErrors).length) document.querySelector<HTMLElement>('.settings-form [aria-invalid="true"]')?.focus();
  }, [save.fieldErrors]);

  return (
    <form className="form settings-form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="settings-title">
      {stale ? (
        <div className="problem" role="alert">
          <p>Someone else changed the settings since you opened them. Reload them and make your change again.</p>
          <button type="button" className="button" onClick={onReload}>
            Reload the settings
          </button>
        </div>
      ) : reauthProblem ? null : (
        <ProblemMessage problem={save.formError} />
      )}
      {Object.keys(local).length ? (
        <div className="problem" role="alert">
          <p>Some fields need your attention.</p>
        </div>
      ) : null}

      <fieldset className="settings-group" id="settings-company">
        <legend>Company</legend>
        <TextField label="Company name" name="legal_name" hint="The name on invoices and emails." value={values.legal_name} error={errors.legal_name} onChange={(e) => set('legal_name', e.target.value)} />
        <TextField label="Tax id" name="tax_id" hint="Your VAT identifier with its country code in front, for example DE123456789 or IE6388047V. E-invoices need it in this form." autoComplete="off" spellCheck={false} value={values.tax_id} error={errors.tax_id} onChange={(e) => set('tax_id', e.target.value)} />
        <TextField label="Sender email" name="email_from" type="email" hint="Emails are sent from this address. Leave empty for the default." value={values.email_from} error={errors.email_from} onChange={(e) => set('email_from', e.target.value)} />
      </fieldset>

      <fieldset className="settings-group" id="settings-address">
        <legend>Address</legend>
        <p className="field-hint">Optional. When given, line 1, postal code, city and country are needed.</p>
        <TextField label="Address line 1" name="address.line1" autoComplete="address-line1" value={values.line1} error={errors['address.line1']} onChange={(e) => set('line1', e.target.value)} />
        <TextField label="Address line 2" name="address.line2" autoComplete="address-line2" value={values.line2} error={errors['address.line2']} onChange={(e) => set('line2', e.target.value)} />
        <div className="settings-row">
          <TextField label="Postal code" name="address.postal_code" autoComplete="postal-code" value={values.postal_code} error={errors['address.postal_code']} onChange={(e) => set('postal_code', e.target.value)} />
          <TextField label="City" name="address.city" autoComplete="address-level2" value={values.city} error={errors['address.city']} onChange={(e) => set('city', e.target.value)} />
        </div>
        <div className="settings-row">
          <TextField label="Region" name="address.region" autoComplete="address-level1" value={values.region} error={errors['address.region']} onChange={(e) => set('region', e.target.value)} />
          <TextField label="Country code" name="address.country" autoComplete="country" hint="Two letters, for example DE." maxLength={2} value={values.country} error={errors['address.country']} onChange={(e) => set('country', e.target.value)} />
        </div>
      </fieldset>

      <fieldset className="settings-group">
        <legend>Invoicing</legend>
        <TextField label="Default currency" name="default_currency" required maxLength={3} hint="Three letters, for example EUR. New customers get it." value={values.default_currency} error={errors.default_currency} onChange={(e) => set('default_currency', e.target.value.toUpperCase())} />
        <SelectField
          label="Time zone"
          name="time_zone"
          required
          hint="Business dates (issue, due, reminders) are dates in this zone."
          options={zones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))}
          value={values.time_zone}
          error={errors.time_zone}
          onChange={(e) => set('time_zone', e.target.value)}
        />
        <NumberField label="Payment terms (days)" name="payment_terms_days" required inputMode="numeric" hint="Days from issue to due date, 0 to 365." value={values.payment_terms_days} error={errors.payment_terms_days} onChange={(e) => set('payment_terms_days', e.target.value)} />
        <TextAreaField label="Invoice footer" name="invoice_footer" rows={3} hint="Printed at the bottom of invoices. At most 500 characters." value={values.invoice_footer} error={errors.invoice_footer} onChange={(e) => set('invoice_footer', e.target.value)} />
        <TextAreaField label="Bank details" name="bank_details" rows={3} hint="Payment instructions on invoices and in emails. Changing them needs your password and emails every administrator." value={values.bank_details} error={errors.bank_details} onChange={(e) => set('bank_details', e.target.value)} />
      </fieldset>

      <EInvoicingFields values={values} set={set} errors={errors} />

      <fieldset className="settings-group">
        <legend>Brand</legend>
        <ColourField value={values.brand_colour} error={errors.brand_colour} onChange={(v) => set('brand_colour', v)} />
        <LogoField settings={settings} choice={logo} onChoice={setLogo} error={errors.logo} />
      </fieldset>

      <ReminderEditor values={values} setValues={setValues} errors={errors} />

      <fieldset className="settings-group">
        <legend>Security</legend>
        <Checkbox
          label="Administrators must use two-factor sign-in"
          name="require_mfa_for_admins"
          hint="Changing this needs your password."
          checked={values.require_mfa_for_admins}
          onChange={(e) => set('require_mfa_for_admins', e.target.checked)}
        />
      </fieldset>

      {needsReauth ? (
        <fieldset className="settings-group settings-reauth">
          <legend>Confirm it is you</legend>
          <p>Changing the bank details, the IBAN or BIC, or the two-factor requirement needs your password{' '}(and your two-factor code when it is on).</p>
          {reauthProblem && reauthProblem.kind === 'reauth-required' ? <ProblemMessage problem={reauthProblem} /> : null}
          <TextField label="Your password" name="password" type="password" autoComplete="current-password" required value={password} error={errors.password} onChange={(e) => setPassword(e.target.value)} />
          <TextField label="Two-factor code (if it is on)" name="code" inputMode="numeric" autoComplete="one-time-code" value={code} error={errors.code} onChange={(e) => setCode(e.target.value)} />
        </fieldset>
      ) : null}

      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

/** Company settings (admin): identity, address, invoicing, brand, logo, reminders. */
export default function SettingsPage() {
  usePageTitle('Company settings');
  const fmt = useFormat();
  const [saved, setSaved] = useState(false);
  const settings = useQuery({
    queryKey: taggedKey,
    queryFn: () => unwrapTagged(api.GET('/api/v1/settings/company')),
  });
  useFocusFromHash(settings.isSuccess);
  return (
    <section className="page settings" aria-labelledby="settings-title">
      <div className="page-header">
        <h1 id="settings-title">Company settings</h1>
      </div>
      <div role="status" aria-live="polite">
        {saved ? <p className="notice">The settings are saved.</p> : null}
      </div>
      {settings.isPending ? (
        <Skeleton lines={6} label="Loading the settings…" />
      ) : settings.isError ? (
        <>
          <ProblemMessage problem={settings.error} title="The settings could not be loaded." />
          <button type="button" className="button" onClick={() => void settings.refetch()}>
            Try again
          </button>
        </>
      ) : (
        <>
          {settings.data.data.updated_at ? (
            <p className="settings-updated">Last saved {fmt.dateTime(settings.data.data.updated_at)}.</p>
          ) : (
            <p className="settings-updated">These are the defaults: the settings were never saved.</p>
          )}
          <SettingsForm
            key={settings.data.etag}
            settings={settings.data.data}
            etag={settings.data.etag || `"${settings.data.data.version}"`}
            onSaved={() => setSaved(true)}
            onSaving={() => setSaved(false)}
            onReload={() => {
              setSaved(false);
              void settings.refetch();
            }}
          />
          <AuditHistory entityType="settings" entityId="company" title="Changes to the settings" />
        </>
      )}
    </section>
  );
}
