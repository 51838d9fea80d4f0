// The line-item editor of orders and draft invoices. State in a reducer keyed by line id
// (editorState.ts); rows are memoised and take only their own line, so a keystroke re-renders
// one row and the totals. Keyboard: Tab moves across a line, Enter in the tax rate adds the
// next line and focuses it, Alt+ArrowUp/Alt+ArrowDown move a line.
import {
  memo, startTransition, useCallback, useEffect, useMemo, useReducer, useRef, useState,
  type Dispatch, type DragEvent, type KeyboardEvent,
} from 'react';

import type { Schema } from '../../api/types';
import { useCompany, useFormat, type Formatter } from '../../company';
import { VAT_CATEGORIES } from '../einvoice/codes';
import { ProductPicker } from './ProductPicker';
import {
  initialState, isBlank, priceEditorLine, reducer, sentence, takesReason,
  type Action, type EditableField, type EditorLine, type EditorState, type LineField, type Parsers, type PricedLine,
} from './editorState';
import { documentTotals, MAX_LINES, type DocumentTotals, type Rounding } from './totals';
import './lines.css';

type LineRequest = Schema<'LineRequest'>;
type Product = Schema<'Product'>;

/** Priced lines by line object (lines are immutable: an edit makes a new object). */
const PRICE_CACHE = new WeakMap<EditorLine, { currency: string; rounding: Rounding; parsers: Parsers; result: PricedLine | null }>();

/** "S standard rate, Z zero rated, …" for the help under the editor. */
const VAT_HELP = VAT_CATEGORIES.map((c) => `${c.code} ${c.name}`).join(', ');

/** Rows rendered in the first pass of a long document. */
const FIRST_ROWS = 60;

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

export interface LineEditorModel {
  state: EditorState;
  dispatch: Dispatch<Action>;
  currency: string;
  /** Parsed and priced lines by line object (blank lines: null). */
  priced: (l: EditorLine) => PricedLine | null;
  totals: DocumentTotals;
  /** The lines to send (blank ones left out) and the ids they came from, or null when a line has an error. */
  collect: () => { lines: LineRequest[]; ids: string[] } | null;
}

/** The editor's state and derived values; `initial` runs once. */
export function useLineEditor(currency: string, initial: () => EditorLine[]): LineEditorModel {
  const [state, dispatch] = useReducer(reducer, undefined, () => initialState(initial()));
  const { rounding } = useCompany();
  const fmt = useFormat();
  const parsers: Parsers = useMemo(
    () => ({ parseDecimal: fmt.parseDecimal, parseMoney: fmt.parseMoney, moneyInput: fmt.moneyInput, decimalInput: fmt.decimalInput }),
    [fmt],
  );
  // Per-line results cached by line object: only a changed line is parsed and priced again.
  const priced = useCallback(
    (l: EditorLine) => {
      const hit = PRICE_CACHE.get(l);
      if (hit && hit.currency === currency && hit.rounding === rounding && hit.parsers === parsers) return hit.result;
      const result = isBlank(l) ? null : priceEditorLine(l, currency, rounding, parsers);
      PRICE_CACHE.set(l, { currency, rounding, parsers, result });
      return result;
    },
    [currency, rounding, parsers],
  );
  const totals = useMemo(
    () =>
      documentTotals(
        state.lines.flatMap((l) => {
          const p = priced(l);
          if (!p) return [];
          return [{ amounts: p.priced?.ok ? p.priced.amounts : null, rate: p.input?.tax_rate ?? '0' }];
        }),
        rounding,
      ),
    [state.lines, priced, rounding],
  );
  const collect = useCallback(() => {
    const lines: LineRequest[] = [];
    const ids: string[] = [];
    let bad = false;
    for (const l of state.lines) {
      const p = priced(l);
      if (!p) continue;
      if (!p.request || Object.keys(p.errors).length) bad = true;
      else {
        lines.push(p.request);
        ids.push(l.id);
      }
    }
    return bad ? null : { lines, ids };
  }, [state.lines, priced]);
  return { state, dispatch, currency, priced, totals, collect };
}

