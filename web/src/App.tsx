import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { useUserEvents } from './api/events';
import { AuthPage } from './auth/AuthPage';
import { AuthProvider, useAuth } from './auth/auth';
import { ChatsPage } from './chat/ChatsPage';
import { PinnedPage } from './chat/PinnedPage';
import { Layout } from './ui/Layout';
import { Spinner } from './ui/ui';

// Pages not needed to chat load on demand, keeping the first load small.
const SettingsPage = lazy(() => import('./settings/SettingsPage'));
const ImagesPage = lazy(() => import('./settings/ImagesPage'));
const AdminPage = lazy(() => import('./admin/AdminPage'));
const SharedPage = lazy(() => import('./shared/SharedPage'));

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not get better by asking again.
        retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
}

/** This tab's one events connection: what other tabs, devices and instances change appears here live. */
function LiveEvents() {
  useUserEvents();
  return null;
}

function Gate() {
  const { state } = useAuth();
  if (state.status === 'loading') return <Spinner label="Starting" />;
  if (state.status === 'signed-out') return <AuthPage expired={state.expired} />;
  return (
    <Layout>
      <LiveEvents />
      <Suspense fallback={<Spinner />}>
        <Routes>
          <Route path="/" element={<Navigate to="/chats" replace />} />
          <Route path="/login" element={<Navigate to="/chats" replace />} />
          <Route path="/register" element={<Navigate to="/chats" replace />} />
          <Route path="/chats" element={<ChatsPage />} />
          <Route path="/chats/:chatId" element={<ChatsPage />} />
          <Route path="/pinned" element={<PinnedPage />} />
          <Route path="/images" element={<ImagesPage />} />
          <Route path="/settings/*" element={<SettingsPage />} />
          <Route path="/admin/*" element={<AdminPage />} />
          <Route
            path="*"
            element={
              <div className="p-8 text-center">
                <h1 className="text-xl font-semibold">Page not found</h1>
                <Link to="/chats" className="text-indigo-600 underline">
                  Back to chats
                </Link>
              </div>
            }
          />
        </Routes>
      </Suspense>
    </Layout>
  );
}

export function App({ client }: { client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? makeQueryClient());
  return (
    <QueryClientProvider client={queryClient}>
      {/* Route changes render at once, not as a transition: the keys typed right after "New chat" must reach
          the new chat's box, not the old page still on screen. */}
      <BrowserRouter useTransitions={false}>
        <Routes>
          {/* A shared chat is for anyone with its link: no sign-in, outside the signed-in layout. */}
          <Route
            path="/s/:token"
            element={
              <Suspense fallback={<Spinner />}>
                <SharedPage />
              </Suspense>
            }
          />
          <Route
            path="*"
            element={
              <AuthProvider>
                <Gate />
              </AuthProvider>
            }
          />
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
