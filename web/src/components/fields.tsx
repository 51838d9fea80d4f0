// Form controls: every control has a real <label>; an error is linked with aria-describedby
// and marks the control aria-invalid. `name` doubles as the id stem and should be the API's
// field name (`email`, `lines[0].quantity`) so `fieldErrors(error)[name]` lines up.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface FieldProps {
  label: ReactNode;
  name: string;
  /** The message shown under the control (and announced with it). */
  error?: string | undefined;
  /** Help text shown under the label. */
  hint?: ReactNode;
}

function useFieldIds(name: string, error: string | undefined, hint: ReactNode) {
  const id = `${useId()}-${name.replace(/[^\w-]/g, '_')}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return { id, errorId, hintId, describedBy };
}

function FieldFrame({
  id, label, hint, hintId, error, errorId, children, required,
}: {
  id: string; label: ReactNode; hint: ReactNode; hintId: string; error: string | undefined; errorId: string;
  children: ReactNode; required?: boolean | undefined;
}) {
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="field-required"> (required)</span> : null}
      </label>
      {hint ? <p className="field-hint" id={hintId}>{hint}</p> : null}
      {children}
      {error ? <p className="field-error" id={errorId}>{error}</p> : null}
    </div>
  );
}

export type TextFieldProps = FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'id'>;

export function TextField({ label, name, error, hint, type = 'text', required, ...input }: TextFieldProps) {
  const ids = useFieldIds(name, error, hint);
  return (
    <FieldFrame {...ids} label={label} hint={hint} error={error} required={required}>
      <input
        {...input}
        id={ids.id}
        name={name}
        type={type}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
      />
    </FieldFrame>
  );
}

/**
 * A number typed in the locale's way ("1,5" in de-DE). The value stays the typed text: parse
 * it with `useFormat().parseDecimal` / `parseMoney` when submitting.
 */
export function NumberField({ inputMode = 'decimal', ...props }: Omit<TextFieldProps, 'type'>) {
  return <TextField {...props} type="text" inputMode={inputMode} autoComplete={props.autoComplete ?? 'off'} />;
}

export type SelectFieldProps = FieldProps &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name' | 'id'> & {
    options: ReadonlyArray<{ value: string; label: string }>;
  };

export function SelectField({ label, name, error, hint, options, required, ...select }: SelectFieldProps) {
  const ids = useFieldIds(name, error, hint);
  return (
    <FieldFrame {...ids} label={label} hint={hint} error={error} required={required}>
      <select
        {...select}
        id={ids.id}
        name={name}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

export type CheckboxProps = FieldProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'id' | 'type'>;

export function Checkbox({ label, name, error, hint, ...input }: CheckboxProps) {
  const ids = useFieldIds(name, error, hint);
  return (
    <div className={error ? 'field field-check field-invalid' : 'field field-check'}>
      <input
        {...input}
        id={ids.id}
        name={name}
        type="checkbox"
        aria-invalid={error ? true : undefined}
        aria-describedby={ids.describedBy}
      />
      <label htmlFor={ids.id}>{label}</label>
      {hint ? <p className="field-hint" id={ids.hintId}>{hint}</p> : null}
      {error ? <p className="field-error" id={ids.errorId}>{error}</p> : null}
    </div>
  );
}
