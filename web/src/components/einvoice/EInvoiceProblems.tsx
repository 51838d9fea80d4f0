// The answer `einvoice-incomplete` (422) of issuing an invoice or credit note, or of its UBL
// and CII export: one error per EN 16931 rule the document would break, each with the field
// to fill in (`settings.tax_id`, `customer.billing_address`, `lines[0].vat_exemption_reason`,
// `buyer_reference`) and a message that starts with the rule id. Shown as a list of sentences
// with the rule id kept visible (accountants look it up) and, where the user may go, a link
// to the place to fix it.
import { Link } from 'react-router';

import { ApiError, errorMessage } from '../../api/problem';
import type { FieldError } from '../../api/types';
import './einvoice.css';

export const EINVOICE_INCOMPLETE = 'einvoice-incomplete';

export const isEInvoiceProblem = (error: unknown): error is ApiError =>
  error instanceof ApiError && error.kind === EINVOICE_INCOMPLETE;

export interface RuleError {
  /** `BR-10`, `BR-S-02`, `PEPPOL-EN16931-R010`; null when the message names none. */
  rule: string | null;
  /** The rest of the message as a sentence. */
  text: string;
  field: string;
}

const RULE = /^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+):\s*([\s\S]*)$/;

export function ruleErrors(errors: readonly FieldError[]): RuleError[] {
  return errors.map(({ field, message }) => {
    const m = RULE.exec(message.trim());
    const rest = (m?.[2] ?? message).trim();
    const text = rest.charAt(0).toUpperCase() + rest.slice(1);
    return { rule: m ? (m[1] as string) : null, text: /[.!?]$/.test(text) ? text : `${text}.`, field };
  });
}

/** What the user may open to fix a rule (from the session's permissions and the document). */
export interface FixContext {
  invoiceId: string;
  customerId: string;
  customerName: string;
  /** The document is a draft this user may edit (lines, buyer reference, order number). */
  canEditInvoice: boolean;
  /** settings:manage */
  canManageSettings: boolean;
  /** customers:read */
  canReadCustomers: boolean;
}

export type Fix = { to: string; label: string; state?: unknown } | { note: string } | null;

/** The form field (its `name`) a rule's field is fixed in: the first one of an address. */
function target(path: string): string {
  if (path === 'address' || path === 'billing_address') return `${path}.line1`;
  if (path.endsWith('electronic_address')) return `${path}.scheme`;
  return path;
}

/** Where to fix the rule of `field`, as far as this user may go there. */
export function fixFor(field: string, ctx: FixContext, errors: readonly FieldError[] = []): Fix {
  if (field.startsWith('settings.')) {
    return ctx.canManageSettings
      ? { to: `/settings#${target(field.slice('settings.'.length))}`, label: 'Go to the company settings' }
      : { note: 'An administrator can set this in the company settings.' };
  }
  if (field.startsWith('customer.')) {
    return ctx.canReadCustomers
      ? { to: `/customers/${encodeURIComponent(ctx.customerId)}#${target(field.slice('customer.'.length))}`, label: `Go to the customer ${ctx.customerName}` }
      : { note: 'Someone who manages customers can set this on the customer.' };
  }
  if (/^(lines\b|buyer_reference$|purchase_order_reference$)/.test(field) && ctx.canEditInvoice) {
    const hash = field === 'buyer_reference' || field === 'purchase_order_reference' ? `#${field}` : '';
    return { to: `/invoices/${encodeURIComponent(ctx.invoiceId)}/edit${hash}`, label: 'Edit the draft invoice', state: { einvoiceErrors: errors } };
  }
  return null;
}

export function EInvoiceProblems({ error, title, context }: { error: ApiError; title: string; context: FixContext | null }) {
  const items = ruleErrors(error.fieldErrors);
  return (
    <div className="problem einvoice-problem" role="alert">
      <p className="problem-title">{title}</p>
      {items.length === 0 ? (
        <p>{errorMessage(error)}</p>
      ) : (
        <>
          <p>
            It would not be a valid e-invoice (EN 16931): {items.length === 1 ? 'one rule is' : `${items.length} rules are`} not met.
          </p>
          <ul className="einvoice-rules">
            {items.map((item, i) => {
              const fix = context ? fixFor(item.field, context, error.fieldErrors) : null;
              return (
                <li key={i}>
                  {item.rule ? (
                    <span className="einvoice-rule">
                      <span className="visually-hidden">Rule </span>
                      {item.rule}
                    </span>
                  ) : null}{' '}
                  {item.text}
                  {fix && 'to' in fix ? (
                    <>
                      {' '}
                      <Link to={fix.to} state={fix.state}>{fix.label}</Link>
                    </>
                  ) : null}
                  {fix && 'note' in fix ? ` ${fix.note}` : null}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </div>
  );
}
