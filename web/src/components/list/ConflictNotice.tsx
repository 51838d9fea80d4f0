import { useEffect, useRef } from 'react';

import type { FieldChange } from './changes';

/**
 * A 412: someone else saved the record first. Lists what they changed (old → new) and offers
 * to reload; the user's unsaved input stays in the form until they do. Takes the focus.
 */
export function ConflictNotice({
  changes, onReload, loading, what,
}: { changes: FieldChange[] | null; onReload: () => void; loading: boolean; what: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div className="problem list-conflict" role="alert" tabIndex={-1} ref={ref} aria-labelledby="conflict-title">
      <p className="problem-title" id="conflict-title">Someone else saved this {what} while you were editing it.</p>
      <p>Your changes were not saved and are still in the form below. Reload to start from the latest version (your unsaved changes will be replaced).</p>
      {loading ? <p>Loading the latest version…</p> : null}
      {changes && changes.length > 0 ? (
        <>
          <p>They changed:</p>
          <ul className="list-conflict-changes">
            {changes.map((c) => (
              <li key={c.field}>
                <strong>{c.label}</strong>: <span className="list-conflict-old">{c.before || '(empty)'}</span>
                {' → '}
                <span className="list-conflict-new">{c.after || '(empty)'}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {changes && changes.length === 0 ? <p>No field you can edit here differs; reload to get the new version.</p> : null}
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={onReload} disabled={loading}>
          Reload the latest version
        </button>
      </div>
    </div>
  );
}
