// The invoice's PDF in the page: fetched with the API client as a blob, shown in an <iframe>
// with a blob: URL (the CSP allows frame-src blob:) and offered as a download. The URL is
// revoked when the PDF is replaced or the viewer unmounts.
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';

import { api } from '../../api/client';
import { ApiError } from '../../api/problem';
import { ProblemMessage } from '../../components/ProblemMessage';

export async function fetchPdf(id: string): Promise<Blob> {
  const { data, error, response } = await api.GET('/api/v1/invoices/{id}/pdf', { params: { path: { id } }, parseAs: 'blob' });
  if (!response.ok) {
    let body: unknown = error;
    if (error instanceof Blob) {
      try { body = JSON.parse(await error.text()); } catch { body = null; }
    }
    throw ApiError.fromResponse(response, body);
  }
  return data as Blob;
}

export function PdfViewer({
  invoiceId, title, fileName, heading = 'PDF', actions, messages,
}: {
  invoiceId: string;
  title: string;
  fileName: string;
  heading?: string;
  /** More buttons next to the PDF's (the e-invoice downloads) and their messages. */
  actions?: ReactNode;
  messages?: ReactNode;
}) {
  const [url, setUrl] = useState<string | null>(null);
  const load = useMutation({
    mutationFn: () => fetchPdf(invoiceId),
    onSuccess: (blob) => {
      const pdf = blob.type === 'application/pdf' ? blob : blob.slice(0, blob.size, 'application/pdf');
      setUrl(URL.createObjectURL(pdf));
    },
  });
  // Revoke the previous URL when it is replaced, and the last one on unmount.
  useEffect(() => () => { if (url) URL.revokeObjectURL(url); }, [url]);

  return (
    <section className="card invoices-pdf" aria-labelledby="invoice-pdf-title">
      <h2 id="invoice-pdf-title">{heading}</h2>
      <ProblemMessage problem={load.error} title="The PDF could not be loaded." />
      {messages}
      <div className="button-row">
        <button type="button" className="button" disabled={load.isPending} onClick={() => load.mutate()}>
          {load.isPending ? 'Loading the PDF…' : url ? 'Reload the PDF' : 'Show the PDF'}
        </button>
        {url ? <a className="button" href={url} download={fileName}>Download the PDF</a> : null}
        {actions}
      </div>
      {url ? <iframe className="invoices-pdf-frame" src={url} title={title} /> : null}
    </section>
  );
}
