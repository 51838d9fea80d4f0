// Issue a credit note against an invoice: in full (only while nothing is paid or credited,
// as the API allows), by choosing quantities of its lines, or for an amount (one free-text
// line at a chosen tax rate). The credit may not exceed the balance due (the server checks).
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Schema } from '../../api/types';
import { SelectField, TextField } from '../../components/fields';
import { EInvoiceProblems, isEInvoiceProblem, type FixContext } from '../../components/einvoice/EInvoiceProblems';
import { TextAreaField } from '../../components/list/TextAreaField';
import { ProblemMessage } from '../../components/ProblemMessage';
import { useMutationForm } from '../../components/useMutationForm';
import { useFormat } from '../../company';
import type { Invoice } from './invoiceModel';

type LineRequest = Schema<'LineRequest'>;
type CreditRequest = Schema<'CreditRequest'>;
type Mode = 'full' | 'lines' | 'amount';

/** `part` of `whole` (decimal strings) as a number, for prorating a fixed discount. */
const ratio = (part: string, whole: string) => (Number(whole) ? Number(part) / Number(whole) : 0);

/** The VAT category, exemption reason and unit a credited line keeps from the invoice's line. */
function vatOf(l: Invoice['lines'][number]): Pick<LineRequest, 'vat_category' | 'vat_exemption_reason' | 'unit_code'> {
  const out: Pick<LineRequest, 'vat_category' | 'vat_exemption_reason' | 'unit_code'> = {};
  if (l.vat_category) out.vat_category = l.vat_category;
  if (l.vat_exemption_reason) out.vat_exemption_reason = l.vat_exemption_reason;
  if (l.unit_code) out.unit_code = l.unit_code;
  return out;
}

/**
 * The VAT category (and exemption reason) of a credit for an amount at `rate`: that of the
 * invoice's lines at this rate when they all share one, else the default of the rate.
 */
export function amountCategory(invoice: Invoice, rate: string): Pick<LineRequest, 'vat_category' | 'vat_exemption_reason'> {
  const at = invoice.lines.filter((l) => Number(l.tax_rate) === Number(rate));
  const first = at[0];
  if (!first?.vat_category || at.some((l) => l.vat_category !== first.vat_category || l.vat_exemption_reason !== first.vat_exemption_reason)) return {};
  const out: Pick<LineRequest, 'vat_category' | 'vat_exemption_reason'> = { vat_category: first.vat_category };
  if (first.vat_exemption_reason) out.vat_exemption_reason = first.vat_exemption_reason;
  return out;
}

export function creditLines(invoice: Invoice, quantities: Record<number, string>): LineRequest[] {
  const out: LineRequest[] = [];
  invoice.lines.forEach((l, i) => {
    const q = quantities[i];
    if (!q || Number(q) === 0) return;
    const line: LineRequest = { description: l.description, quantity: q, unit_price: l.unit_price, tax_rate: l.tax_rate, ...vatOf(l) };
    if (l.product_id) line.product_id = l.product_id;
    if (l.discount?.type === 'percent') line.discount = l.discount;
    else if (l.discount?.type === 'amount') line.discount = { type: 'amount', value: Math.round(l.discount.value * ratio(q, l.quantity)) };
    out.push(line);
  });
  return out;
}

