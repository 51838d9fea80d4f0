// The browser session, outside React: the access token (memory only), its refresh, and the
// coordination of several tabs.
//
// The refresh token never reaches JavaScript: login, its second step, refresh and password
// change send `X-Refresh-Cookie: 1`, so the server sets it as the HttpOnly cookie
// `erp_refresh` (Path=/api/v1/auth). Refresh and logout by cookie need
// `X-Requested-With: erp` (else 403 `csrf`).
//
// Several tabs share one cookie, and refresh rotates it: the server treats a refresh with an
// already-rotated token as theft and revokes the whole session. So refreshes are serialised
// across tabs with the Web Lock `erp-refresh`, and a tab that gets new tokens broadcasts the
// access token and its expiry on the BroadcastChannel `erp-session`; a tab waiting for the lock
// that receives a fresh token in the meantime uses it instead of refreshing. Inside one tab,
// concurrent callers share one refresh. Each tab holds the shared Web Lock `erp-tab` while it
// is open, so a new tab that finds none held (the usual case: one tab) refreshes at once
// instead of waiting for an answer from other tabs.
import createClient from 'openapi-fetch';

import { ApiError } from '../api/problem';
import type { paths } from '../api/schema';
import type { Schema } from '../api/types';

export type TokenAnswer = Schema<'TokenResponse'> | Schema<'MfaTokens'>;
export type MfaChallenge = Schema<'MfaChallenge'>;
export type MfaSetup = Schema<'MfaSetup'>;
/** A TOTP code or a recovery code. */
export type SecondFactor = { code: string } | { recovery_code: string };

export type SessionStatus = 'loading' | 'anonymous' | 'signed-in';

/** What `signIn` answers when the password was right. */
export type SignInResult =
  | { kind: 'signed-in' }
  /** A second factor is needed: `step` `totp` asks for a code, `setup` for setting one up first. */
  | { kind: 'second-factor'; step: Schema<'MfaStep'>; challenge: string; expiresIn: number; detail: string };

type Message =
  | { type: 'token'; token: string; expiresAt: number; newLogin: boolean }
  | { type: 'signed-out' }
  | { type: 'request' };

export interface SessionEvents {
  /** The status changed (also on a new sign-in in another tab: `newLogin`). */
  onChange?: (status: SessionStatus, info: { newLogin: boolean }) => void;
}

/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;
/** How long a new tab waits for another tab to hand it a token before refreshing itself. */
const PEER_WAIT_MS = 150;
/** The shared Web Lock every open tab holds (its presence tells a new tab to ask them). */
const TAB_LOCK = 'erp-tab';

const COOKIE_HEADERS = { 'X-Refresh-Cookie': '1' } as const;
const CSRF_HEADERS = { 'X-Requested-With': 'erp', 'X-Refresh-Cookie': '1' } as const;

export interface SessionDeps {
  now?: () => number;
  /** `query` is optional: without it a new tab always waits for the other tabs' answer. */
  locks?: (Pick<LockManager, 'request'> & Partial<Pick<LockManager, 'query'>>) | null;
  channel?: Pick<BroadcastChannel, 'postMessage' | 'close'> & {
    onmessage: ((ev: MessageEvent) => void) | null;
  } | null;
  baseUrl?: string;
}

function defaultChannel(): SessionDeps['channel'] {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel('erp-session') : null;
}

