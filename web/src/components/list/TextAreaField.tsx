import { useId, type TextareaHTMLAttributes } from 'react';

/** A multi-line text field like the ones in components/fields.tsx (label, hint, error). */
export function TextAreaField({
  label, name, error, hint, required, ...rest
}: { label: string; name: string; error?: string | undefined; hint?: string } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'name' | 'id'>) {
  const id = `${useId()}-${name.replace(/[^\w-]/g, '_')}`;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="field-required"> (required)</span> : null}
      </label>
      {hint ? <p className="field-hint" id={`${id}-hint`}>{hint}</p> : null}
      <textarea {...rest} id={id} name={name} required={required} aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
      {error ? <p className="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}
