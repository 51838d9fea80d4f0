// EN 16931 code lists the forms offer: Electronic Address Scheme codes (a selection; the
// server checks the full list) and the VAT categories of a line.

/** Common Electronic Address Scheme (EAS) codes, suggested with a scheme field. */
export const EAS_SUGGESTIONS: ReadonlyArray<{ value: string; label: string }> = [
  { value: '0088', label: 'GLN (Global Location Number)' },
  { value: '0204', label: 'German Leitweg-ID' },
  { value: '9930', label: 'German VAT number' },
  { value: '0009', label: 'French SIRET' },
  { value: '0002', label: 'French SIRENE' },
  { value: '9925', label: 'Belgian VAT number' },
  { value: '0208', label: 'Belgian company number' },
  { value: '0106', label: 'Dutch KvK number' },
  { value: '0190', label: 'Dutch OIN' },
  { value: '0007', label: 'Swedish organisation number' },
  { value: '0192', label: 'Norwegian organisation number' },
  { value: '0184', label: 'Danish CVR number' },
  { value: '0211', label: 'Italian VAT number' },
  { value: '9920', label: 'Spanish VAT number' },
  { value: '9914', label: 'Austrian VAT number' },
  { value: 'EM', label: 'Email address' },
];

/** What a scheme code looks like (4 digits, or letters such as EM); the server checks the list. */
export const EAS_SHAPE = /^[A-Za-z0-9]{2,4}$/;

export type VatCategory = 'S' | 'Z' | 'E' | 'AE' | 'K' | 'G' | 'O';

/** The categories in words: `short` fits the line editor's select, `name` is for sentences. */
export const VAT_CATEGORIES: ReadonlyArray<{ code: VatCategory; short: string; name: string }> = [
  { code: 'S', short: 'S standard', name: 'standard rate' },
  { code: 'Z', short: 'Z zero', name: 'zero rated' },
  { code: 'E', short: 'E exempt', name: 'exempt from VAT' },
  { code: 'AE', short: 'AE reverse', name: 'reverse charge' },
  { code: 'K', short: 'K intra-EU', name: 'intra-community supply' },
  { code: 'G', short: 'G export', name: 'export outside the EU' },
  { code: 'O', short: 'O no VAT', name: 'outside the scope of VAT' },
];

export const isVatCategory = (v: string): v is VatCategory => VAT_CATEGORIES.some((c) => c.code === v);