function defaultLocks(): SessionDeps['locks'] {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

export class BrowserSession {
  private token: string | null = null;
  private expiresAt = 0;
  private status: SessionStatus = 'loading';
  private inflight: Promise<boolean> | null = null;
  private starting: Promise<void> | null = null;
  private markSent: () => void = () => undefined;
  /** Resolves once start() has sent its refresh request, or has none to send yet (it waits
   * for another tab's token, or is done): src/main.tsx lets this happen before it loads React,
   * which then keeps the main thread busy for a while. */
  readonly sent: Promise<void> = new Promise((resolve) => (this.markSent = resolve));
  /** Resolves the wait for another tab's token when one arrives. */
  private peerAnswered: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private listeners = new Set<NonNullable<SessionEvents['onChange']>>();
  private readonly now: () => number;
  private readonly locks: SessionDeps['locks'];
  private readonly channel: SessionDeps['channel'];
  private readonly auth;

  constructor(deps: SessionDeps = {}) {
    this.now = deps.now ?? (() => Date.now());
    this.locks = deps.locks === undefined ? defaultLocks() : deps.locks;
    this.channel = deps.channel === undefined ? defaultChannel() : deps.channel;
    // Late-bound fetch so tests can stub it; no auth middleware here (these calls are the auth).
    this.auth = createClient<paths>({
      baseUrl: deps.baseUrl ?? globalThis.location?.origin ?? '',
      fetch: (request: Request) => globalThis.fetch(request),
      credentials: 'same-origin',
    });
    if (this.channel) this.channel.onmessage = (ev) => this.receive(ev.data as Message);
  }

  /** The current access token (memory only), or null. */
  accessToken(): string | null {
    return this.token;
  }

  getStatus(): SessionStatus {
    return this.status;
  }

  subscribe(listener: NonNullable<SessionEvents['onChange']>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** On app start: take a token from another tab, or restore the session from the cookie.
   * Called once per page (later calls share the first): by src/boot.ts before React loads. */
  start(): Promise<void> {
    this.starting ??= this.restore();
    return this.starting;
  }

  private async restore(): Promise<void> {
    try {
      await this.restoreNow();
    } finally {
      this.markSent();
    }
  }

  private async restoreNow(): Promise<void> {
    if (this.status !== 'loading') return;
    // Whether other tabs are open, and the refresh lock, asked for at the same time (each a
    // round trip to the browser, slow while the page loads): with other tabs, wait for their
    // answer before refreshing (holding the lock, so no tab refreshes meanwhile).
    const others = this.channel ? this.otherTabsOpen() : Promise.resolve(false);
    const ok = await this.refresh(null, async () => {
      if (!(await others)) return;
      this.markSent();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PEER_WAIT_MS);
        this.peerAnswered = () => {
          clearTimeout(timer);
          resolve();
        };
        this.post({ type: 'request' });
      });
      this.peerAnswered = null;
    });
    if (!ok && this.status === 'loading') this.setStatus('anonymous');
  }

  /** Whether another tab of the app is open (true when it cannot tell); from then on this
   * tab holds its share of `erp-tab` while it is shown. */
  private async otherTabsOpen(): Promise<boolean> {
    const locks = this.locks;
    if (!locks?.query) return true;
    let others = true;
    try {
      const { held = [] } = await locks.query();
      others = held.some((lock) => lock.name === TAB_LOCK);
    } catch {
      // Unknown: ask them.
    }
    this.holdTabLock(locks);
    return others;
  }

  private holdTabLock(locks: Pick<LockManager, 'request'>): void {
    let release: (() => void) | null = null;
    const hold = () => {
      locks
        .request(TAB_LOCK, { mode: 'shared' }, () => new Promise<void>((resolve) => (release = resolve)))
        .catch(() => undefined);
    };
    hold();
    if (typeof addEventListener !== 'function') return;
    // A held lock keeps the page out of the back/forward cache: let go while it is hidden.
    addEventListener('pagehide', () => {
      release?.();
      release = null;
    });
    addEventListener('pageshow', (e) => {
      if (e.persisted) hold();
    });
  }

  /** The password step. Throws `ApiError` (wrong password, throttled, pending, deactivated...). */
  async signIn(email: string, password: string): Promise<SignInResult> {
    const { data, error, response } = await this.auth.POST('/api/v1/auth/login', {
      body: { email, password },
      headers: COOKIE_HEADERS,
    });
    if (!response.ok || !data) throw ApiError.fromResponse(response, error);
    if ('challenge' in data) {
      return {
        kind: 'second-factor',
        step: data.mfa,
        challenge: data.challenge,
        expiresIn: data.expires_in,
        detail: data.detail,
      };
    }
    this.accept(data, true);
    return { kind: 'signed-in' };
  }

  /** A `setup` challenge: a new secret for the authenticator app (then `completeSecondFactor`). */
  async startSecondFactorSetup(challenge: string): Promise<MfaSetup> {
    const { data, error, response } = await this.auth.POST('/api/v1/auth/login/mfa/setup', {
      body: { challenge },
    });
    if (!response.ok || !data) throw ApiError.fromResponse(response, error);
    return data;
  }

  /** The second step. Answers the recovery codes after a setup at login (show them once). */
  async completeSecondFactor(challenge: string, factor: SecondFactor): Promise<{ recoveryCodes: string[] }> {
    const { data, error, response } = await this.auth.POST('/api/v1/auth/login/mfa', {
      body: { challenge, ...factor },
      headers: COOKIE_HEADERS,
    });
    if (!response.ok || !data) throw ApiError.fromResponse(response, error);
    this.accept(data, true);
    return { recoveryCodes: data.recovery_codes ?? [] };
  }

  /** Change the password: every session ends and this one continues with new tokens. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.ensureFresh();
    const { data, error, response } = await this.auth.POST('/api/v1/auth/password', {
      body: { current_password: currentPassword, new_password: newPassword },
      headers: { ...COOKIE_HEADERS, Authorization: `Bearer ${this.token ?? ''}` },
    });
    if (!response.ok || !data) throw ApiError.fromResponse(response, error);
    this.accept(data, false);
  }

  /** Sign out here and in every other tab. */
  async signOut(): Promise<void> {
    try {
      await this.auth.POST('/api/v1/auth/logout', { body: {}, headers: CSRF_HEADERS });
    } catch {
      // Offline: the session still ends here; the cookie's session expires on its own.
    }
    this.post({ type: 'signed-out' });
    this.clear();
  }

  /**
   * After a 401 with `usedToken`: true when a fresh token is available (one refresh shared by
   * every concurrent caller; nothing at all when another call already replaced the token).
   */
  async recoverFrom401(usedToken: string | null): Promise<boolean> {
    if (this.token && this.token !== usedToken && this.validFor() > 0) return true;
    return this.refresh(usedToken);
  }

  /** Refresh once for all concurrent callers of this tab, serialised with the other tabs
   * (`first` runs once the lock is held, before deciding). */
  refresh(staleToken: string | null = this.token, first?: () => Promise<void>): Promise<boolean> {
    if (!this.inflight) {
      this.inflight = this.withLock(async () => {
        await first?.();
        // Another tab refreshed while we waited for the lock: its token reached us already.
        if (this.token && this.token !== staleToken && this.validFor() > REFRESH_MARGIN_MS) return true;
        return this.refreshNow();
      }).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async refreshNow(): Promise<boolean> {
    let response: Response;
    let data: TokenAnswer | undefined;
    try {
      const sending = this.auth.POST('/api/v1/auth/refresh', { body: {}, headers: CSRF_HEADERS });
      this.markSent();
      const answer = await sending;
      response = answer.response;
      data = answer.data;
    } catch {
      // Network failure: keep what we have; the next call or timer tries again.
      if (this.status === 'signed-in') this.schedule(30_000);
      return false;
    }
    if (response.ok && data) {
      this.accept(data, false);
      return true;
    }
    if (response.status === 401 || response.status === 403) {
      // The session is gone (expired, revoked, password changed) for every tab.
      if (this.status !== 'loading') this.post({ type: 'signed-out' });
      this.clear();
    } else if (this.status === 'signed-in') {
      this.schedule(30_000);
    }
    return false;
  }

  private async ensureFresh(): Promise<void> {
    if (this.validFor() <= REFRESH_MARGIN_MS) await this.refresh();
  }

  private validFor(): number {
    return this.token ? this.expiresAt - this.now() : 0;
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.locks) return fn();
    return this.locks.request('erp-refresh', { mode: 'exclusive' }, fn) as Promise<T>;
  }

  private accept(answer: TokenAnswer, newLogin: boolean): void {
    const expiresAt = this.now() + answer.expires_in * 1000;
    this.setToken(answer.access_token, expiresAt, newLogin);
    this.post({ type: 'token', token: answer.access_token, expiresAt, newLogin });
  }

  private setToken(token: string, expiresAt: number, newLogin: boolean): void {
    this.token = token;
    this.expiresAt = expiresAt;
    this.schedule(Math.max(5_000, expiresAt - this.now() - REFRESH_MARGIN_MS));
    this.setStatus('signed-in', newLogin);
  }

  private clear(): void {
    this.token = null;
    this.expiresAt = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.setStatus('anonymous');
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delay);
  }

  private setStatus(status: SessionStatus, newLogin = false): void {
    if (status === this.status && !newLogin) return;
    this.status = status;
    for (const listener of this.listeners) listener(status, { newLogin });
  }

  private post(message: Message): void {
    this.channel?.postMessage(message);
  }

  private receive(message: Message): void {
    switch (message.type) {
      case 'token':
        // A newer token (issued in the same millisecond counts: it is another token).
        if (message.newLogin || (message.token !== this.token && message.expiresAt >= this.expiresAt)) {
          this.setToken(message.token, message.expiresAt, message.newLogin);
        }
        this.peerAnswered?.();
        break;
      case 'signed-out':
        this.clear();
        break;
      case 'request':
        if (this.token && this.validFor() > REFRESH_MARGIN_MS) {
          this.post({ type: 'token', token: this.token, expiresAt: this.expiresAt, newLogin: false });
        }
        break;
    }
  }

  /** Stops timers and the channel (tests). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.channel?.close();
    this.listeners.clear();
  }
}

/** The app's one session. */
export const session = new BrowserSession();
