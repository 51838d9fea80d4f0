// Saving fetched files (PDF, e-invoices, CSV exports) from the browser.

/** Saves a blob as a file (a download link clicked once; its URL is released afterwards). */
export function saveFile(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
