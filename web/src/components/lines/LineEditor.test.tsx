import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { product } from '../../pages/products/fixtures';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { blankLine, type EditorLine } from './editorState';
import { LineEditor, useLineEditor } from './LineEditor';

function Harness({ lines, showErrors = false }: { lines?: Partial<EditorLine>[]; showErrors?: boolean }) {
  const model = useLineEditor('EUR', () => (lines ? lines.map((l) => ({ ...blankLine(), ...l })) : [blankLine()]));
  return (
    <>
      <LineEditor model={model} showErrors={showErrors} />
      <p data-testid="dirty">{model.state.dirty ? 'dirty' : 'clean'}</p>
      <p data-testid="sent">{JSON.stringify(model.collect()?.lines ?? null)}</p>
    </>
  );
}

const session = fakeSession({ permissions: ['orders:write', 'products:read'] });
const render = (lines?: Partial<EditorLine>[]) => renderWithProviders(<Harness lines={lines} />, { session, path: '/orders/new' });
const items = () => screen.getAllByRole('combobox', { name: /^Item, line \d+$/ }).map((i) => (i as HTMLInputElement).value);
const total = () => document.querySelector('[data-total="total"]')?.textContent ?? '';
const money = (n: number) => new Intl.NumberFormat(navigator.language || 'en-US', { style: 'currency', currency: 'EUR' }).format(n);

