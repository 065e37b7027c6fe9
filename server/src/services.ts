import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import { createAnswerCache } from './answer-cache/answer-cache.js';
import { createEmbedder } from './answer-cache/embedder.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import { createAdminService } from './features/admin/admin.service.js';
import { createApiKeysService } from './features/api-keys/api-keys.service.js';
import { createAuthService } from './features/auth/auth.service.js';
import { answerSweeper } from './features/chats/answer-sweeper.js';
import { createBranchService } from './features/chats/branch.service.js';
import { createChatsService } from './features/chats/chats.service.js';
import { createGenerationRegistry } from './features/chats/generation.js';
import { createImportService } from './features/chats/import/import.service.js';
import { createTargetCache } from './features/chats/pipeline/target-cache.js';
import { createReadCache } from './features/chats/read-cache.js';
import { createSendService, type SendDeps } from './features/chats/send.service.js';
import { createShareService } from './features/chats/share.service.js';
import { createStartChatService } from './features/chats/start-chat.js';
import { createEventsService } from './features/events/events.service.js';
import { createLiveEvents } from './features/events/live-events.js';
import { createFilesService } from './features/files/files.service.js';
import { createGgufService } from './features/gguf/gguf.service.js';
import { createImagesService } from './features/images/images.service.js';
import { createInvitesService } from './features/invites/invites.service.js';
import { createJobsService } from './features/jobs/jobs.service.js';
import { createLocalModelsService } from './features/local-models/local-models.service.js';
import { createMessagesService } from './features/messages/messages.service.js';
import { createModelConfigsService } from './features/model-configs/model-configs.service.js';
import { createModelsCache } from './features/models/models.cache.js';
import { createModelsService } from './features/models/models.service.js';
import { createOpenAIService } from './features/openai/openai.service.js';
import { createProvidersService } from './features/providers/providers.service.js';
import { createSearchService } from './features/search/search.service.js';
import { createTelemetryService } from './features/telemetry/telemetry.service.js';
import { createTemplatesService } from './features/templates/templates.service.js';
import { createUsersService } from './features/users/users.service.js';
import { createWaitlistService } from './features/waitlist/waitlist.service.js';
import { JobQueue } from './job-queue/queue.js';
import { SecretBox } from './lib/crypto.js';
import { createDomainEvents } from './lib/domain-events.js';
import type { EventBus } from './lib/event-bus.js';
import type { Lifecycle, Managed } from './lib/lifecycle.js';
import { guardedDispatcher } from './lib/url-policy.js';
import { createLlmProvider } from './llm/factory.js';
import { GgufModelManager } from './llm/llama-runtime/model-manager.js';
import type { ProviderTarget, ProviderTimeouts } from './llm/types.js';
import { LocalFileStore } from './storage/file-store.js';
import { UrlSigner } from './storage/signed-url.js';

export interface ServiceDeps {
  config: Config;
  db: Db;
  redis: Redis | null;
  bus: EventBus;
  logger: Logger;
  /** Every service's background work (workers, schedulers, flushers) is registered here. */
  lifecycle: Lifecycle;
}

/**
 * Builds every feature's service once, in dependency order: each one only receives services built before it.
 * Reactions that run the other way (an account deleted, a user's models changed) are domain events
 * (lib/domain-events.ts) that the reacting service subscribes to when it is built. Background work is
 * returned by the services as `Managed` items and registered here, in one place, in start order.
 */
