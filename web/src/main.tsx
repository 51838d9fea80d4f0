// The app's entry: small and without React, so that it runs as soon as it has loaded, while
// React and the app (src/mount.tsx, preloaded by index.html: see vite.config.ts) are still on
// their way. It applies the theme before the first paint and starts the session restore,
// /auth/me and the page's code and data (src/boot.ts). Once the session restore's request
// is on its way (at most 250 ms of waiting) it sets up Intl for a signed-in page (it will
// show numbers and dates), then evaluates React and the app, in two tasks (React, then the
// router and the app), so that the answer to the session restore can be handled in between
// (it starts /auth/me and the page's query).
import './theme';
import './styles.css';

import { startEarly } from './boot';
import { warmUpIntl } from './format';
import { session } from './session/core';

const signedInPage = startEarly();
const nextTask = () => new Promise((resolve) => setTimeout(resolve));

void Promise.race([session.sent, new Promise((resolve) => setTimeout(resolve, 250))])
  .then(() => (signedInPage ? warmUpIntl() : undefined))
  .then(() => import('react-dom/client'))
  .then(nextTask)
  .then(() => import('./mount'));