const FIELD_LABELS: Record<LineField, string> = {
  description: 'Item',
  quantity: 'Quantity',
  unit_price: 'Unit price',
  discountKind: 'Discount type',
  discount: 'Discount',
  tax_rate: 'Tax rate',
  vat_category: 'VAT category',
  vat_exemption_reason: 'Exemption reason',
};

interface RowProps {
  line: EditorLine;
  index: number;
  isLast: boolean;
  result: PricedLine | null;
  /** Server messages for this line, by field. */
  serverErrors: Readonly<Record<string, string>>;
  showErrors: boolean;
  currency: string;
  dispatch: Dispatch<Action>;
  draggedRef: { current: string | null };
  fmt: Formatter;
}

const LineRow = memo(function LineRow({ line, index, isLast, result, serverErrors, showErrors, currency, dispatch, draggedRef, fmt }: RowProps) {
  const n = index + 1;
  const id = line.id;
  const errorOf = (field: LineField): string | undefined => {
    const server = serverErrors[field];
    if (server) return sentence(server);
    const client = result?.errors[field];
    if (!client) return undefined;
    if (showErrors) return client;
    // Before a save attempt, only what was typed and is wrong.
    const text = field === 'discountKind' ? '' : line[field];
    return text.trim() ? client : undefined;
  };
  const edit = (field: EditableField, value: string) => dispatch({ type: 'edit', id, field, value });

  function keyDown(field: LineField) {
    return (e: KeyboardEvent<HTMLInputElement | HTMLSelectElement>) => {
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        dispatch({ type: 'move', id, by: e.key === 'ArrowUp' ? -1 : 1, field });
      } else if (e.key === 'Enter') {
        e.preventDefault();
        if (field === 'tax_rate' || field === 'vat_exemption_reason') dispatch({ type: 'add', after: id });
      }
    };
  }

  function pick(p: Product) {
    dispatch({
      type: 'pick', id, product: p,
      unitPrice: p.unit_price.currency === currency ? fmt.moneyInput(p.unit_price.amount, currency) : line.unit_price,
      taxRate: fmt.decimalInput(p.tax_rate),
    });
  }

  const cell = (field: LineField) => {
    const error = errorOf(field);
    const errorId = error ? `${id}-${field}-error` : undefined;
    return { error, errorId };
  };
  const d = cell('description');
  const q = cell('quantity');
  const u = cell('unit_price');
  const dk = cell('discount');
  const t = cell('tax_rate');
  const vc = cell('vat_category');
  const vr = cell('vat_exemption_reason');
  const reasonShown = takesReason(line.vat_category);
  // A stored line's unit is sent back as it was: the server's word on it goes under the item.
  const unitError = serverErrors['unit_code'] ? sentence(serverErrors['unit_code']) : undefined;
  const itemErrorIds = [d.errorId, unitError ? `${id}-unit_code-error` : undefined].filter(Boolean).join(' ') || undefined;
  const amounts = result?.priced?.ok ? result.priced.amounts : null;
  const label = (field: LineField) => `${FIELD_LABELS[field]}, line ${n}`;
  const message = (c: { error: string | undefined; errorId: string | undefined }) =>
    c.error ? <p className="lines-error" id={c.errorId}>{c.error}</p> : null;

  return (
    <div
      role="row"
      className="lines-row"
      data-line={id}
      onDragOver={(e: DragEvent) => {
        if (draggedRef.current) e.preventDefault();
      }}
      onDrop={(e: DragEvent) => {
        e.preventDefault();
        const from = draggedRef.current;
        draggedRef.current = null;
        if (from) dispatch({ type: 'moveTo', id: from, index });
      }}
    >
      <div role="cell" className="lines-cell lines-handle">
        <span
          className="lines-grip"
          draggable
          title="Drag to reorder"
          aria-hidden="true"
          onDragStart={(e) => {
            draggedRef.current = id;
            e.dataTransfer.effectAllowed = 'move';
            e.dataTransfer.setData('text/plain', id);
          }}
          onDragEnd={() => {
            draggedRef.current = null;
          }}
        >
          ⠿
        </span>
        <span className="lines-number">{n}</span>
      </div>
      <div role="cell" className="lines-cell lines-item">
        <ProductPicker
          id={`${id}-description`}
          value={line.description}
          label={label('description')}
          invalid={!!d.error || !!unitError}
          describedBy={itemErrorIds}
          onText={(v) => edit('description', v)}
          onPick={pick}
          onKeyDown={keyDown('description')}
        />
        {line.sku ? <span className="lines-sku">{line.sku}{line.unit ? ` · per ${line.unit}` : ''}</span> : null}
        {message(d)}
        {unitError ? <p className="lines-error" id={`${id}-unit_code-error`}>{unitError}</p> : null}
      </div>
      <div role="cell" className="lines-cell num">
        <input
          data-field="quantity" type="text" inputMode="decimal" autoComplete="off" className="lines-num"
          aria-label={label('quantity')} aria-invalid={q.error ? true : undefined} aria-describedby={q.errorId}
          value={line.quantity} onChange={(e) => edit('quantity', e.target.value)} onKeyDown={keyDown('quantity')}
        />
        {message(q)}
      </div>
      <div role="cell" className="lines-cell num">
        <input
          data-field="unit_price" type="text" inputMode="decimal" autoComplete="off" className="lines-num"
          aria-label={label('unit_price')} aria-invalid={u.error ? true : undefined} aria-describedby={u.errorId}
          value={line.unit_price} onChange={(e) => edit('unit_price', e.target.value)} onKeyDown={keyDown('unit_price')}
        />
        {message(u)}
      </div>
      <div role="cell" className="lines-cell lines-discount">
        <select
          data-field="discountKind" aria-label={label('discountKind')} value={line.discountKind}
          onChange={(e) => edit('discountKind', e.target.value)} onKeyDown={keyDown('discountKind')}
        >
          <option value="none">None</option>
          <option value="percent">%</option>
          <option value="amount">{currency}</option>
        </select>
        <input
          data-field="discount" type="text" inputMode="decimal" autoComplete="off" className="lines-num lines-num-short"
          aria-label={label('discount')} aria-invalid={dk.error ? true : undefined} aria-describedby={dk.errorId}
          disabled={line.discountKind === 'none'}
          value={line.discount} onChange={(e) => edit('discount', e.target.value)} onKeyDown={keyDown('discount')}
        />
        {message(dk)}
      </div>
      <div role="cell" className="lines-cell num">
        <input
          data-field="tax_rate" type="text" inputMode="decimal" autoComplete="off" className="lines-num lines-num-short"
          aria-label={label('tax_rate')} aria-invalid={t.error ? true : undefined} aria-describedby={t.errorId}
          value={line.tax_rate} placeholder="0" onChange={(e) => edit('tax_rate', e.target.value)} onKeyDown={keyDown('tax_rate')}
        />
        {message(t)}
      </div>
      <div role="cell" className="lines-cell lines-vat">
        <select
          data-field="vat_category" aria-label={label('vat_category')} value={line.vat_category}
          aria-invalid={vc.error ? true : undefined} aria-describedby={vc.errorId}
          onChange={(e) => edit('vat_category', e.target.value)} onKeyDown={keyDown('vat_category')}
        >
          <option value="">Auto</option>
          {VAT_CATEGORIES.map((c) => <option key={c.code} value={c.code}>{c.short}</option>)}
        </select>
        {message(vc)}
      </div>
      {reasonShown ? (
        <div role="cell" className="lines-cell lines-reason">
          <label htmlFor={`${id}-reason`}>{line.vat_category === 'E' ? 'Exemption reason' : 'Exemption reason (optional)'}</label>
          <input
            id={`${id}-reason`} data-field="vat_exemption_reason" type="text" autoComplete="off" maxLength={200}
            aria-label={label('vat_exemption_reason')} aria-invalid={vr.error ? true : undefined} aria-describedby={vr.errorId}
            placeholder="A text or a VATEX code, e.g. VATEX-EU-132-1I"
            value={line.vat_exemption_reason} onChange={(e) => edit('vat_exemption_reason', e.target.value)} onKeyDown={keyDown('vat_exemption_reason')}
          />
          {message(vr)}
        </div>
      ) : null}
      <div role="cell" className="lines-cell num lines-amount" data-amount>
        {amounts ? fmt.money({ amount: amounts.net, currency }) : '—'}
      </div>
      <div role="cell" className="lines-cell lines-actions">
        <button type="button" className="button button-quiet lines-icon" aria-label={`Move line ${n} up`} title="Move up (Alt+↑)"
          disabled={index === 0} onClick={() => dispatch({ type: 'move', id, by: -1 })}>↑</button>
        <button type="button" className="button button-quiet lines-icon" aria-label={`Move line ${n} down`} title="Move down (Alt+↓)"
          disabled={isLast} onClick={() => dispatch({ type: 'move', id, by: 1 })}>↓</button>
        <button type="button" className="button button-quiet lines-icon" aria-label={`Duplicate line ${n}`} title="Duplicate"
          onClick={() => dispatch({ type: 'duplicate', id })}>Copy</button>
        <button type="button" className="button button-quiet lines-icon" aria-label={`Remove line ${n}`} title="Remove"
          onClick={() => dispatch({ type: 'remove', id })}>✕</button>
      </div>
    </div>
  );
});

