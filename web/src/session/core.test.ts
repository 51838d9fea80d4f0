import { afterEach, describe, expect, it, vi } from 'vitest';

import { createApiClient } from '../api/client';
import { jsonResponse, mockFetch } from '../test/utils';
import { BrowserSession, type SessionDeps } from './core';

const BASE = 'http://localhost:3000';
const tokens = (access: string) => ({ access_token: access, token_type: 'Bearer', expires_in: 900 });
const unauthenticated = () =>
  jsonResponse({ type: '/problems/unauthenticated', title: 'Authentication required', status: 401, detail: 'x' }, 401);

/** A Web Locks stand-in: one holder at a time, in order. */
function fakeLocks(): NonNullable<SessionDeps['locks']> {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    request: ((_name: string, _options: LockOptions, fn: () => Promise<unknown>) => {
      const run = chain.then(() => fn());
      chain = run.catch(() => undefined);
      return run;
    }) as unknown as LockManager['request'],
  };
}

/** Web Locks shared by several tabs that also answer `query()` (which locks are held). */
function sharedLocks(): NonNullable<SessionDeps['locks']> {
  const held: { name: string }[] = [];
  const exclusive = fakeLocks();
  return {
    request: ((name: string, options: LockOptions, fn: () => Promise<unknown>) => {
      if (options.mode !== 'shared') return exclusive.request(name, options, fn);
      const lock = { name };
      held.push(lock);
      return fn().finally(() => held.splice(held.indexOf(lock), 1));
    }) as unknown as LockManager['request'],
    query: async () => ({ held: held.map((l) => ({ ...l, mode: 'shared' as const })), pending: [] }),
  };
}

/** BroadcastChannels of several tabs (delivered to the others, like the real one). */
function fakeBus() {
  type Ch = NonNullable<SessionDeps['channel']>;
  const members = new Set<Ch>();
  return (): Ch => {
    const ch: Ch = {
      onmessage: null,
      postMessage(data: unknown) {
        for (const m of members) if (m !== ch) m.onmessage?.({ data } as MessageEvent);
      },
      close() {
        members.delete(ch);
      },
    };
    members.add(ch);
    return ch;
  };
}

const sessions: BrowserSession[] = [];
function tab(deps: SessionDeps = {}) {
  const s = new BrowserSession({ baseUrl: BASE, locks: null, channel: null, ...deps });
  sessions.push(s);
  return s;
}
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

async function signedIn(s: BrowserSession, access = 'old') {
  const fetch = mockFetch((r) => (r.url.endsWith('/auth/login') ? jsonResponse(tokens(access)) : undefined));
  await s.signIn('ada@example.com', 'pw');
  fetch.mockClear();
}

