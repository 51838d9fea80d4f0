import { useState } from 'react';

import { effectiveTheme, setTheme } from '../theme';

/** A toggle button for the dark theme (starts from the system preference; remembered). */
export function ThemeToggle() {
  const [theme, setState] = useState(effectiveTheme);
  const dark = theme === 'dark';
  return (
    <button
      type="button"
      className="button button-quiet"
      aria-pressed={dark}
      onClick={() => {
        const next = dark ? 'light' : 'dark';
        setTheme(next);
        setState(next);
      }}
    >
      Dark theme
    </button>
  );
}