/** Subtotal, discounts, tax by rate and total, as the server will compute them. */
export function TotalsPanel({ totals, currency }: { totals: DocumentTotals; currency: string }) {
  const fmt = useFormat();
  const money = (amount: number) => fmt.money({ amount, currency });
  return (
    <div className="lines-totals" aria-label="Totals" role="group">
      <dl>
        <div><dt>Subtotal</dt><dd data-total="subtotal">{money(totals.subtotal)}</dd></div>
        {totals.discount ? <div><dt>Discounts</dt><dd data-total="discount">−{money(totals.discount)}</dd></div> : null}
        {totals.byRate.map((r) => (
          <div key={r.rate}>
            <dt>Tax {fmt.percent(r.rate)} <span className="lines-muted">on {money(r.net)}</span></dt>
            <dd data-total={`tax-${r.rate}`}>{money(r.tax)}</dd>
          </div>
        ))}
        {totals.byRate.length === 0 ? <div><dt>Tax</dt><dd>{money(0)}</dd></div> : null}
        <div className="lines-grand"><dt>Total</dt><dd data-total="total">{money(totals.total)}</dd></div>
      </dl>
      {totals.invalid ? (
        <p className="lines-muted">{totals.invalid === 1 ? '1 line is' : `${totals.invalid} lines are`} incomplete and not counted.</p>
      ) : null}
    </div>
  );
}

