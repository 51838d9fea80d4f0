import { useEffect } from 'react';
import { useLocation } from 'react-router';

/**
 * A link with a hash (e.g. `/settings#tax_id` or `/customers/c1#billing_address.line1`, from
 * an e-invoice problem) scrolls to the field of that `name` (or the element of that id) and
 * puts the focus on it (or on the element's first field), once `ready`: the page's data has
 * loaded and the target is rendered. It runs again only when the hash changes.
 */
export function useFocusFromHash(ready = true) {
  const { hash } = useLocation();
  useEffect(() => {
    const key = decodeURIComponent(hash.slice(1));
    if (!key || !ready) return;
    const target = document.getElementsByName(key)[0] ?? document.getElementById(key);
    if (!target) return;
    const field = target.matches('input, select, textarea')
      ? target
      : target.querySelector<HTMLElement>('input:not([type="hidden"]), select, textarea');
    target.scrollIntoView?.({ block: 'center' });
    field?.focus({ preventScroll: true });
  }, [hash, ready]);
}
