import type { InputHTMLAttributes, Ref } from 'react';

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  id: string;
  label: string;
  error?: string;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input whose error is announced and tied to it with aria-describedby. */
export function TextField({ id, label, error, ref, ...input }: TextFieldProps) {
  const errorId = `${id}-error`;
  return (
    <div className="att-field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        {...input}
      />
      {/* Always rendered so an appearing message does not shift the page. */}
      <p id={errorId} className="att-field-error" aria-live="polite">
        {error}
      </p>
    </div>
  );
}
