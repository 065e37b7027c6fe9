/**
 * Who is signed in. On start: a stored refresh token signs back in silently; else GET /auth/me without a
 * token tells whether the server runs in single-user mode (then there is no sign-in at all).
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, use, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, getRefreshToken, onAuthChange, refreshSession, setTokens } from '../api/client';
import { errorMessage } from '../api/errors';
import type { AuthTokens, UserProfile } from '../api/types';
import { getMe, logout } from '../api/users';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; expired: boolean }
  | { status: 'signed-in'; user: UserProfile; singleUser: boolean };

type AuthApi = {
  state: AuthState;
  signIn: (tokens: AuthTokens) => void;
  signOut: () => Promise<void>;
  setUser: (user: UserProfile) => void;
};

const AuthContext = createContext<AuthApi | null>(null);

export function useAuth(): AuthApi {
  const ctx = use(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user; only for components rendered behind the sign-in gate. */
export function useUser(): UserProfile {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useUser while signed out');
  return state.user;
}

async function restore(): Promise<AuthState> {
  if (getRefreshToken() && (await refreshSession())) {
    try {
      return { status: 'signed-in', user: await getMe(), singleUser: false };
    } catch {
      // fall through to the anonymous probe
    }
  }
  // The server says its mode in the page; without it (vite dev) ask the API.
  const mode = document.querySelector('meta[name="pocketllm-auth-mode"]')?.getAttribute('content');
  if (mode === 'multi-user') return { status: 'signed-out', expired: false };
  try {
    const user = await getMe();
    return { status: 'signed-in', user, singleUser: true };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return { status: 'signed-out', expired: false };
    throw err;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [bootError, setBootError] = useState<unknown>(null);
  const queryClient = useQueryClient();

  const boot = useCallback(() => {
    setBootError(null);
    restore().then(setState, setBootError);
  }, []);
  useEffect(() => boot(), [boot]);
  // A refresh that failed mid-session: show sign-in again; drafts stay in localStorage.
  useEffect(
    () =>
      onAuthChange((signedIn) => {
        if (!signedIn) setState({ status: 'signed-out', expired: true });
      }),
    [],
  );

  const lastUserId = useRef<string | null>(null);
  if (state.status === 'signed-in') lastUserId.current = state.user.id;
  const signIn = useCallback(
    (tokens: AuthTokens) => {
      // Someone else signing in after an expired session must not see the previous user's cached data.
      if (lastUserId.current && lastUserId.current !== tokens.user.id) queryClient.clear();
      setTokens(tokens);
      setState({ status: 'signed-in', user: tokens.user, singleUser: false });
    },
    [queryClient],
  );
  const signOut = useCallback(async () => {
    try {
      await logout();
    } catch {
      // Signing out locally is what matters; the server session expires anyway.
    }
    setTokens(null);
    queryClient.clear();
    setState({ status: 'signed-out', expired: false });
  }, [queryClient]);
  const setUser = useCallback(
    (user: UserProfile) => setState((s) => (s.status === 'signed-in' ? { ...s, user } : s)),
    [],
  );

  const value = useMemo(() => ({ state, signIn, signOut, setUser }), [state, signIn, signOut, setUser]);
  if (bootError)
    return (
      <div className="mx-auto mt-20 max-w-sm p-4 text-center">
        <p role="alert" className="mb-4 text-sm">
          {errorMessage(bootError)}
        </p>
        <button
          type="button"
          className="rounded-lg bg-indigo-600 px-3 py-2 text-sm text-white"
          onClick={boot}
        >
          Try again
        </button>
      </div>
    );
  return <AuthContext value={value}>{children}</AuthContext>;
}
