import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

// The only module that reads process.env. Everything else receives a Config.

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const num = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().min(min).max(max).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(8000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  DB_POOL_SIZE: int(20, 2),
  // The embedded database's page cache (PGlite). Pages past it are still read from the OS's file cache.
  PGLITE_SHARED_BUFFERS_MB: int(16, 1),
  // How V8 compiles the embedded database's WebAssembly: `baseline` (Liftoff only) or `optimizing` (hot
  // functions recompiled by TurboFan in the background, which costs start-up CPU and memory that is not returned).
  PGLITE_WASM_TIER: z.enum(['baseline', 'optimizing']).default('baseline'),
  REDIS_URL: optionalString,
  REDIS_PREFIX: z.string().default('pocketllm:'),
  JWT_SECRET: optionalString,
  ENCRYPTION_KEY: optionalString,
  AUTH_MODE: z.enum(['multi-user', 'single-user']).default('multi-user'),
  INVITE_REQUIRED: bool(true),
  ACCESS_TOKEN_TTL_S: int(900, 30),
  REFRESH_TOKEN_TTL_S: int(30 * 24 * 3600, 60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  CORS_ORIGINS: z.string().default(''),
  TRUST_PROXY: bool(false),
  BODY_LIMIT_MB: num(1, 0.01),
  RATE_LIMIT_AUTH_PER_MIN: int(10, 1),
  RATE_LIMIT_WAITLIST_PER_MIN: int(5, 1),
  RATE_LIMIT_CHAT_PER_MIN: int(60, 1),
  RATE_LIMIT_HEALTH_CHECK_PER_MIN: int(10, 1),
  RATE_LIMIT_SHARED_PER_MIN: int(60, 1),
  RATE_LIMIT_API_KEY_PER_MIN: int(600, 1),
  SHUTDOWN_GRACE_S: int(10),
  INSTANCE_HEARTBEAT_S: int(5, 1),
  // PGlite has no autovacuum: how often tables changed past its threshold are ANALYZEd (db/auto-analyze.ts).
  PGLITE_ANALYZE_INTERVAL_S: int(10, 1),
  // Chat engine
  PROVIDER_CONNECT_TIMEOUT_MS: int(10_000, 100),
  PROVIDER_FIRST_TOKEN_TIMEOUT_MS: int(60_000, 100),
  PROVIDER_IDLE_TIMEOUT_MS: int(30_000, 100),
  MODELS_CACHE_TTL_S: int(300),
  MODELS_TIMEOUT_MS: int(5000, 100),
  // Answer cache
  CACHE_TTL_S: int(3600, 1),
  CACHE_SCOPE: z.enum(['user', 'global']).default('user'),
  CACHE_MAX_ENTRIES: int(10_000, 1),
  CACHE_SIMILARITY_THRESHOLD: num(0.7, 0, 1),
  CACHE_EMBEDDING_MODEL: optionalString,
  // Read cache: bodies of opened chats and chat-list pages, per process, each hit checked by one cheap read
  READ_CACHE_MB: num(64),
  // Local models
  ALLOW_PRIVATE_ENDPOINTS: bool(true).optional(),
  HEALTH_CHECK_INTERVAL_S: int(60, 1),
  HEALTH_CHECK_TIMEOUT_MS: int(5000, 100),
  MODELS_DIR: z.string().default('./models'),
  LLAMA_THREADS: int(Math.max(1, cpus().length), 1),
  LLAMA_MAX_LOADED: int(1, 1),
  // Jobs and files
  JOB_MAX_ATTEMPTS: int(3, 1),
  JOB_POLL_INTERVAL_MS: int(5000, 10),
  JOB_CONCURRENCY: int(2, 1),
  EVENTS_MAX_CONNECTIONS_PER_USER: int(5, 1),
  EVENTS_LOG_SIZE: int(500, 10),
  EVENTS_MAX_BUFFER_KB: int(256, 16),
  EVENTS_MAX_LIFETIME_S: num(3600, 0.1),
  MAX_UPLOAD_MB: num(25, 0.01),
  MAX_IMPORT_MB: num(1024, 0.01),
  // Telemetry: who may scrape GET /metrics (Prometheus text)
  METRICS_ACCESS: z.enum(['public', 'token', 'off']).default('token'),
  METRICS_TOKEN: optionalString,
});

export type Env = Record<string, string | undefined>;

