import type { ReactNode } from 'react';

/** The narrow centred card that signing in, signing up, invitations and onboarding share. */
export function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="auth">
      <div className="card auth__card">{children}</div>
    </main>
  );
}
