import { useId, type ButtonHTMLAttributes } from 'react';
import { Spinner } from './spinner';

export type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: 'sm' | 'md';
  /** Shows a spinner and disables the button while an action runs. */
  loading?: boolean;
  /**
   * Why the button is disabled, e.g. "Enter a name first." Shown as its tooltip and
   * read out with it (aria-describedby); ignored while the button is enabled.
   */
  disabledReason?: string;
}

export function Button({
  variant = 'secondary',
  size = 'md',
  loading = false,
  disabled,
  disabledReason,
  className,
  children,
  type = 'button',
  ...rest
}: ButtonProps) {
  const reasonId = useId();
  const classes = ['btn', `btn--${variant}`, size === 'sm' ? 'btn--sm' : '', className ?? ''].filter(Boolean).join(' ');
  const reason = disabled && !loading && disabledReason ? disabledReason : undefined;
  return (
    <>
      <button
        type={type}
        className={classes}
        disabled={disabled || loading}
        aria-busy={loading || undefined}
        title={reason}
        aria-describedby={reason ? reasonId : undefined}
        {...rest}
      >
        {loading ? <Spinner size="sm" label="" /> : null}
        {children}
      </button>
      {reason ? (
        <span id={reasonId} className="visually-hidden">
          {reason}
        </span>
      ) : null}
    </>
  );
}