/** Maps the server's `lines[i].field` errors to line ids (i counts the lines sent). */
export function errorsByLine(fieldErrors: Record<string, string>, sentIds: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [path, message] of Object.entries(fieldErrors)) {
    const m = /^lines\[(\d+)\]\.(\w+)$/.exec(path);
    if (!m) continue;
    const lineId = sentIds[Number(m[1])];
    if (!lineId) continue;
    (out[lineId] ??= {})[m[2] as string] = message;
  }
  return out;
}

export function LineEditor({
  model, showErrors = false, serverErrors = {}, linesError, caption = 'Lines',
}: {
  model: LineEditorModel;
  showErrors?: boolean;
  /** Server messages by line id, then field. */
  serverErrors?: Record<string, Record<string, string>>;
  /** The server's message about the lines as a whole (e.g. too many). */
  linesError?: string | undefined;
  caption?: string;
}) {
  const { state, dispatch, currency, priced, totals } = model;
  const fmt = useFormat();
  const wrap = useRef<HTMLDivElement>(null);
  const draggedRef = useRef<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const count = state.lines.length;
  // A long document shows its first rows at once and the rest in a transition right after
  // (interruptible: typing stays responsive while they render). The totals are always of
  // every line: they come from the state, not from the rows.
  const [progressive, setProgressive] = useState(() => count > FIRST_ROWS);
  useEffect(() => {
    if (!progressive) return;
    const t = setTimeout(() => startTransition(() => setProgressive(false)), 0);
    return () => clearTimeout(t);
  }, [progressive]);
  const rows = progressive ? state.lines.slice(0, FIRST_ROWS) : state.lines;

  useEffect(() => {
    const f = state.focus;
    if (!f) return;
    const el = wrap.current?.querySelector<HTMLElement>(`[data-line="${f.id}"] [data-field="${f.field}"]`);
    el?.focus();
  }, [state.focus]);

  const lastCount = useRef(count);
  useEffect(() => {
    if (lastCount.current !== count) {
      setAnnouncement(`${count} ${count === 1 ? 'line' : 'lines'}.`);
      lastCount.current = count;
    }
  }, [count]);

  return (
    <div className="lines">
      <div className="lines-wrap" ref={wrap}>
        <div role="table" className="lines-table" aria-busy={progressive || undefined} aria-label={`${caption}: ${count} ${count === 1 ? 'line' : 'lines'}`}>
          <div role="rowgroup" className="lines-head">
            <div role="row" className="lines-row lines-row-head">
              <div role="columnheader" className="lines-cell">#</div>
              <div role="columnheader" className="lines-cell">Item</div>
              <div role="columnheader" className="lines-cell num">Quantity</div>
              <div role="columnheader" className="lines-cell num">Unit price ({currency})</div>
              <div role="columnheader" className="lines-cell">Discount</div>
              <div role="columnheader" className="lines-cell num">Tax %</div>
              <div role="columnheader" className="lines-cell">VAT</div>
              <div role="columnheader" className="lines-cell num">Amount</div>
              <div role="columnheader" className="lines-cell"><span className="visually-hidden">Actions</span></div>
            </div>
          </div>
          <div role="rowgroup">
            {rows.map((line, i) => (
              <LineRow
                key={line.id}
                line={line}
                index={i}
                isLast={i === count - 1}
                result={priced(line)}
                serverErrors={serverErrors[line.id] ?? EMPTY}
                showErrors={showErrors}
                currency={currency}
                dispatch={dispatch}
                draggedRef={draggedRef}
                fmt={fmt}
              />
            ))}
          </div>
        </div>
      </div>
      <p className="visually-hidden" role="status">{announcement}</p>
      {count > MAX_LINES ? (
        <p className="lines-warning">A document has at most {MAX_LINES} lines; this one has {count}. Remove some before saving.</p>
      ) : null}
      {linesError ? <div className="problem" role="alert"><p>{sentence(linesError)}</p></div> : null}
      <div className="lines-footer">
        <button type="button" className="button" onClick={() => dispatch({ type: 'add' })}>Add line</button>
        <div className="lines-help">
          <p className="lines-muted">Enter in a tax rate adds a line; Alt+↑ and Alt+↓ move a line.</p>
          <p className="lines-muted">
            VAT category: “Auto” is S above 0 % and Z at 0 %. {VAT_HELP}. Every category but S has a tax rate of 0 and can
            give its exemption reason; an exempt line (E) must.
          </p>
        </div>
        <TotalsPanel totals={totals} currency={currency} />
      </div>
    </div>
  );
}
