// "Download UBL" and "Download CII" of an issued invoice or credit note (next to its PDF):
// fetched with the API client (the bearer token) as a blob and saved under the server's file
// name. A 422 `einvoice-incomplete` lists the rules the document breaks instead.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';

import { api } from '../../api/client';
import { ApiError } from '../../api/problem';
import { EInvoiceProblems, isEInvoiceProblem, type FixContext } from '../../components/einvoice/EInvoiceProblems';
import { ProblemMessage } from '../../components/ProblemMessage';
import type { Invoice } from './invoiceModel';
import { PdfViewer } from './PdfViewer';
import { saveFile } from '../../download';

export type Syntax = 'ubl' | 'cii';
const NAMES: Record<Syntax, string> = { ubl: 'UBL', cii: 'CII' };

async function problemOf(response: Response, error: unknown): Promise<ApiError> {
  let body: unknown = error;
  if (error instanceof Blob) {
    try { body = JSON.parse(await error.text()); } catch { body = null; }
  }
  return ApiError.fromResponse(response, body);
}

/** `attachment; filename="INV-2026-000001.ubl.xml"` → the file name (null without one). */
export function dispositionFileName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) {
    try { return decodeURIComponent(star[1].trim()); } catch { /* the plain name below */ }
  }
  const plain = /filename\s*=\s*"([^"]+)"|filename\s*=\s*([^;\s]+)/i.exec(header);
  const name = plain?.[1] ?? plain?.[2] ?? null;
  // Never a path: the name only.
  return name ? (name.split(/[\\/]/).pop() ?? null) : null;
}

export async function fetchEInvoice(id: string, syntax: Syntax): Promise<{ blob: Blob; fileName: string | null }> {
  const params = { path: { id } };
  const { data, error, response } =
    syntax === 'ubl'
      ? await api.GET('/api/v1/invoices/{id}/ubl', { params, parseAs: 'blob' })
      : await api.GET('/api/v1/invoices/{id}/cii', { params, parseAs: 'blob' });
  if (!response.ok) throw await problemOf(response, error);
  const blob = data as unknown as Blob;
  return {
    blob: blob.type ? blob : blob.slice(0, blob.size, 'application/xml'),
    fileName: dispositionFileName(response.headers.get('Content-Disposition')),
  };
}


/** The PDF viewer of a document, with the e-invoice downloads when it is issued (not void). */
export function DocumentFiles({ invoice, title, fileName, context }: { invoice: Invoice; title: string; fileName: string; context: FixContext }) {
  const [saved, setSaved] = useState('');
  const download = useMutation({
    mutationFn: (syntax: Syntax) => fetchEInvoice(invoice.id, syntax),
    onMutate: () => setSaved(''),
    onSuccess: ({ blob, fileName: name }, syntax) => {
      const file = name ?? `${invoice.number ?? invoice.id}.${syntax}.xml`;
      saveFile(blob, file);
      setSaved(`The ${NAMES[syntax]} e-invoice is downloaded as ${file}.`);
    },
  });
  const einvoice = invoice.status !== 'draft' && invoice.status !== 'void';
  if (!einvoice) return <PdfViewer invoiceId={invoice.id} title={title} fileName={fileName} />;
  const pending = download.isPending ? download.variables : null;
  const failed = download.error;
  return (
    <PdfViewer
      invoiceId={invoice.id}
      title={title}
      fileName={fileName}
      heading="PDF and e-invoice"
      actions={(['ubl', 'cii'] as const).map((syntax) => (
        <button key={syntax} type="button" className="button" disabled={download.isPending} onClick={() => download.mutate(syntax)}>
          {pending === syntax ? `Preparing the ${NAMES[syntax]}…` : `Download ${NAMES[syntax]}`}
        </button>
      ))}
      messages={
        <>
          {isEInvoiceProblem(failed) ? (
            <EInvoiceProblems error={failed} title="The e-invoice could not be made." context={context} />
          ) : (
            <ProblemMessage problem={failed} title="The e-invoice could not be downloaded." />
          )}
          {saved ? <p className="notice invoices-saved" role="status">{saved}</p> : null}
        </>
      }
    />
  );
}