export function createServices(deps: ServiceDeps) {
  // Shared infrastructure, built once.
  // Every provider call connects through the URL policy: base URLs are user-supplied, and the check must hold
  // for the address actually connected to (DNS rebinding), not only when the URL was saved.
  const dispatcher = guardedDispatcher(deps.config.localModels.allowPrivateEndpoints);
  // One box seals every stored API key (provider credentials, model configurations, local endpoints).
  const box = new SecretBox(deps.config.encryptionKey);
  // llama.cpp's runtime and loaded models are process-wide: one manager for the GGUF feature and the adapters.
  const ggufManager = new GgufModelManager();
  const events = createDomainEvents();
  const live = createLiveEvents({ ...deps, events });
  const { userEvents } = live;
  const createProvider = (target: ProviderTarget, timeouts: ProviderTimeouts) =>
    createLlmProvider(target, timeouts, { dispatcher, logger: deps.logger, gguf: ggufManager });

  // First, so every feature that serves chat requests can record them (telemetry.record never blocks).
  const telemetry = createTelemetryService({ db: deps.db, logger: deps.logger });
  const messages = createMessagesService({ db: deps.db, userEvents });
  const search = createSearchService({ db: deps.db });
  const templates = createTemplatesService({ db: deps.db });
  const invites = createInvitesService(deps.db);
  const auth = createAuthService({ db: deps.db, config: deps.config, bus: deps.bus, invites });
  const users = createUsersService({ db: deps.db, auth, events });
  const eventStreams = createEventsService({
    config: deps.config,
    bus: deps.bus,
    log: userEvents,
    registry: live.connections,
    auth,
    logger: deps.logger,
  });
  const admin = createAdminService({ db: deps.db, auth, users });
  const waitlist = createWaitlistService(deps.db);
  const store = new LocalFileStore(deps.config.filesDir);
  const files = createFilesService({
    db: deps.db,
    config: deps.config,
    store,
    signer: new UrlSigner(deps.config.jwtSecret),
    events,
    userEvents,
    auth,
  });
  // What sends resolve their model to, kept until the user's configurations, credentials or endpoints change.
  const targets = createTargetCache({ bus: deps.bus, events });
  const providers = createProvidersService({ db: deps.db, config: deps.config, box, events });
  // Users' own endpoints: their models join the catalogue.
  const localModels = createLocalModelsService({
    db: deps.db,
    config: deps.config,
    box,
    logger: deps.logger,
    events,
  });
  // GGUF files in MODELS_DIR: in every user's catalogue as provider `local`, run in process on demand.
  const gguf = createGgufService({ config: deps.config, manager: ggufManager });
  const modelsCache = createModelsCache({
    ttlS: deps.config.providers.modelsCacheTtlS,
    redis: deps.redis,
    logger: deps.logger,
  });
  const models = createModelsService({
    config: deps.config,
    providers,
    cache: modelsCache,
    createProvider,
    sources: [localModels.catalogSource, gguf.catalogSource()],
    events,
  });
  const modelConfigs = createModelConfigsService({
    db: deps.db,
    config: deps.config,
    box,
    providers,
    gguf,
    events,
  });
  const answerCache = createAnswerCache({
    config: deps.config,
    redis: deps.redis,
    logger: deps.logger,
    embed: createEmbedder({
      spec: deps.config.cache.embeddingModel,
      timeouts: deps.config.providers,
      resolveTarget: (userId, provider) => providers.resolveTarget(userId, provider),
      createProvider,
    }),
  });
  const generations = createGenerationRegistry({
    db: deps.db,
    bus: deps.bus,
    logger: deps.logger,
    heartbeatMs: deps.config.instanceHeartbeatMs,
    legacyAfterMs: deps.config.providers.idleTimeoutMs + 60_000,
    userEvents,
  });
  const readCache = createReadCache(deps.config.readCacheMb * 1024 * 1024, {
    onRead: telemetry.prometheus.observeRead,
  });
  telemetry.prometheus.watchReadCache(() => readCache.bytes);
  const chats = createChatsService({
    db: deps.db,
    registry: generations,
    userEvents,
    readCache,
    assertModelConfig: async (userId, id) => {
      await modelConfigs.get(userId, id);
    },
  });
  const sendDeps: SendDeps = {
    db: deps.db,
    config: deps.config,
    logger: deps.logger,
    registry: generations,
    sources: { providers, modelConfigs, localModels, gguf },
    targets,
    createProvider,
    cache: answerCache,
    telemetry,
    endpointHealth: localModels,
    attachments: { files, capabilitiesOf: models.capabilitiesOf },
    userEvents,
  };
  const chatSend = createSendService(sendDeps);
  const chatBranches = createBranchService(sendDeps, chatSend);
  const chatStart = createStartChatService({ chats, chatSend });
  const shares = createShareService({ db: deps.db, chats });
  // Personal API keys and the OpenAI-compatible API (/openai/v1) over the same targets, cache and telemetry.
  const apiKeys = createApiKeysService({ db: deps.db, bus: deps.bus, logger: deps.logger });
  const openai = createOpenAIService({
    config: deps.config,
    db: deps.db,
    logger: deps.logger,
    chats,
    sources: { providers, modelConfigs, localModels, gguf },
    targets,
    models,
    createProvider,
    dispatcher,
    cache: answerCache,
    telemetry,
    endpointHealth: localModels,
  });
  // Background jobs: features register handlers on jobQueue; it runs between lifecycle start and stop.
  const jobQueue = new JobQueue({
    db: deps.db,
    bus: deps.bus,
    logger: deps.logger,
    ...deps.config.jobs,
    shutdownGraceMs: deps.config.shutdownGraceMs,
    userEvents,
  });
  const jobs = createJobsService({ db: deps.db, bus: deps.bus, queue: jobQueue });
  const images = createImagesService({
    config: deps.config,
    queue: jobQueue,
    files,
    resolveTarget: (userId, provider) => providers.resolveTarget(userId, provider),
  });
  const chatImport = createImportService({
    db: deps.db,
    store,
    queue: jobQueue,
    events,
    maxBytes: deps.config.maxImportBytes,
  });

  // Background work starts after migrations in this order and stops in the reverse one: job workers first,
  // then running answers (given the grace period), and telemetry last so it stores what they recorded.
  const background: Managed[] = [
    telemetry.managed,
    live.connections.managed,
    apiKeys.managed,
    localModels.managed,
    gguf.managed,
    answerSweeper({
      db: deps.db,
      logger: deps.logger,
      registry: generations,
      heartbeatMs: deps.config.instanceHeartbeatMs,
      graceMs: deps.config.shutdownGraceMs,
    }),
    { name: 'jobs', start: () => jobQueue.start(), stop: () => jobQueue.stop() },
  ];
  for (const item of background) deps.lifecycle.add(item);
  return {
    telemetry,
    messages,
    search,
    templates,
    invites,
    auth,
    users,
    userEvents,
    events: eventStreams,
    admin,
    waitlist,
    providers,
    models,
    localModels,
    gguf,
    modelConfigs,
    generations,
    chats,
    chatSend,
    chatBranches,
    chatStart,
    shares,
    chatImport,
    apiKeys,
    openai,
    answerCache,
    jobQueue,
    jobs,
    files,
    images,
  };
}

export type Services = ReturnType<typeof createServices>;
