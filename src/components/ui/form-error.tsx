import type { ReactNode } from 'react';
import { errorMessage } from '@/lib/errors';

/**
 * A form's alert: `children` when given, otherwise the sentence for `error` (a failed
 * mutation's error, in the words of `src/lib/errors.ts`); nothing while there is neither.
 */
export function FormError({ error, children }: { error?: unknown; children?: ReactNode }) {
  const message = children ?? (error ? errorMessage(error) : null);
  if (message === null || message === undefined || message === false || message === '') return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
