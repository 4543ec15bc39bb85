import type { Session } from '@supabase/supabase-js';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { supabase } from '@/lib/supabase';

type SessionState = { status: 'loading' } | { status: 'signed-out' } | { status: 'signed-in'; session: Session };

const SessionContext = createContext<SessionState>({ status: 'loading' });

/**
 * Follows supabase-js's session (persisted in localStorage, so it survives reloads). When
 * the user changes, cached data of the previous user is dropped.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const queryClient = useQueryClient();

  useEffect(() => {
    let lastUserId: string | undefined;
    const { data } = supabase.auth.onAuthStateChange((_event, session) => {
      const userId = session?.user.id;
      if (userId !== lastUserId) {
        if (lastUserId !== undefined) queryClient.clear();
        lastUserId = userId;
      }
      setState(session ? { status: 'signed-in', session } : { status: 'signed-out' });
    });
    return () => data.subscription.unsubscribe();
  }, [queryClient]);

  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}

/**
 * The signed-in user's id; '' while nobody is (the dashboard's pages render only once
 * someone is signed in, so there it is always an id).
 */
export function useCurrentUserId(): string {
  const session = useSession();
  return session.status === 'signed-in' ? session.session.user.id : '';
}
