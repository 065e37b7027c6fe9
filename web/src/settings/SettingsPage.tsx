/** Settings: providers, model configurations, local endpoints, API keys, templates, profile, account, import — one tab each. */
import { useEffect, useRef } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { AccountPage } from './AccountPage';
import { ApiKeysPage } from './ApiKeysPage';
import { ImportPage } from './ImportPage';
import { LocalModelsPage } from './LocalModelsPage';
import { ModelConfigsPage } from './ModelConfigsPage';
import { ProfilePage } from './ProfilePage';
import { ProvidersPage } from './ProvidersPage';
import { TemplatesPage } from './TemplatesPage';

const tabs = [
  ['providers', 'Providers'],
  ['models', 'Model configs'],
  ['local', 'Local endpoints'],
  ['api-keys', 'API keys'],
  ['templates', 'Templates'],
  ['profile', 'Profile'],
  ['account', 'Account'],
  ['import', 'Import'],
] as const;

export default function SettingsPage() {
  const nav = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  // On a phone the tabs scroll sideways: keep the open one in sight.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run when another tab opens
  useEffect(() => {
    nav.current
      ?.querySelector('[aria-current="page"]')
      ?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }, [pathname]);
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-3xl p-4">
        <nav
          ref={nav}
          aria-label="Settings"
          className="mb-4 flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800"
        >
          {tabs.map(([path, label]) => (
            <NavLink
              key={path}
              to={`/settings/${path}`}
              className={({ isActive }) =>
                `whitespace-nowrap border-b-2 px-3 py-2 text-sm ${isActive ? 'border-indigo-600 font-medium text-indigo-700 dark:text-indigo-300' : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200'}`
              }
            >
              {label}
            </NavLink>
          ))}
        </nav>
        <Routes>
          <Route index element={<Navigate to="providers" replace />} />
          <Route path="providers" element={<ProvidersPage />} />
          <Route path="models" element={<ModelConfigsPage />} />
          <Route path="local" element={<LocalModelsPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="templates" element={<TemplatesPage />} />
          <Route path="profile" element={<ProfilePage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="import" element={<ImportPage />} />
        </Routes>
      </div>
    </div>
  );
}
