import { useEffect, useRef, useState } from 'react';

/**
 * A destructive action asked twice: "Void invoice" → "Void INV-…? [Yes, void] [Cancel]" in
 * place. Escape or Cancel goes back; the focus moves to "Yes" and back to the first button.
 */
export function Confirm({
  label, confirmLabel, question, onConfirm, pending, danger = true,
}: {
  label: string;
  confirmLabel: string;
  question: string;
  onConfirm: () => void;
  pending?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  const cls = danger ? 'button button-danger' : 'button button-primary';
  if (!asking) {
    return (
      <button ref={first} type="button" className={danger ? 'button button-danger' : 'button'} disabled={pending} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="invoices-confirm" role="group" aria-label={question}
      onKeyDown={(e) => { if (e.key === 'Escape') setAsking(false); }}>
      <span className="invoices-confirm-question">{question}</span>
      <button ref={yes} type="button" className={cls} onClick={() => { setAsking(false); onConfirm(); }}>{confirmLabel}</button>
      <button type="button" className="button" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