export function CreditNoteForm({
  invoice, fixes, onDone, onCancel,
}: { invoice: Invoice; fixes: FixContext; onDone: (note: Invoice) => void; onCancel: () => void }) {
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const fullAllowed = invoice.amount_paid === 0 && invoice.amount_credited === 0;
  const [mode, setMode] = useState<Mode>(fullAllowed ? 'full' : 'lines');
  const [reason, setReason] = useState('');
  const [quantities, setQuantities] = useState<Record<number, string>>({});
  const rates = [...new Set(['0', ...invoice.lines.map((l) => l.tax_rate)])];
  const [amount, setAmount] = useState('');
  const [rate, setRate] = useState(invoice.lines[0]?.tax_rate ?? '0');
  const [local, setLocal] = useState<Record<string, string>>({});

  const save = useMutationForm({
    mutationFn: (body: CreditRequest) => unwrap(api.POST('/api/v1/invoices/{id}/credit-note', { params: { path: { id: invoice.id } }, body })),
    onSuccess: async (note) => {
      await queryClient.invalidateQueries({ queryKey: ['invoices'] });
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      onDone(note);
    },
    onError: () => setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], .problem')?.focus(), 0),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const errors: Record<string, string> = {};
    if (!reason.trim()) errors.reason = 'Give the reason for the credit (it is printed on the credit note).';
    const body: CreditRequest = { reason: reason.trim() };
    if (mode === 'lines') {
      const parsed: Record<number, string> = {};
      invoice.lines.forEach((l, i) => {
        const text = quantities[i]?.trim();
        if (!text) return;
        const q = fmt.parseDecimal(text);
        if (q === null || Number(q) < 0) errors[`quantity-${i}`] = `Enter a number, for example ${fmt.decimalInput('1.5')}.`;
        else if (Number(q) > Number(l.quantity)) errors[`quantity-${i}`] = `At most ${fmt.number(l.quantity)}.`;
        else parsed[i] = q;
      });
      const lines = creditLines(invoice, parsed);
      if (!Object.keys(errors).some((k) => k.startsWith('quantity')) && lines.length === 0)
        errors.lines = 'Enter a quantity to credit on at least one line.';
      body.lines = lines;
    } else if (mode === 'amount') {
      const minor = fmt.parseMoney(amount, invoice.currency);
      if (minor === null || minor <= 0) errors.amount = `Enter an amount above zero, for example ${fmt.moneyInput(1250, invoice.currency)}.`;
      else body.lines = [{ description: reason.trim() || 'Credit', quantity: '1', unit_price: minor, tax_rate: rate, ...amountCategory(invoice, rate) }];
    }
    setLocal(errors);
    if (Object.keys(errors).length) {
      save.reset();
      setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    save.mutate(body);
  }

  // An e-invoice problem is listed as a whole (its `lines[i]` count the credit note's lines).
  const einvoice = isEInvoiceProblem(save.error) ? save.error : null;
  const serverFields = einvoice ? {} : save.fieldErrors;
  const linesError = local.lines ?? serverFields.lines ?? Object.entries(serverFields).find(([k]) => k.startsWith('lines'))?.[1];
  const friendlyLinesError = linesError && /exceeds the balance due/.test(linesError)
    ? `The credit is more than the balance due (${fmt.money({ amount: invoice.balance_due, currency: invoice.currency })}).`
    : linesError;

  return (
    <section className="card" aria-labelledby="credit-form-title">
      <h2 id="credit-form-title">Issue a credit note</h2>
      <form ref={formRef} className="form" noValidate onSubmit={submit} aria-labelledby="credit-form-title">
        {einvoice && !Object.keys(local).length ? (
          <EInvoiceProblems error={einvoice} title="The credit note was not issued." context={{ ...fixes, canEditInvoice: false }} />
        ) : (
          <ProblemMessage problem={Object.keys(local).length ? null : save.formError} />
        )}
        <fieldset className="invoices-fieldset">
          <legend>What to credit</legend>
          {fullAllowed ? (
            <label className="field-check">
              <input type="radio" name="mode" value="full" checked={mode === 'full'} onChange={() => setMode('full')} />
              The whole invoice ({fmt.money({ amount: invoice.totals.total, currency: invoice.currency })})
            </label>
          ) : null}
          <label className="field-check">
            <input type="radio" name="mode" value="lines" checked={mode === 'lines'} onChange={() => setMode('lines')} />
            Quantities of its lines
          </label>
          <label className="field-check">
            <input type="radio" name="mode" value="amount" checked={mode === 'amount'} onChange={() => setMode('amount')} />
            An amount
          </label>
        </fieldset>
        {mode === 'lines' ? (
          <fieldset className="invoices-fieldset" aria-describedby={friendlyLinesError ? 'credit-lines-error' : undefined}>
            <legend>Quantities to credit</legend>
            {invoice.lines.map((l, i) => (
              <TextField key={i} name={`quantity-${i}`} inputMode="decimal" autoComplete="off"
                label={`${l.description} (invoiced ${fmt.number(l.quantity)} at ${fmt.money({ amount: l.unit_price, currency: invoice.currency })})`}
                error={local[`quantity-${i}`] ?? serverFields[`lines[${i}].quantity`]}
                value={quantities[i] ?? ''} onChange={(e) => setQuantities((q) => ({ ...q, [i]: e.target.value }))} />
            ))}
            {friendlyLinesError ? <p className="field-error" id="credit-lines-error" role="alert">{friendlyLinesError}</p> : null}
          </fieldset>
        ) : null}
        {mode === 'amount' ? (
          <>
            <TextField label={`Amount before tax (${invoice.currency})`} name="amount" inputMode="decimal" required autoComplete="off"
              error={local.amount} value={amount} onChange={(e) => setAmount(e.target.value)} />
            <SelectField label="Tax rate" name="tax_rate" value={rate} onChange={(e) => setRate(e.target.value)}
              options={rates.map((r) => ({ value: r, label: fmt.percent(r) }))} />
            {friendlyLinesError ? <p className="field-error" role="alert">{friendlyLinesError}</p> : null}
          </>
        ) : null}
        {mode === 'full' && friendlyLinesError ? <p className="field-error" role="alert">{friendlyLinesError}</p> : null}
        <TextAreaField label="Reason" name="reason" required maxLength={500} error={local.reason ?? serverFields.reason}
          value={reason} onChange={(e) => setReason(e.target.value)} />
        <p className="field-hint">Balance due now: {fmt.money({ amount: invoice.balance_due, currency: invoice.currency })}. A credit note gets its own number and can’t be changed.</p>
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Issuing…' : 'Issue credit note'}
          </button>
          <button type="button" className="button" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </section>
  );
}
