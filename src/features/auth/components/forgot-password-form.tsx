import { useState, type FormEvent, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { useRequestPasswordReset } from '../api/request-password-reset';

/** Asks for the account's email and sends the reset link; says the same whether the account exists. */
export function ForgotPasswordForm({ footer }: { footer?: ReactNode }) {
  const [email, setEmail] = useState('');
  const request = useRequestPasswordReset();

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate({ email });
  }

  if (request.isSuccess) {
    return (
      <div className="form">
        <h1>Check your email</h1>
        <p role="status">
          If an account exists for <strong>{request.variables.email.trim()}</strong>, we sent it a link to set a new password. The
          link works once, within an hour.
        </p>
        {footer}
      </div>
    );
  }
  return (
    <form className="form" onSubmit={submit} noValidate>
      <h1>Reset your password</h1>
      <p className="muted">Enter the email you sign in with and we will send you a link to set a new password.</p>
      <FormError error={request.error} />
      <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <Button type="submit" variant="primary" loading={request.isPending} disabled={!email}>
        Send reset link
      </Button>
      {footer}
    </form>
  );
}
