import { useState, type FormEvent, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { FormError } from '@/components/ui/form-error';
import { useUpdatePassword } from '../api/update-password';

/**
 * A new password, typed twice: used by "Set a new password" after a recovery link and by
 * "Change password" on the account page. The server holds it to the project's rules.
 */
export function NewPasswordForm({
  title,
  onDone,
  footer,
  headingLevel = 1,
}: {
  title: string;
  onDone: () => void;
  footer?: ReactNode;
  /** 2 inside a page that has its own heading. */
  headingLevel?: 1 | 2;
}) {
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const update = useUpdatePassword();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeated) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    update.mutate({ password }, { onSuccess: onDone });
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <Heading>{title}</Heading>
      <FormError error={update.error} />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        hint="At least 10 characters, with letters and digits."
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        required
        error={mismatch ? 'The two passwords are not the same.' : undefined}
        value={repeated}
        onChange={(e) => setRepeated(e.target.value)}
      />
      <Button type="submit" variant="primary" loading={update.isPending} disabled={!password || !repeated}>
        Save new password
      </Button>
      {footer}
    </form>
  );
}