function buildConfig(env: Env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  const serverMode = e.NODE_ENV === 'production' || e.DATABASE_URL !== undefined;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    /** Server deployment (PostgreSQL or production): secrets must come from the environment. */
    serverMode,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    filesDir: path.join(dataDir, 'files'),
    databaseUrl: e.DATABASE_URL,
    dbPoolSize: e.DB_POOL_SIZE,
    pgliteSharedBuffersMb: e.PGLITE_SHARED_BUFFERS_MB,
    pgliteWasmTier: e.PGLITE_WASM_TIER,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET ?? '',
    encryptionKey: e.ENCRYPTION_KEY ?? '',
    authMode: e.AUTH_MODE,
    inviteRequired: e.INVITE_REQUIRED,
    accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: e.REFRESH_TOKEN_TTL_S,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: e.TRUST_PROXY,
    bodyLimitBytes: Math.round(e.BODY_LIMIT_MB * 1024 * 1024),
    rateLimits: {
      authPerMin: e.RATE_LIMIT_AUTH_PER_MIN,
      waitlistPerMin: e.RATE_LIMIT_WAITLIST_PER_MIN,
      chatPerMin: e.RATE_LIMIT_CHAT_PER_MIN,
      healthCheckPerMin: e.RATE_LIMIT_HEALTH_CHECK_PER_MIN,
      sharedPerMin: e.RATE_LIMIT_SHARED_PER_MIN,
      apiKeyPerMin: e.RATE_LIMIT_API_KEY_PER_MIN,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_S * 1000,
    instanceHeartbeatMs: e.INSTANCE_HEARTBEAT_S * 1000,
    pgliteAnalyzeIntervalMs: e.PGLITE_ANALYZE_INTERVAL_S * 1000,
    providers: {
      connectTimeoutMs: e.PROVIDER_CONNECT_TIMEOUT_MS,
      firstTokenTimeoutMs: e.PROVIDER_FIRST_TOKEN_TIMEOUT_MS,
      idleTimeoutMs: e.PROVIDER_IDLE_TIMEOUT_MS,
      modelsCacheTtlS: e.MODELS_CACHE_TTL_S,
      modelsTimeoutMs: e.MODELS_TIMEOUT_MS,
    },
    cache: {
      ttlS: e.CACHE_TTL_S,
      scope: e.CACHE_SCOPE,
      maxEntries: e.CACHE_MAX_ENTRIES,
      similarityThreshold: e.CACHE_SIMILARITY_THRESHOLD,
      embeddingModel: e.CACHE_EMBEDDING_MODEL,
    },
    readCacheMb: e.READ_CACHE_MB,
    localModels: {
      // Embedded mode exists to talk to a local Ollama; a server deployment must opt in.
      allowPrivateEndpoints: e.ALLOW_PRIVATE_ENDPOINTS ?? !serverMode,
      healthCheckIntervalS: e.HEALTH_CHECK_INTERVAL_S,
      healthCheckTimeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
      modelsDir: path.resolve(e.MODELS_DIR),
      llamaThreads: e.LLAMA_THREADS,
      llamaMaxLoaded: e.LLAMA_MAX_LOADED,
    },
    jobs: {
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      pollIntervalMs: e.JOB_POLL_INTERVAL_MS,
      concurrency: e.JOB_CONCURRENCY,
    },
    events: {
      /** /v1/events connections a user may hold; opening one more closes the oldest. */
      maxConnectionsPerUser: e.EVENTS_MAX_CONNECTIONS_PER_USER,
      /** Events kept per user for replay after Last-Event-ID (Redis stream MAXLEN ~, or the in-process ring). */
      logSize: e.EVENTS_LOG_SIZE,
      /** Bytes a slow client may have unsent before it is dropped to one `resync`. */
      maxBufferBytes: e.EVENTS_MAX_BUFFER_KB * 1024,
      /** A stream is closed after this long (the client reconnects with Last-Event-ID), which rebalances instances. */
      maxLifetimeMs: Math.round(e.EVENTS_MAX_LIFETIME_S * 1000),
    },
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
    /** A chat import's upload (ChatGPT exports of years run to hundreds of MB); streamed to disk. */
    maxImportBytes: Math.round(e.MAX_IMPORT_MB * 1024 * 1024),
    metrics: { access: e.METRICS_ACCESS, token: e.METRICS_TOKEN },
  };
}

export type Config = Readonly<ReturnType<typeof buildConfig>>;

export class ConfigError extends Error {}

export interface LoadedConfig {
  config: Config;
  /** Warnings to log once the logger exists (e.g. "generated a secret"). */
  warnings: string[];
}

const SECRET_VARS = [
  ['JWT_SECRET', 'jwtSecret'],
  ['ENCRYPTION_KEY', 'encryptionKey'],
] as const;

/**
 * Reads the environment once. In embedded mode a missing secret is generated and kept in
 * DATA_DIR/secrets.json (mode 0600); in server mode it is a startup error naming the variable.
 */
export function loadConfig(env: Env = withDotEnv(process.env, process.cwd())): LoadedConfig {
  const config = buildConfig(env);
  const warnings: string[] = [];
  const missing = SECRET_VARS.filter(([, key]) => !config[key]);
  if (missing.length === 0) return { config: Object.freeze(config), warnings };
  if (config.serverMode) {
    throw new ConfigError(
      `${missing.map(([name]) => name).join(' and ')} must be set in a server deployment ` +
        '(NODE_ENV=production or DATABASE_URL set). Generate one with: openssl rand -base64 32',
    );
  }
  const stored = readOrCreateSecrets(config.dataDir);
  for (const [name, key] of missing) {
    config[key] = stored[key];
    warnings.push(
      `${name} is not set; using the one generated in ${path.join(config.dataDir, 'secrets.json')}`,
    );
  }
  return { config: Object.freeze(config), warnings };
}

/**
 * The environment over the variables of `dir/.env` when that file exists: a variable set in the
 * environment always wins, so `PORT=9000 npm start` overrides the file.
 */
export function withDotEnv(env: Env, dir: string): Env {
  const file = path.join(dir, '.env');
  if (!existsSync(file)) return env;
  let fromFile: Env;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const merged: Env = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}

function readOrCreateSecrets(dataDir: string): { jwtSecret: string; encryptionKey: string } {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = z
      .object({ jwtSecret: z.string().min(32), encryptionKey: z.string().min(32) })
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
    throw new ConfigError(
      `${file} is damaged: remove it to generate new secrets (stored provider keys will be lost)`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
