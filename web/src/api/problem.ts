// Failures as people read them. The API answers errors as application/problem+json
// (`ProblemBody`: type `/problems/<kind>`, title, status, detail, errors?[{field, message}]).
import type { FieldError, ProblemBody } from './types';

/** A failed API call: the problem the server answered (or what we know of it). */
export class ApiError extends Error {
  /** HTTP status (0 when there was no usable answer). */
  readonly status: number;
  /** The problem kind without the `/problems/` prefix, e.g. `invalid-credentials`. */
  readonly kind: string;
  readonly title: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];
  /** Seconds to wait, from `Retry-After` (429, 503), when the server sent one. */
  readonly retryAfter: number | null;

  constructor(status: number, body: Partial<ProblemBody> | null, retryAfter: number | null = null) {
    super(body?.detail ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.kind = (body?.type ?? '').replace(/^\/problems\//, '') || `http-${status}`;
    this.title = body?.title ?? '';
    this.detail = body?.detail ?? '';
    this.fieldErrors = Array.isArray(body?.errors) ? body.errors : [];
    this.retryAfter = retryAfter;
  }

  /** Builds the error of a non-2xx response from its (already parsed) body. */
  static fromResponse(response: Response, body: unknown): ApiError {
    return new ApiError(response.status, isProblemBody(body) ? body : null, parseRetryAfter(response.headers.get('Retry-After')));
  }
}

export function isProblemBody(value: unknown): value is ProblemBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { status?: unknown }).status === 'number'
  );
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The result of an openapi-fetch call: its data, or a thrown `ApiError`. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.fromResponse(response, error);
  return data as T;
}

/** Like `unwrap`, with the response's `ETag` (send it back as `If-Match` to change the record). */
export async function unwrapTagged<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T; etag: string }> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.fromResponse(response, error);
  return { data: data as T, etag: response.headers.get('ETag') ?? '' };
}

function waitPhrase(seconds: number | null): string {
  if (seconds === null) return 'Wait a few minutes and try again.';
  if (seconds < 90) return `Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `Try again in ${minutes} minutes.`;
}

const MESSAGES: Record<string, (e: ApiError) => string> = {
  'invalid-credentials': () => 'The email or password is wrong.',
  'too-many-attempts': (e) =>
    `Too many sign-in attempts from your network. ${waitPhrase(e.retryAfter)} You can also reset your password or ask an administrator to unlock your account.`,
  'account-pending': () => 'Your account is waiting for an administrator’s approval.',
  'account-rejected': () => 'Your registration was rejected. Contact an administrator if you think this is a mistake.',
  'account-deactivated': () => 'Your account is deactivated. Contact an administrator to reactivate it.',
  'invalid-mfa-code': () => 'The code is wrong, expired or already used. Enter the current code from your authenticator app.',
  'invalid-challenge': () => 'This sign-in took too long. Sign in again with your email and password.',
  'mfa-setup-required': () => 'Administrators must use two-factor sign-in. Sign in again with your password to set it up.',
  'wrong-password': () => 'The current password is wrong.',
  unauthenticated: () => 'Your session has ended. Sign in again.',
  csrf: () => 'The request was refused for your security. Reload the page and try again.',
  'not-found': () => 'This item was not found. It may have been removed.',
  'concurrent-update': () => 'Someone else changed the same data at the same moment. Try again.',
  validation: () => 'Some fields need your attention.',
};

/** A sentence a person understands for any failure: a problem, a network error, or anything else. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const known = MESSAGES[error.kind];
    if (known) return known(error);
    switch (error.status) {
      case 403:
        return 'You are not allowed to do this.';
      case 404:
        return 'This item was not found. It may have been removed.';
      case 412:
        return 'Someone else changed this record since you opened it. Reload it and make your change again.';
      case 428:
        return 'This change needs the record’s current version. Reload it and try again.';
      case 413:
        return 'What you sent is too large.';
      case 429:
        return `Too many requests. ${waitPhrase(error.retryAfter)}`;
    }
    if (error.status >= 500 || error.status === 0) {
      return 'Something went wrong on the server. Try again in a moment.';
    }
    // The API's details are written for people (4xx only; 5xx never carry internals).
    return error.detail || 'The request could not be completed.';
  }
  if (error instanceof TypeError) {
    return 'The server could not be reached. Check your connection and try again.';
  }
  return 'Something unexpected went wrong. Try again.';
}

/** Field errors of a 422 as `{ [field]: message }` (the first message of each field wins). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const { field, message } of error.fieldErrors) {
    if (!(field in out)) out[field] = message;
  }
  return out;
}
