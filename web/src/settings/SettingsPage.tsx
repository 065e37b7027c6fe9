/** Settings: providers, model configurations, local endpoints, API keys, templates, profile, account, import — one tab each. */
import { Navigate, Route, Routes } from 'react-router';
import { TabStrip } from '../ui/TabStrip';
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
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-3xl p-4">
        <TabStrip label="Settings" base="/settings" tabs={tabs} />
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
