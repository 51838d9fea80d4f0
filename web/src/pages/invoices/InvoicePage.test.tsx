import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Permission } from '../../api/types';
import { fakeSession, jsonResponse, mockFetch, renderWithProviders } from '../../test/utils';
import { invoice, issued, payment } from './fixtures';
import InvoicePage from './InvoicePage';
import type { Invoice } from './invoiceModel';

const accountant: Permission[] = ['invoices:read', 'invoices:write', 'invoices:issue', 'payments:read', 'payments:write', 'customers:read'];
const viewer: Permission[] = ['invoices:read', 'payments:read', 'customers:read'];

function serve(doc: () => Invoice, extra?: (req: Request, path: string) => Response | undefined | Promise<Response | undefined>) {
  return mockFetch(async (req) => {
    const path = new URL(req.url).pathname;
    const more = await extra?.(req, path);
    if (more) return more;
    if (path === '/api/v1/invoices/inv1' && req.method === 'GET') return jsonResponse(doc(), 200, { ETag: `"${doc().version}"` });
    if (path === '/api/v1/invoices/inv1/payments' && req.method === 'GET') return jsonResponse({ items: [], next_cursor: null });
    if (path === '/api/v1/invoices/inv1/reminders') return jsonResponse({ items: [], next_cursor: null });
    return undefined;
  });
}

const render = (permissions: Permission[]) =>
  renderWithProviders(<InvoicePage />, { session: fakeSession({ permissions }), path: '/invoices/inv1', route: '/invoices/:id' });

afterEach(() => vi.unstubAllGlobals());