describe('browser session', () => {
  it('asks for the refresh cookie on login and sends the anti-CSRF header on refresh', async () => {
    const s = tab();
    const seen: Request[] = [];
    mockFetch((r) => {
      seen.push(r);
      return jsonResponse(tokens(r.url.endsWith('/login') ? 'a1' : 'a2'));
    });
    await s.signIn('ada@example.com', 'pw');
    expect(s.accessToken()).toBe('a1');
    expect(await s.refresh()).toBe(true);
    expect(s.accessToken()).toBe('a2');
    expect(seen[0]?.headers.get('X-Refresh-Cookie')).toBe('1');
    expect(seen[1]?.headers.get('X-Requested-With')).toBe('erp');
    expect(seen[1]?.headers.get('X-Refresh-Cookie')).toBe('1');
  });

  it('answers a second-factor challenge instead of tokens', async () => {
    const s = tab();
    mockFetch(() => jsonResponse({ mfa: 'totp', challenge: 'c1', expires_in: 300, detail: 'Enter the code.' }));
    await expect(s.signIn('ada@example.com', 'pw')).resolves.toEqual({
      kind: 'second-factor', step: 'totp', challenge: 'c1', expiresIn: 300, detail: 'Enter the code.',
    });
    expect(s.getStatus()).toBe('loading');
    expect(s.accessToken()).toBeNull();
  });

  it('refreshes once for concurrent 401s and retries each request once', async () => {
    const s = tab();
    await signedIn(s);
    const api = createApiClient(s, BASE);
    let refreshes = 0;
    const fetch = mockFetch(async (r) => {
      if (r.url.endsWith('/auth/refresh')) {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return jsonResponse(tokens('new'));
      }
      if (r.headers.get('Authorization') !== 'Bearer new') return unauthenticated();
      return jsonResponse({ id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'admin', permissions: [] });
    });
    const answers = await Promise.all([1, 2, 3].map(() => api.GET('/api/v1/auth/me')));
    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200]);
    expect(refreshes).toBe(1);
    expect(fetch).toHaveBeenCalledTimes(7);
  });

  it('retries only once, and keeps the body of a retried POST', async () => {
    const s = tab();
    await signedIn(s);
    const api = createApiClient(s, BASE);
    const bodies: string[] = [];
    mockFetch(async (r) => {
      if (r.url.endsWith('/auth/refresh')) return jsonResponse(tokens('new'));
      bodies.push(await r.text());
      return unauthenticated();
    });
    const { response } = await api.POST('/api/v1/auth/reauth', { body: { password: 'pw' } });
    expect(response.status).toBe(401);
    expect(bodies).toEqual(['{"password":"pw"}', '{"password":"pw"}']);
  });

  it('signs out when the refresh is refused', async () => {
    const s = tab();
    await signedIn(s);
    mockFetch(() => unauthenticated());
    const api = createApiClient(s, BASE);
    const { response } = await api.GET('/api/v1/auth/me');
    expect(response.status).toBe(401);
    expect(s.getStatus()).toBe('anonymous');
    expect(s.accessToken()).toBeNull();
  });

  it('lets another tab use the token of a refresh it waited for, instead of refreshing again', async () => {
    const channel = fakeBus();
    const locks = fakeLocks();
    const a = tab({ channel: channel(), locks });
    const b = tab({ channel: channel(), locks });
    await signedIn(a);
    let refreshes = 0;
    mockFetch(() => {
      refreshes += 1;
      return jsonResponse(tokens(`t${refreshes}`));
    });
    const [ra, rb] = await Promise.all([a.refresh(), b.refresh()]);
    expect([ra, rb]).toEqual([true, true]);
    expect(refreshes).toBe(1);
    expect(b.accessToken()).toBe('t1');
    expect(b.getStatus()).toBe('signed-in');
  });

  it('a new tab takes the token of an open tab instead of refreshing', async () => {
    const channel = fakeBus();
    const a = tab({ channel: channel(), locks: fakeLocks() });
    await signedIn(a, 'shared');
    const fetch = mockFetch(() => jsonResponse(tokens('rotated')));
    const b = tab({ channel: channel(), locks: fakeLocks() });
    await b.start();
    expect(b.accessToken()).toBe('shared');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('a tab alone refreshes at once, without waiting for other tabs to answer', async () => {
    vi.useFakeTimers();
    try {
      const fetch = mockFetch(() => jsonResponse(tokens('t1')));
      const a = tab({ channel: fakeBus()(), locks: sharedLocks() });
      // With fake timers, a wait for other tabs would never end.
      await a.start();
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(a.accessToken()).toBe('t1');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a new tab asks the open tabs first, and takes the token as soon as one answers', async () => {
    const channel = fakeBus();
    const locks = sharedLocks();
    const a = tab({ channel: channel(), locks });
    mockFetch(() => jsonResponse(tokens('shared')));
    await a.start();
    const fetch = mockFetch(() => jsonResponse(tokens('rotated')));
    const b = tab({ channel: channel(), locks });
    const started = Date.now();
    await b.start();
    expect(b.accessToken()).toBe('shared');
    expect(fetch).not.toHaveBeenCalled();
    expect(Date.now() - started).toBeLessThan(150);
  });

  it('starts once however often it is asked to', async () => {
    const fetch = mockFetch(() => jsonResponse(tokens('t1')));
    const a = tab();
    await Promise.all([a.start(), a.start()]);
    await a.start();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('signs out every tab', async () => {
    const channel = fakeBus();
    const a = tab({ channel: channel() });
    const b = tab({ channel: channel() });
    await signedIn(a);
    expect(b.getStatus()).toBe('signed-in');
    const seenByB: string[] = [];
    b.subscribe((status) => seenByB.push(status));
    const fetch = mockFetch(() => new Response(null, { status: 204 }));
    await a.signOut();
    const logout = fetch.mock.calls[0]?.[0] as Request;
    expect(new URL(logout.url).pathname).toBe('/api/v1/auth/logout');
    expect(logout.headers.get('X-Requested-With')).toBe('erp');
    expect(a.getStatus()).toBe('anonymous');
    expect(b.getStatus()).toBe('anonymous');
    expect(b.accessToken()).toBeNull();
    expect(seenByB).toEqual(['anonymous']);
  });
});
