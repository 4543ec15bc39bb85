import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

export interface FieldProps {
  label: ReactNode;
  /** Help shown under the control. */
  hint?: ReactNode;
  /** A sentence explaining what is wrong; marks the control invalid. */
  error?: ReactNode;
  children: (control: ControlProps) => ReactNode;
  className?: string;
}

/** A label, a control, a hint and an error, wired together with ids for assistive tech. */
export function Field({ label, hint, error, children, className }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint ? (
        <div id={hintId} className="field__hint">
          {hint}
        </div>
      ) : null}
      {error ? (
        <div id={errorId} className="field__error">
          {error}
        </div>
      ) : null}
    </div>
  );
}

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
}

/** The common case: a labelled text input. */
export function TextField({ label, hint, error, className, ...input }: TextFieldProps) {
  return (
    <Field label={label} hint={hint} error={error} className={className}>
      {(control) => <input className="input" {...control} {...input} />}
    </Field>
  );
}

export interface SelectOption<Value extends string> {
  value: Value;
  label: string;
}

export interface SelectFieldProps<Value extends string> {
  label: ReactNode;
  hint?: ReactNode;
  value: Value;
  options: readonly SelectOption<Value>[];
  /** Called with the chosen option's value. */
  onChange: (value: Value) => void;
  disabled?: boolean;
}

/** A labelled select over a list of options. */
export function SelectField<Value extends string>({ label, hint, value, options, onChange, disabled }: SelectFieldProps<Value>) {
  return (
    <Field label={label} hint={hint}>
      {(control) => (
        // The value is always one of `options`, so it has their type.
        <select className="select" {...control} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as Value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