describe('InvoicePage actions', () => {
  it('draft + accountant: edit and issue; issuing shows the number', async () => {
    let doc = invoice();
    const fetch = serve(() => doc, (_req, path) => {
      if (path === '/api/v1/invoices/inv1/issue') {
        doc = issued();
        return jsonResponse(doc);
      }
      return undefined;
    });
    render(accountant);
    expect(await screen.findByRole('heading', { level: 1, name: /Draft invoice/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Edit draft' })).toHaveAttribute('href', '/invoices/inv1/edit');
    expect(screen.queryByRole('button', { name: 'Record a payment' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Void invoice' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Issue invoice' }));
    expect(await screen.findByRole('status')).toHaveTextContent('issued as INV-2026-000007');
    expect(await screen.findByRole('heading', { level: 1, name: /INV-2026-000007/ })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Record a payment' })).toBeInTheDocument();
    expect(fetch.mock.calls.some(([r]) => (r as Request).url.endsWith('/issue') && (r as Request).method === 'POST')).toBe(true);
  });

  it('issued + viewer: nothing to change', async () => {
    serve(() => issued());
    render(viewer);
    expect(await screen.findByRole('heading', { level: 1, name: /INV-2026-000007/ })).toBeInTheDocument();
    expect(await screen.findByText('No payments yet.')).toBeInTheDocument();
    for (const name of ['Issue invoice', 'Record a payment', 'Send by email', 'Issue a credit note', 'Void invoice'])
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit draft' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Show the PDF' })).toBeInTheDocument();
  });

  it('issued + accountant: void after confirming', async () => {
    let doc = issued();
    serve(() => doc, (_req, path) => {
      if (path === '/api/v1/invoices/inv1/void') {
        doc = issued({ status: 'void', balance_due: 0, version: 3 });
        return jsonResponse(doc);
      }
      return undefined;
    });
    render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Void invoice' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, void' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The invoice is void');
    expect((await screen.findAllByText('Void', { selector: '.badge' })).length).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: 'Record a payment' })).not.toBeInTheDocument();
  });

  it('reverses a payment (payments:delete) after confirming', async () => {
    let payments = [payment()];
    serve(() => issued({ status: 'partially_paid', amount_paid: 3000, balance_due: 5400 }), (req, path) => {
      if (path === '/api/v1/invoices/inv1/payments' && req.method === 'GET') return jsonResponse({ items: payments });
      if (path === '/api/v1/invoices/inv1/payments/pay1' && req.method === 'DELETE') {
        payments = [];
        return new Response(null, { status: 204 });
      }
      return undefined;
    });
    render([...accountant, 'payments:delete']);
    await userEvent.click(await screen.findByRole('button', { name: 'Reverse' }));
    await userEvent.click(screen.getByRole('button', { name: 'Yes, reverse' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The payment is reversed.');
    expect(await screen.findByText('No payments yet.')).toBeInTheDocument();
  });
});

describe('the payment form', () => {
  it('sends one Idempotency-Key across a retry and a re-submit', async () => {
    const keys: string[] = [];
    const bodies: unknown[] = [];
    let attempts = 0;
    serve(() => issued(), async (req, path) => {
      if (path === '/api/v1/invoices/inv1/payments' && req.method === 'POST') {
        keys.push(req.headers.get('Idempotency-Key') ?? '');
        bodies.push(await req.json());
        attempts += 1;
        if (attempts === 1) throw new TypeError('Failed to fetch');
        return jsonResponse(payment({ amount: 1250 }), 201);
      }
      return undefined;
    });
    render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Record a payment' }));
    const amount = screen.getByLabelText(/^Amount/);
    expect(amount).toHaveValue('84.00');
    expect(screen.getByLabelText(/Date received/)).toHaveValue(new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date()));
    await userEvent.clear(amount);
    await userEvent.type(amount, '12.50');
    const submit = screen.getByRole('button', { name: 'Record payment' });
    await userEvent.dblClick(submit);
    expect(await screen.findByRole('status')).toHaveTextContent('A payment of €12.50 is recorded.');
    expect(attempts).toBe(2);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodies[0]).toMatchObject({ amount: 1250, method: 'bank_transfer' });

    // A new form gets a new key.
    await userEvent.click(screen.getByRole('button', { name: 'Record a payment' }));
    await userEvent.click(screen.getByRole('button', { name: 'Record payment' }));
    await waitFor(() => expect(keys).toHaveLength(3));
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('shows the server’s field errors and keeps the key for the corrected submit', async () => {
    const keys: string[] = [];
    serve(() => issued(), async (req, path) => {
      if (path === '/api/v1/invoices/inv1/payments' && req.method === 'POST') {
        keys.push(req.headers.get('Idempotency-Key') ?? '');
        const body = (await req.json()) as { amount: number };
        if (body.amount > 8400)
          return jsonResponse({ type: '/problems/validation', title: 'Invalid', status: 422, detail: 'x', errors: [
            { field: 'amount', message: 'exceeds the balance due (8400)' },
            { field: 'date', message: "must not be before the invoice's issue date (2026-03-02)" },
          ] }, 422);
        return jsonResponse(payment({ amount: body.amount }), 201);
      }
      return undefined;
    });
    render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Record a payment' }));
    const amount = screen.getByLabelText(/^Amount/);
    await userEvent.clear(amount);
    await userEvent.type(amount, '100');
    await userEvent.click(screen.getByRole('button', { name: 'Record payment' }));
    expect(await screen.findByText('The amount is more than the balance due (€84.00).')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Amount/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/Date received/)).toHaveAccessibleDescription(/before the invoice’s issue date/);
    expect(screen.getByRole('alert')).toHaveTextContent('Some fields need your attention.');
    await userEvent.clear(amount);
    await userEvent.type(amount, 'abc');
    await userEvent.click(screen.getByRole('button', { name: 'Record payment' }));
    expect(await screen.findByText(/Enter an amount, for example/)).toBeInTheDocument();
    expect(keys).toHaveLength(1);
    await userEvent.clear(amount);
    await userEvent.type(amount, '10');
    await userEvent.click(screen.getByRole('button', { name: 'Record payment' }));
    expect(await screen.findByRole('status')).toHaveTextContent('A payment of €10.00 is recorded.');
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });
});

