import { describe, expect, it } from 'vitest';

import { ApiError, errorMessage, fieldErrors, parseRetryAfter, unwrap } from './problem';

const problem = (status: number, kind: string, extra: object = {}) =>
  new ApiError(status, { type: `/problems/${kind}`, title: 'T', status, detail: 'Server detail.', ...extra });

describe('problems', () => {
  it('turns field errors into a record by field', () => {
    const e = problem(422, 'validation', {
      errors: [
        { field: 'email', message: 'must be an email address' },
        { field: 'lines[0].quantity', message: 'must be positive' },
        { field: 'email', message: 'second message' },
      ],
    });
    expect(fieldErrors(e)).toEqual({ email: 'must be an email address', 'lines[0].quantity': 'must be positive' });
    expect(fieldErrors(new Error('x'))).toEqual({});
  });

  it('says known problems in words', () => {
    expect(errorMessage(problem(401, 'invalid-credentials'))).toBe('The email or password is wrong.');
    expect(errorMessage(problem(403, 'account-pending'))).toMatch(/approval/);
    expect(errorMessage(problem(403, 'account-deactivated'))).toMatch(/deactivated/);
  });

  it('includes Retry-After when throttled', () => {
    const e = new ApiError(429, { type: '/problems/too-many-attempts', title: 'T', status: 429, detail: 'd' }, 30);
    expect(errorMessage(e)).toMatch(/Try again in 30 seconds/);
    expect(errorMessage(new ApiError(429, null, 120))).toBe('Too many requests. Try again in 2 minutes.');
  });

  it('never shows internals of a server error, nor raw JSON', () => {
    expect(errorMessage(problem(500, 'internal'))).toBe('Something went wrong on the server. Try again in a moment.');
    expect(errorMessage(new ApiError(502, null))).not.toMatch(/[{}]/);
  });

  it('falls back to the detail of other 4xx problems', () => {
    expect(errorMessage(problem(409, 'sku-taken'))).toBe('Server detail.');
  });

  it('explains network and unexpected failures', () => {
    expect(errorMessage(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
    expect(errorMessage('boom')).toBe('Something unexpected went wrong. Try again.');
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });

  it('unwrap throws an ApiError with the problem and Retry-After', async () => {
    const response = new Response('{}', { status: 429, headers: { 'Retry-After': '5' } });
    const body = { type: '/problems/rate-limited', title: 'Too many requests', status: 429, detail: 'Slow down.' };
    const err = await unwrap(Promise.resolve({ error: body, response })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('rate-limited');
    expect((err as ApiError).retryAfter).toBe(5);
  });
});
