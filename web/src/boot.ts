// The app's start before React: src/main.tsx calls startEarly() first thing, from a small
// script that runs while the browser still downloads React and the app (src/mount.tsx). It
// restores the session from the refresh cookie, then asks for /auth/me and the page's first
// query (`query` in src/routes.tsx) at once, and starts the download of the page's code (the
// router asks for the same modules later and finds them loaded). So the answers and the code
// are there when the app first renders, instead of being asked for one after the other once
// it has. No React and no query cache here: the app takes the answers over with
// takeOverEarlyQueries().
import { loadLayout, matchPage, notFoundPage, publicPages, type PageQuery } from './routes';
import { session } from './session/core';
import { meQuery } from './session/me';

type Query = PageQuery & { staleTime?: number; retry?: false };
type Sink = (query: Query) => void;

const asked: Query[] = [];
let sink: Sink | null = null;

/** Asks now, or hands the query to the app's cache when the app has started already. */
export function askEarly(query: Query): void {
  if (sink) {
    sink(query);
    return;
  }
  // The cache keeps the query function for later fetches (a retry, an invalidation): the
  // early answer serves the first call only.
  let early: Promise<unknown> | null = query.queryFn();
  asked.push({
    ...query,
    queryFn: () => {
      const answer = early ?? query.queryFn();
      early = null;
      return answer;
    },
  });
}

/** The app's cache takes the queries asked for early, and any asked for from now on. */
export function takeOverEarlyQueries(to: Sink): void {
  sink = to;
  for (const query of asked.splice(0)) to(query);
}

let started = false;

/** Starts what the page needs; answers whether it is a signed-in page (not sign-in, password
 * reset, registration). */
export function startEarly(): boolean {
  if (started) return false;
  started = true;
  // First the session (its first step is a round trip to the browser for the refresh lock).
  const restored = session.start();
  const url = new URL(location.href);
  const publicPage = publicPages.find((p) => p.path === url.pathname);
  const entry = publicPage ?? matchPage(url.pathname) ?? notFoundPage;
  void restored.then(() => {
    if (session.getStatus() !== 'signed-in') return;
    askEarly(meQuery);
    // Before /auth/me the permission is not known: a page the user may not see answers 403.
    const query = entry.query?.(url);
    if (query) askEarly(query);
  });
  // A failed download is the router's to report (it asks again).
  if (!publicPage) loadLayout().catch(() => undefined);
  entry.load().catch(() => undefined);
  return !publicPage;
}