describe('the credit note form', () => {
  it('credits chosen quantities of lines', async () => {
    let sent: unknown;
    serve(() => issued({ status: 'partially_paid', amount_paid: 1000, balance_due: 7400 }), async (req, path) => {
      if (path === '/api/v1/invoices/inv1/credit-note') {
        sent = await req.json();
        return jsonResponse(issued({ id: 'cn1', kind: 'credit_note', status: 'applied', number: 'CN-2026-000001', totals: { subtotal: 1000, discount: 0, tax: 200, total: 1200 } }), 201);
      }
      return undefined;
    });
    render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Issue a credit note' }));
    // Partly paid: no "whole invoice" choice.
    expect(screen.queryByRole('radio', { name: /The whole invoice/ })).not.toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'Quantities of its lines' })).toBeChecked();
    await userEvent.click(screen.getByRole('button', { name: 'Issue credit note' }));
    expect(await screen.findByText(/Give the reason/)).toBeInTheDocument();
    expect(screen.getByText('Enter a quantity to credit on at least one line.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/^Widget/), '3');
    await userEvent.type(screen.getByLabelText(/^Reason/), 'Damaged in transit');
    await userEvent.click(screen.getByRole('button', { name: 'Issue credit note' }));
    expect(await screen.findByText('At most 2.')).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText(/^Widget/));
    await userEvent.type(screen.getByLabelText(/^Widget/), '1');
    await userEvent.click(screen.getByRole('button', { name: 'Issue credit note' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Credit note CN-2026-000001 is issued for €12.00.');
    expect(sent).toEqual({ reason: 'Damaged in transit', lines: [{ description: 'Widget', quantity: '1', unit_price: 1000, tax_rate: '20', product_id: 'p1' }] });
  });

  it('credits the whole invoice or an amount, and shows the balance error', async () => {
    const sent: unknown[] = [];
    serve(() => issued(), async (req, path) => {
      if (path === '/api/v1/invoices/inv1/credit-note') {
        const body = await req.json();
        sent.push(body);
        if (sent.length === 1)
          return jsonResponse({ type: '/problems/validation', title: 'Invalid', status: 422, detail: 'x', errors: [{ field: 'lines', message: 'the credit (12000) exceeds the balance due (8400)' }] }, 422);
        return jsonResponse(issued({ id: 'cn1', kind: 'credit_note', status: 'applied', number: 'CN-2026-000002' }), 201);
      }
      return undefined;
    });
    render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Issue a credit note' }));
    await userEvent.click(screen.getByRole('radio', { name: 'An amount' }));
    await userEvent.type(screen.getByLabelText(/^Amount before tax/), '100');
    await userEvent.type(screen.getByLabelText(/^Reason/), 'Goodwill');
    await userEvent.click(screen.getByRole('button', { name: 'Issue credit note' }));
    expect(await screen.findByText('The credit is more than the balance due (€84.00).')).toBeInTheDocument();
    expect(sent[0]).toEqual({ reason: 'Goodwill', lines: [{ description: 'Goodwill', quantity: '1', unit_price: 10000, tax_rate: '20' }] });
    await userEvent.click(screen.getByRole('radio', { name: /The whole invoice/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Issue credit note' }));
    expect(await screen.findByRole('status')).toHaveTextContent('CN-2026-000002');
    expect(sent[1]).toEqual({ reason: 'Goodwill' });
  });
});

describe('the PDF viewer', () => {
  it('shows the PDF from a blob: URL, offers the download, and revokes the URL on unmount', async () => {
    const create = vi.fn(() => 'blob:http://localhost/pdf-1');
    const revoke = vi.fn();
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke }));
    serve(() => issued(), (_req, path) => {
      if (path === '/api/v1/invoices/inv1/pdf') return new Response('%PDF-1.7', { headers: { 'Content-Type': 'application/pdf' } });
      return undefined;
    });
    const { unmount, container } = render(viewer);
    await userEvent.click(await screen.findByRole('button', { name: 'Show the PDF' }));
    const frame = await waitFor(() => {
      const f = container.querySelector('iframe');
      expect(f).not.toBeNull();
      return f as HTMLIFrameElement;
    });
    expect(frame).toHaveAttribute('src', 'blob:http://localhost/pdf-1');
    expect(frame).toHaveAttribute('title', 'PDF of INV-2026-000007');
    expect(create).toHaveBeenCalledTimes(1);
    const blob = (create.mock.calls[0] as unknown as [Blob])[0];
    expect(blob.type).toBe('application/pdf');
    expect(screen.getByRole('link', { name: 'Download the PDF' })).toHaveAttribute('download', 'INV-2026-000007.pdf');
    expect(revoke).not.toHaveBeenCalled();
    unmount();
    expect(revoke).toHaveBeenCalledWith('blob:http://localhost/pdf-1');
  });
});

describe('send by email', () => {
  it('sends to the customer or to another address', async () => {
    const bodies: unknown[] = [];
    serve(() => issued(), async (req, path) => {
      if (path === '/api/v1/customers/c1') return jsonResponse({ id: 'c1', name: 'Acme Ltd', email: 'billing@acme.example' }, 200, { ETag: '"1"' });
      if (path === '/api/v1/invoices/inv1/send') {
        bodies.push(await req.json());
        return jsonResponse({ outbox_id: 'o1', to: 'x', status: bodies.length === 1 ? 'sent' : 'pending' }, 202);
      }
      return undefined;
    });
    render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Send by email' }));
    expect(await screen.findByRole('radio', { name: 'The customer: billing@acme.example' })).toBeChecked();
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('status')).toHaveTextContent('The invoice is emailed to x.');
    await userEvent.click(screen.getByRole('button', { name: 'Send by email' }));
    await userEvent.click(await screen.findByRole('radio', { name: 'Another address' }));
    await userEvent.type(screen.getByLabelText(/Email address/), 'ap@other.example');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('status')).toHaveTextContent('queued');
    expect(bodies).toEqual([{}, { to: 'ap@other.example' }]);
  });
});

