// The portal's view of the API: every type comes from the zod contracts the server validates with.
// Type-only imports, so none of zod ends up in the bundle.
import type { z } from 'zod';
import type {
  adminUser,
  authSetup,
  adminUserList,
  avatarResponse,
  chatList,
  chatSummary,
  chatWithMessages,
  imageGenerationAccepted,
  invite,
  inviteList,
  message,
  pathMessage,
  sendMessageResult,
  userProfile,
  waitlistEntry,
  waitlistList,
} from '../../../contracts/src/index.js';
import type { apiKey, apiKeyList, createdApiKey } from '../../../contracts/src/api-keys.js';
import type { job, jobList } from '../../../contracts/src/jobs.js';
import type {
  importLocalModelsResult,
  localModel,
  localModelList,
  localModelUsage,
} from '../../../contracts/src/local-models.js';
import type { pinMessageResult, pinnedMessage, pinnedMessageList } from '../../../contracts/src/messages.js';
import type { modelConfig, modelConfigList } from '../../../contracts/src/model-configs.js';
import type { adminStatus, auditEntry, auditList, restoreStaged } from '../../../contracts/src/operations.js';
import type {
  catalogModel,
  modelsResponse,
  providerList,
  providerStatus,
  testProviderResult,
} from '../../../contracts/src/providers.js';
import type { globalSearchHit, globalSearchResult, searchHit } from '../../../contracts/src/search.js';
import type { metricsReport } from '../../../contracts/src/telemetry.js';
import type { renderTemplateResult, template, templateList } from '../../../contracts/src/templates.js';

export type UserProfile = z.infer<typeof userProfile>;
export type AuthSetup = z.infer<typeof authSetup>;
export type AuthTokens = {
  user: UserProfile;
  access_token: string;
  refresh_token: string;
  expires_in: number;
};
export type Message = z.infer<typeof message>;
export type PinnedMessage = z.infer<typeof pinnedMessage>;
export type ChatSummary = z.infer<typeof chatSummary>;
export type ChatList = z.infer<typeof chatList>;
export type PathMessage = z.infer<typeof pathMessage>;
/** A message as a chat shows it: from the server with its siblings, or sent/streamed here (not yet known). */
export type ShownMessage = Message & Partial<Pick<PathMessage, 'sibling_ids' | 'sibling_index'>>;
export type ChatWithMessages = Omit<z.infer<typeof chatWithMessages>, 'messages'> & {
  messages: ShownMessage[];
};
export type SendResult = z.infer<typeof sendMessageResult>;
export type ProviderStatus = z.infer<typeof providerStatus>;
export type TestProviderResult = z.infer<typeof testProviderResult>;
export type CatalogModel = z.infer<typeof catalogModel>;
export type ModelsResponse = z.infer<typeof modelsResponse>;
export type ModelConfig = z.infer<typeof modelConfig>;
export type Template = z.infer<typeof template>;
export type ApiKey = z.infer<typeof apiKey>;
export type ApiKeyList = z.infer<typeof apiKeyList>;
export type CreatedApiKey = z.infer<typeof createdApiKey>;
export type SearchHit = z.infer<typeof searchHit> & { chat_id?: string; chat_title?: string | null };
export type GlobalSearchHit = z.infer<typeof globalSearchHit>;
export type Job = z.infer<typeof job>;
export type AdminUser = z.infer<typeof adminUser>;
export type Invite = z.infer<typeof invite>;
export type WaitlistEntry = z.infer<typeof waitlistEntry>;
export type MetricsReport = z.infer<typeof metricsReport>;

/** What the chat window sends with a message to pick the model. */
export type ModelChoice =
  | { kind: 'config'; model_config_id: string }
  | { kind: 'provider'; provider: string; model: string }
  | { kind: 'local'; local_model_id: string; model: string };
export type LocalModel = z.infer<typeof localModel>;
export type LocalModelUsage = z.infer<typeof localModelUsage>;
export type LocalModelList = z.infer<typeof localModelList>;
export type ImportLocalModelsResult = z.infer<typeof importLocalModelsResult>;
export type PinnedMessageList = z.infer<typeof pinnedMessageList>;
export type PinResult = z.infer<typeof pinMessageResult>;
export type ModelConfigList = z.infer<typeof modelConfigList>;
export type ProviderList = z.infer<typeof providerList>;
export type TemplateList = z.infer<typeof templateList>;
export type RenderedTemplate = z.infer<typeof renderTemplateResult>;
export type JobList = z.infer<typeof jobList>;
export type ImageJobAccepted = z.infer<typeof imageGenerationAccepted>;
export type AvatarResponse = z.infer<typeof avatarResponse>;
export type AdminUserList = z.infer<typeof adminUserList>;
export type InviteList = z.infer<typeof inviteList>;
export type WaitlistList = z.infer<typeof waitlistList>;
export type AuditEntry = z.infer<typeof auditEntry>;
export type AuditList = z.infer<typeof auditList>;
export type AdminStatus = z.infer<typeof adminStatus>;
export type RestoreStaged = z.infer<typeof restoreStaged>;
export type GlobalSearchResult = z.infer<typeof globalSearchResult>;
/** A search's answer as the search box shows it, in one chat or across all of them. */
export type SearchResults = { results: SearchHit[]; total_results: number };