describe('LineEditor', () => {
  it('adds, duplicates, removes and reorders lines', async () => {
    const user = userEvent.setup();
    render([{ description: 'A' }, { description: 'B' }]);
    expect(items()).toEqual(['A', 'B']);
    await user.click(screen.getByRole('button', { name: 'Add line' }));
    expect(items()).toEqual(['A', 'B', '']);
    expect(screen.getByRole('combobox', { name: 'Item, line 3' })).toHaveFocus();
    await user.click(screen.getByRole('button', { name: 'Duplicate line 1' }));
    expect(items()).toEqual(['A', 'A', 'B', '']);
    await user.click(screen.getByRole('button', { name: 'Remove line 2' }));
    expect(items()).toEqual(['A', 'B', '']);
    await user.click(screen.getByRole('button', { name: 'Move line 1 down' }));
    expect(items()).toEqual(['B', 'A', '']);
    await user.click(screen.getByRole('button', { name: 'Move line 2 up' }));
    expect(items()).toEqual(['A', 'B', '']);
    expect(screen.getByRole('button', { name: 'Move line 1 up' })).toBeDisabled();
    expect(screen.getByTestId('dirty')).toHaveTextContent('dirty');
  });

  it('moves a line with Alt+ArrowDown and keeps the focus on it', async () => {
    const user = userEvent.setup();
    render([{ description: 'A' }, { description: 'B' }]);
    await user.click(screen.getByRole('textbox', { name: 'Quantity, line 1' }));
    await user.keyboard('{Alt>}{ArrowDown}{/Alt}');
    expect(items()).toEqual(['B', 'A']);
    expect(screen.getByRole('textbox', { name: 'Quantity, line 2' })).toHaveFocus();
  });

  it('is filled from the keyboard: Tab across a line, Enter in the tax rate adds the next and focuses it', async () => {
    const user = userEvent.setup();
    render();
    await user.click(screen.getByRole('combobox', { name: 'Item, line 1' }));
    await user.keyboard('Consulting');
    await user.tab();
    expect(screen.getByRole('textbox', { name: 'Quantity, line 1' })).toHaveFocus();
    await user.keyboard('{Control>}a{/Control}2');
    await user.tab();
    await user.keyboard('100');
    await user.tab(); // discount type
    await user.tab(); // tax rate (the discount is disabled without a type)
    expect(screen.getByRole('textbox', { name: 'Tax rate, line 1' })).toHaveFocus();
    await user.keyboard('20{Enter}');
    expect(screen.getByRole('combobox', { name: 'Item, line 2' })).toHaveFocus();
    expect(total()).toBe(money(240));
    expect(document.querySelector('[data-total="tax-20"]')?.textContent).toBe(money(40));
  });

  it('updates the totals as a quantity is typed', async () => {
    const user = userEvent.setup();
    render([{ description: 'A', quantity: '1', unit_price: '19.99', tax_rate: '20' }, { description: 'B', quantity: '1', unit_price: '10', tax_rate: '7' }]);
    expect(total()).toBe(money(23.99 + 10.7));
    const q = screen.getByRole('textbox', { name: 'Quantity, line 1' });
    await user.clear(q);
    await user.type(q, '3');
    expect(total()).toBe(money(71.96 + 10.7));
    expect(document.querySelector('[data-total="tax-7"]')?.textContent).toBe(money(0.7));
    await user.clear(q);
    await user.type(q, 'x');
    expect(screen.getByRole('textbox', { name: 'Quantity, line 1' })).toHaveAccessibleDescription('Enter a number, for example 1,5');
    expect(screen.getByText('1 line is incomplete and not counted.')).toBeInTheDocument();
  });

  it('fills price, tax rate and unit from a picked product, and they stay editable', async () => {
    mockFetch((req) => {
      const url = new URL(req.url);
      return url.pathname === '/api/v1/products' && url.searchParams.get('q') === 'wid'
        ? jsonResponse({ items: [product({ id: 'p9', name: 'Widget', sku: 'WID-9', unit_price: { amount: 1250, currency: 'EUR' }, tax_rate: '7.5', unit: 'box' })], next_cursor: null })
        : undefined;
    });
    const user = userEvent.setup();
    render();
    const item = screen.getByRole('combobox', { name: 'Item, line 1' });
    await user.click(item);
    await user.keyboard('wid');
    const listbox = await screen.findByRole('listbox', {}, { timeout: 2000 });
    expect(within(listbox).getByRole('option', { name: /Widget/ })).toBeInTheDocument();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(item).toHaveValue('Widget');
    expect(screen.getByText('WID-9 · per box')).toBeInTheDocument();
    const price = screen.getByRole('textbox', { name: 'Unit price, line 1' }) as HTMLInputElement;
    expect(Number(price.value.replace(',', '.'))).toBe(12.5);
    expect(screen.getByRole('textbox', { name: 'Tax rate, line 1' })).toHaveValue((7.5).toLocaleString(navigator.language || 'en-US'));
    expect(screen.getByRole('textbox', { name: 'Quantity, line 1' })).toHaveFocus();
    await user.clear(price);
    await user.type(price, '10');
    expect(total()).toBe(money(10.75));
  });

  it('sets a VAT category per line; other categories than S ask for a rate of 0 and their reason', async () => {
    const user = userEvent.setup();
    render([{ description: 'Training', quantity: '1', unit_price: '100', tax_rate: '20' }]);
    const category = screen.getByRole('combobox', { name: 'VAT category, line 1' });
    expect(category).toHaveValue('');
    expect(screen.queryByRole('textbox', { name: /Exemption reason/ })).not.toBeInTheDocument();
    const sent = () => JSON.parse(screen.getByTestId('sent').textContent ?? 'null') as Record<string, unknown>[] | null;
    // Auto: nothing is sent for the category.
    expect(sent()?.[0]).not.toHaveProperty('vat_category');
    await user.selectOptions(category, 'E');
    const rate = screen.getByRole('textbox', { name: 'Tax rate, line 1' });
    expect(rate).toHaveAccessibleDescription('A line of VAT category E (exempt from VAT) has a tax rate of 0.');
    expect(sent()).toBeNull();
    await user.clear(rate);
    await user.type(rate, '0');
    // Exempt: the reason is required (said once the user saves: `showErrors`).
    const reason = screen.getByRole('textbox', { name: 'Exemption reason, line 1' });
    expect(sent()).toBeNull();
    await user.type(reason, 'VATEX-EU-132-1I');
    expect(sent()?.[0]).toMatchObject({ tax_rate: '0', vat_category: 'E', vat_exemption_reason: 'VATEX-EU-132-1I' });
    // Enter in the reason adds the next line.
    await user.keyboard('{Enter}');
    expect(screen.getByRole('combobox', { name: 'Item, line 2' })).toHaveFocus();
    // Back to S: no reason is sent, and S needs a rate above 0.
    await user.selectOptions(category, 'S');
    expect(screen.queryByRole('textbox', { name: 'Exemption reason, line 1' })).not.toBeInTheDocument();
    expect(rate).toHaveAccessibleDescription('A standard-rated line (S) needs a tax rate above 0.');
  });

  it('asks for the reason of an exempt line once the user saves', () => {
    renderWithProviders(<Harness showErrors lines={[{ description: 'Course', quantity: '1', unit_price: '80', vat_category: 'E' }]} />, { session, path: '/orders/new' });
    expect(screen.getByRole('textbox', { name: 'Exemption reason, line 1' })).toHaveAccessibleDescription(/Give the reason for the exemption/);
    expect(screen.getByRole('textbox', { name: 'Exemption reason, line 1' })).toHaveAttribute('aria-invalid', 'true');
  });
});
