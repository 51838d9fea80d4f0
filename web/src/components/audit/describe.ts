// Audit records in words: "Ana Lee updated customer Acme Ltd" and each change as
// "email: a@x → b@x". Shared by the audit trail page and <AuditHistory>.
import type { Role, Schema } from '../../api/types';

export type AuditRecord = Schema<'AuditRecord'>;

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  manager: 'Manager',
  accountant: 'Accountant',
  sales: 'Sales',
  viewer: 'Viewer',
};

export const roleLabel = (role: Role | null | undefined): string => (role ? ROLE_LABELS[role] : 'No role');

const ENTITY_LABELS: Record<string, string> = {
  customer: 'customer',
  product: 'product',
  order: 'order',
  invoice: 'invoice',
  payment: 'payment',
  user: 'user',
  settings: 'settings',
  outbox: 'email',
};

const FIELD_LABELS: Record<string, string> = {
  legal_name: 'company name',
  tax_id: 'tax id',
  email_from: 'sender email',
  brand_colour: 'brand colour',
  default_currency: 'default currency',
  time_zone: 'time zone',
  payment_terms_days: 'payment terms (days)',
  invoice_footer: 'invoice footer',
  bank_details: 'bank details',
  require_mfa_for_admins: 'two-factor sign-in for administrators',
  'reminders.enabled': 'reminders on',
  'reminders.steps': 'reminder days',
  postal_code: 'postal code',
  line1: 'address line 1',
  line2: 'address line 2',
  updated_at: 'updated at',
  created_at: 'created at',
};

/** A field path as words: `address.postal_code` → "address postal code". */
export function fieldLabel(path: string): string {
  if (FIELD_LABELS[path]) return FIELD_LABELS[path];
  return path
    .split('.')
    .map((p) => FIELD_LABELS[p] ?? p.replace(/_/g, ' '))
    .join(' ');
}

/** A value as text: empty, scalars as they are, lists of scalars joined. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(empty)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    return value.map((v) => (typeof v === 'object' && v !== null ? stepText(v) : String(v))).join(', ');
  }
  return JSON.stringify(value);
}

/** A reminder step `{days, late_fee}` (or any small object) in words. */
function stepText(v: object): string {
  const o = v as Record<string, unknown>;
  if (typeof o.days === 'number') {
    const d = o.days;
    const when = d < 0 ? `${-d} before` : d === 0 ? 'due date' : `+${d}`;
    const fee = o.late_fee as { type?: string; value?: unknown } | null | undefined;
    return fee ? `${when} (fee ${String(fee.value)}${fee.type === 'percent' ? '%' : ''})` : when;
  }
  return JSON.stringify(v);
}

export interface ChangeLine {
  field: string;
  label: string;
  old: string;
  new: string;
  /** `set` (was empty), `cleared` (is empty now) or `changed`. */
  kind: 'set' | 'cleared' | 'changed';
}

const empty = (v: unknown) => v === null || v === undefined || v === '';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The changes of a record, objects flattened to their changed parts (`address.city`). */
export function changeLines(changes: AuditRecord['changes'], skip: ReadonlySet<string> = HIDDEN_FIELDS): ChangeLine[] {
  const out: ChangeLine[] = [];
  const walk = (path: string, o: unknown, n: unknown) => {
    if (skip.has(path)) return;
    if ((isObject(o) || o === null || o === undefined) && (isObject(n) || n === null || n === undefined) && (isObject(o) || isObject(n))) {
      const a = isObject(o) ? o : {};
      const b = isObject(n) ? n : {};
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)) walk(`${path}.${k}`, a[k] ?? null, b[k] ?? null);
      }
      return;
    }
    out.push({ field: path, label: fieldLabel(path), old: valueText(o), new: valueText(n), kind: empty(o) ? 'set' : empty(n) ? 'cleared' : 'changed' });
  };
  for (const c of changes) walk(c.field, c.old, c.new);
  return out;
}

/** Bookkeeping fields that say nothing to people. */
export const HIDDEN_FIELDS: ReadonlySet<string> = new Set(['id', 'version', 'created_at', 'updated_at', 'session_epoch', 'logo.sha256']);

const PAST = /^[a-z]+ed$/;

export interface Names {
  /** A user's name by id, if known. */
  user: (id: string) => string | undefined;
  /** The signed-in user's id (shown as "You"). */
  me?: string | undefined;
}

const SYSTEM_ACTORS: Record<string, string> = { reminders: 'The reminder job', salesforce: 'Salesforce' };

