// Light and dark themes: the system preference unless the user picked one (localStorage
// `erp-theme`). Imported first by main.tsx (a module script: the CSP allows no inline script).
export type ThemeChoice = 'light' | 'dark' | 'system';

const KEY = 'erp-theme';

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function systemTheme(): 'light' | 'dark' {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function effectiveTheme(choice: ThemeChoice = storedTheme()): 'light' | 'dark' {
  return choice === 'system' ? systemTheme() : choice;
}

/** Sets `data-theme` on <html> (removed for `system`, so the CSS media query decides). */
export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
  applyTheme(choice);
}

applyTheme(storedTheme());
