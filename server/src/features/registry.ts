import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { adminRoutes } from './admin/admin.routes.js';
import { apiKeysRoutes } from './api-keys/api-keys.routes.js';
import { authRoutes } from './auth/auth.routes.js';
import { cacheRoutes } from './cache/cache.routes.js';
import { chatsRoutes } from './chats/chats.routes.js';
import { chatShareRoutes } from './chats/share.routes.js';
import { chatTreeRoutes } from './chats/tree.routes.js';
import { eventsRoutes } from './events/events.routes.js';
import { filesRoutes } from './files/files.routes.js';
import { imagesRoutes } from './images/images.routes.js';
import { jobsRoutes } from './jobs/jobs.routes.js';
import { legacyApiRoutes } from './legacy-api/legacy-api.routes.js';
import { localModelsRoutes } from './local-models/local-models.routes.js';
import { branchRoutes } from './messages/branch.routes.js';
import { messagesRoutes } from './messages/messages.routes.js';
import { modelConfigsRoutes } from './model-configs/model-configs.routes.js';
import { modelsRoutes } from './models/models.routes.js';
import { operationsRoutes } from './operations/operations.routes.js';
import { providersRoutes } from './providers/providers.routes.js';
import { searchRoutes } from './search/search.routes.js';
import { sharedRoutes } from './shared/shared.routes.js';
import { telemetryRoutes } from './telemetry/telemetry.routes.js';
import { templatesRoutes } from './templates/templates.routes.js';
import { usersRoutes } from './users/users.routes.js';
import { waitlistRoutes } from './waitlist/waitlist.routes.js';

type FeatureRoutes = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

/** Every feature's routes, mounted under /v1 (and so /api/v1). Add a feature here. */
export const featureRoutes: FeatureRoutes[] = [
  authRoutes,
  usersRoutes,
  adminRoutes,
  operationsRoutes,
  waitlistRoutes,
  providersRoutes,
  modelsRoutes,
  localModelsRoutes,
  modelConfigsRoutes,
  chatsRoutes,
  chatShareRoutes,
  sharedRoutes,
  chatTreeRoutes,
  cacheRoutes,
  jobsRoutes,
  filesRoutes,
  imagesRoutes,
  messagesRoutes,
  branchRoutes,
  searchRoutes,
  templatesRoutes,
  telemetryRoutes,
  apiKeysRoutes,
  legacyApiRoutes,
  eventsRoutes,
];
