import { useState, type FormEvent, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { useSignIn } from '../api/sign-in';
import { useSignUp } from '../api/sign-up';

/** Sign-in or sign-up with email and password; `onDone` runs once a session exists. */
export function AuthForm({
  mode,
  onDone,
  footer,
  initialEmail = '',
  title,
}: {
  mode: 'sign-in' | 'sign-up';
  onDone: () => void;
  footer?: ReactNode;
  /** Prefilled, e.g. the address an invitation was sent to. */
  initialEmail?: string;
  /** Replaces the default heading. */
  title?: string;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const signIn = useSignIn();
  const signUp = useSignUp();
  const mutation = mode === 'sign-in' ? signIn : signUp;
  const [notice, setNotice] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    mutation.mutate(
      { email, password },
      {
        onSuccess: (session) => {
          if (session) onDone();
          else setNotice('Check your inbox to confirm your email address, then sign in.');
        },
      },
    );
  }

  const heading = title ?? (mode === 'sign-in' ? 'Sign in' : 'Create your account');
  return (
    <form className="form" onSubmit={submit} noValidate>
      {title ? <h2>{heading}</h2> : <h1>{heading}</h1>}
      <FormError error={mutation.error} />
      {notice ? <p role="status">{notice}</p> : null}
      <TextField label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <TextField
        label="Password"
        type="password"
        autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
        required
        minLength={mode === 'sign-up' ? 10 : undefined}
        hint={mode === 'sign-up' ? 'At least 10 characters, with letters and digits.' : undefined}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <Button type="submit" variant="primary" loading={mutation.isPending} disabled={!email || !password}
        disabledReason={!email ? 'Enter your email address first.' : 'Enter your password first.'}
      >
        {mode === 'sign-in' ? 'Sign in' : 'Create account'}
      </Button>
      {footer}
    </form>
  );
}