const einvoiceProblem = (errors: { field: string; message: string }[]) =>
  jsonResponse({ type: '/problems/einvoice-incomplete', title: 'Not a valid e-invoice', status: 422, detail: 'The invoice would not be a valid EN 16931 e-invoice.', errors }, 422);

describe('e-invoices', () => {
  it('downloads the UBL and the CII of an issued invoice under the server’s file name', async () => {
    const create = vi.fn(() => 'blob:http://localhost/xml-1');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() }));
    const clicked: HTMLAnchorElement[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) { clicked.push(this); });
    const asked: string[] = [];
    serve(() => issued(), (req, path) => {
      if (path !== '/api/v1/invoices/inv1/ubl' && path !== '/api/v1/invoices/inv1/cii') return undefined;
      asked.push(`${req.method} ${path}`);
      const ext = path.endsWith('ubl') ? 'ubl' : 'cii';
      return new Response('<Invoice><cbc:ID>INV-2026-000007</cbc:ID></Invoice>', {
        headers: { 'Content-Type': 'application/xml', 'Content-Disposition': `attachment; filename="INV-2026-000007.${ext}.xml"` },
      });
    });
    render(viewer);
    await userEvent.click(await screen.findByRole('button', { name: 'Download UBL' }));
    expect(await screen.findByText('The UBL e-invoice is downloaded as INV-2026-000007.ubl.xml.')).toBeInTheDocument();
    expect(clicked[0]?.download).toBe('INV-2026-000007.ubl.xml');
    expect(clicked[0]?.href).toBe('blob:http://localhost/xml-1');
    expect(await ((create.mock.calls[0] as unknown as [Blob])[0]).text()).toContain('INV-2026-000007');
    await userEvent.click(screen.getByRole('button', { name: 'Download CII' }));
    expect(await screen.findByText(/downloaded as INV-2026-000007\.cii\.xml/)).toBeInTheDocument();
    expect(clicked[1]?.download).toBe('INV-2026-000007.cii.xml');
    expect(asked).toEqual(['GET /api/v1/invoices/inv1/ubl', 'GET /api/v1/invoices/inv1/cii']);
    click.mockRestore();
  });

  it('offers no e-invoice for a draft or a void invoice', async () => {
    serve(() => issued({ status: 'void' }));
    render(accountant);
    expect(await screen.findByRole('button', { name: 'Show the PDF' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Download UBL' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Download CII' })).not.toBeInTheDocument();
  });

  it('lists the rules an export breaks, with their ids and where to fix them', async () => {
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    serve(() => issued(), (_req, path) =>
      path === '/api/v1/invoices/inv1/ubl'
        ? einvoiceProblem([
            { field: 'settings.tax_id', message: "BR-S-02: A line of VAT category S needs the seller's VAT identifier: set the company's tax ID" },
            { field: 'customer.billing_address', message: "BR-10: An invoice needs the buyer's postal address with its country: set the customer's billing address" },
          ])
        : undefined,
    );
    render([...viewer, 'settings:manage']);
    await userEvent.click(await screen.findByRole('button', { name: 'Download UBL' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The e-invoice could not be made.');
    expect(alert).toHaveTextContent("Rule BR-S-02 A line of VAT category S needs the seller's VAT identifier: set the company's tax ID.");
    expect(alert).toHaveTextContent('Rule BR-10');
    expect(within(alert).getByRole('link', { name: 'Go to the company settings' })).toHaveAttribute('href', '/settings#tax_id');
    expect(within(alert).getByRole('link', { name: 'Go to the customer Acme Ltd' })).toHaveAttribute('href', '/customers/c1#billing_address.line1');
    expect(click).not.toHaveBeenCalled();
    click.mockRestore();
  });

  it('refuses to issue with the EN 16931 rules named, linking only where the user may go', async () => {
    serve(() => invoice(), (_req, path) =>
      path === '/api/v1/invoices/inv1/issue'
        ? einvoiceProblem([
            { field: 'settings.tax_id', message: "BR-S-02: A line of VAT category S needs the seller's VAT identifier: set the company's tax ID" },
            { field: 'customer.billing_address', message: "BR-10: An invoice needs the buyer's postal address with its country: set the customer's billing address" },
            { field: 'lines[1].vat_exemption_reason', message: 'BR-E-10: An exempt line (E) gives the reason for the exemption (a text or a VATEX code)' },
          ])
        : undefined,
    );
    const { router } = render(accountant);
    await userEvent.click(await screen.findByRole('button', { name: 'Issue invoice' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The invoice was not issued.');
    expect(alert).toHaveTextContent('3 rules are not met');
    expect(alert).toHaveTextContent('BR-E-10');
    // No settings:manage: no link to the settings, a word on who can fix it.
    expect(within(alert).queryByRole('link', { name: 'Go to the company settings' })).not.toBeInTheDocument();
    expect(alert).toHaveTextContent('An administrator can set this in the company settings.');
    expect(within(alert).getByRole('link', { name: 'Go to the customer Acme Ltd' })).toHaveAttribute('href', '/customers/c1#billing_address.line1');
    await userEvent.click(within(alert).getByRole('link', { name: 'Edit the draft invoice' }));
    expect(router.state.location.pathname).toBe('/invoices/inv1/edit');
    expect((router.state.location.state as { einvoiceErrors: unknown[] }).einvoiceErrors).toHaveLength(3);
  });

  it('shows the buyer reference and the purchase order', async () => {
    serve(() => issued({ buyer_reference: '991-12345-67', purchase_order_reference: 'PO-778' }));
    render(viewer);
    const details = within(await screen.findByRole('region', { name: 'Details' }));
    expect(details.getByText('Buyer reference').nextElementSibling).toHaveTextContent('991-12345-67');
    expect(details.getByText('Purchase order').nextElementSibling).toHaveTextContent('PO-778');
  });
});