/** Who did it, in words. */
export function actorText(rec: AuditRecord, names: Names): string {
  if (names.me && rec.actor_id === names.me) return 'You';
  const name = names.user(rec.actor_id);
  if (name) return name;
  if (rec.actor_id === 'system' || rec.actor_id === '') return 'The system';
  // Jobs record as `system:<name>` (the daily reminders, Salesforce's webhooks).
  if (rec.actor_id.startsWith('system:')) return SYSTEM_ACTORS[rec.actor_id.slice('system:'.length)] ?? 'The system';
  if (rec.actor_id === 'anonymous') return 'Someone not signed in';
  return rec.actor_role ? `${ROLE_LABELS[rec.actor_role]} ${shortId(rec.actor_id)}` : `User ${shortId(rec.actor_id)}`;
}

const shortId = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

/** The record's subject in words: "customer Acme Ltd", "the company settings". */
export function entityText(rec: AuditRecord, names: Names, known?: (type: string, id: string) => string | undefined): string {
  if (rec.entity_type === 'settings' && rec.entity_id === 'company') return 'the company settings';
  const type = ENTITY_LABELS[rec.entity_type] ?? rec.entity_type.replace(/_/g, ' ');
  const fromChanges = (field: string) => {
    const c = rec.changes.find((x) => x.field === field);
    const v = c ? (c.new ?? c.old) : undefined;
    return typeof v === 'string' && v ? v : undefined;
  };
  const name =
    (rec.entity_type === 'user' ? names.user(rec.entity_id) : undefined) ??
    fromChanges('name') ??
    fromChanges('number') ??
    known?.(rec.entity_type, rec.entity_id) ??
    shortId(rec.entity_id);
  return `${type} ${name}`;
}

/** Actions that read better as a phrase: `{subject}` is replaced by the record's subject. The
 * dashboard's activity feed words them the same on the server (`phrase` in
 * functions/dashboard/src/lib.rs): change both. */
const PHRASES: Record<string, string> = {
  'user.login': 'signed in',
  'user.login_failed': 'failed to sign in as {subject}',
  'user.login_throttled': 'was stopped from signing in as {subject} (too many attempts)',
  'user.session_ended': 'signed out',
  'user.invitation_resent': 'resent the invitation of {subject}',
  'user.invitation_revoked': 'revoked the invitation of {subject}',
  'user.invite_accepted': 'accepted the invitation',
  'user.password_changed': 'changed their password',
  'user.password_change_failed': 'failed to change their password',
  'user.password_reset': 'reset their password',
  'user.password_reset_requested': 'asked for a password reset for {subject}',
  'user.reauthenticated': 'confirmed their password',
  'user.reauth_failed': 'failed to confirm their password',
  'user.mfa_enabled': 'turned two-factor sign-in on',
  'user.mfa_disabled': 'turned two-factor sign-in off',
  'user.mfa_setup_started': 'started setting up two-factor sign-in',
  'user.mfa_failed': 'entered a wrong two-factor code',
  'user.mfa_disable_failed': 'failed to turn two-factor sign-in off',
  'user.mfa_recovery_code_used': 'signed in with a recovery code',
  'user.mfa_recovery_codes_renewed': 'renewed their recovery codes',
  'user.unlocked': 'unlocked the sign-in of {subject}',
  'outbox.retried': 'retried {subject}',
  'invoice.late_fee_added': 'added a late fee to {subject}',
  'invoice.payment_recorded': 'recorded a payment on {subject}',
  'invoice.payment_reversed': 'reversed a payment on {subject}',
  'invoice.reminder_sent': 'sent a payment reminder for {subject}',
};

/** The whole sentence: "Ana Lee updated customer Acme Ltd". */
export function describeRecord(rec: AuditRecord, names: Names, known?: (type: string, id: string) => string | undefined): string {
  const actor = actorText(rec, names);
  const [, verbRaw = rec.action] = rec.action.split('.', 2);
  if (rec.action === 'settings.company_updated') return `${actor} updated the company settings`;
  const subject = entityText(rec, names, known);
  const phrase = PHRASES[rec.action];
  if (phrase) {
    // "You signed in" is about the actor's own account; name the account when it is someone else's.
    const own = rec.entity_type === 'user' && rec.entity_id === rec.actor_id;
    const text = phrase.replace('{subject}', subject);
    return own || phrase.includes('{subject}') ? `${actor} ${text}` : `${actor} ${text} (${subject})`;
  }
  if (PAST.test(verbRaw)) return `${actor} ${verbRaw} ${subject}`;
  return `${actor}: ${verbRaw.replace(/_/g, ' ')} (${subject})`;
}

/** Names of entities learned from the records themselves (a `name` in any change). */
export function learnNames(records: AuditRecord[]): (type: string, id: string) => string | undefined {
  const map = new Map<string, string>();
  for (const r of records) {
    for (const c of r.changes) {
      if (c.field === 'name' || c.field === 'number') {
        const v = c.new ?? c.old;
        if (typeof v === 'string' && v && !map.has(`${r.entity_type}/${r.entity_id}`)) map.set(`${r.entity_type}/${r.entity_id}`, v);
      }
    }
  }
  return (type, id) => map.get(`${type}/${id}`);
}
