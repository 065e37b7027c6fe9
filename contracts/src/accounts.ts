import { z } from 'zod';
import { message } from './chats.js';
import { hasSomeField, NOTHING_TO_CHANGE, nextCursor, timestamp } from './common.js';
import { storedModelConfigFields } from './model-configs.js';

export const email = z
  .email()
  .max(254)
  .transform((e) => e.trim().toLowerCase());
export const password = z.string().min(8, 'password must be at least 8 characters').max(256);
export const username = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-zA-Z0-9_.-]+$/, 'username may contain letters, digits, _ . and - only');

export const role = z.enum(['user', 'admin']);

export const userProfile = z.object({
  id: z.uuid(),
  email: z.string(),
  username: z.string().nullable(),
  full_name: z.string().nullable(),
  bio: z.string().nullable(),
  profession: z.string().nullable(),
  date_of_birth: z.string().nullable(),
  avatar_url: z.string().nullable(),
  survey_completed: z.boolean(),
  role,
  disabled: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type UserProfile = z.infer<typeof userProfile>;

export const publicProfile = userProfile.pick({
  id: true,
  username: true,
  full_name: true,
  bio: true,
  profession: true,
  avatar_url: true,
});

export const registerBody = z.object({
  email,
  password,
  full_name: z.string().max(200).optional(),
  username: username.optional(),
  invite_code: z.string().max(100).optional(),
});
export const loginBody = z.object({ email, password: z.string().min(1).max(256) });
export const refreshBody = z.object({ refresh_token: z.string().min(1).max(512) });

export const authTokens = z.object({
  user: userProfile,
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds until the access token expires'),
});
export type AuthTokens = z.infer<typeof authTokens>;

/** Public and not secret: whether the server has no account yet (the first to register becomes its admin). */
export const authSetup = z.object({
  needs_admin: z.boolean().describe('true until the first account exists; then sign-in is the first screen'),
});
export type AuthSetup = z.infer<typeof authSetup>;

export const updateProfileBody = z
  .object({
    full_name: z.string().max(200).nullable(),
    username: username.nullable(),
    bio: z.string().max(2000).nullable(),
    date_of_birth: z.iso.date().nullable(),
    profession: z.string().max(200).nullable(),
    avatar_url: z.url().max(2000).nullable(),
    survey_completed: z.boolean(),
  })
  .partial()
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);

export const changePasswordBody = z.object({
  current_password: z.string().min(1).max(256),
  new_password: password,
});

export const adminUser = userProfile.extend({ last_login_at: timestamp.nullable() });
export const adminUserList = z.object({ users: z.array(adminUser), next_cursor: nextCursor });
export const adminUpdateUserBody = z
  .object({ role: role.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);

export const createInviteBody = z.object({
  max_uses: z.number().int().min(1).max(10_000).default(1),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
});
export const invite = z.object({
  code: z.string(),
  max_uses: z.number().int(),
  uses: z.number().int(),
  expires_at: timestamp.nullable(),
  created_at: timestamp,
  created_by: z.uuid().nullable(),
});
export const inviteList = z.object({ invites: z.array(invite) });

export const waitlistBody = z.object({
  email,
  name: z.string().max(200).optional(),
  source: z.string().max(100).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export const waitlistEntry = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  source: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: timestamp,
});
export const waitlistList = z.object({ entries: z.array(waitlistEntry), next_cursor: nextCursor });
export const inviteCodeParams = z.object({ code: z.string().min(1).max(100) });

/** A model configuration as exported: its settings, never its key (no ciphertext, key id or preview). */
export const exportedModelConfig = z.object({
  id: z.uuid(),
  name: z.string(),
  provider: z.string(),
  model: z.string(),
  base_url: z.string().nullable(),
  local_endpoint_id: z.uuid().nullable(),
  ...storedModelConfigFields,
});
export const exportedTemplate = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  content: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
});
/** Metadata is exported as stored, so an export never fails on a message another version wrote. */
export const exportedMessage = message.extend({ metadata: z.record(z.string(), z.unknown()) });
export const exportedChat = z.object({
  id: z.uuid(),
  title: z.string().nullable(),
  model_config_id: z.uuid().nullable(),
  /** The leaf of the branch the chat shows; every branch is exported (messages carry parent_id). */
  current_leaf_id: z.uuid().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  /** Oldest first. */
  messages: z.array(exportedMessage),
});
export const userExport = z.object({
  exported_at: timestamp,
  profile: userProfile,
  chats: z.array(exportedChat),
  model_configs: z.array(exportedModelConfig),
  templates: z.array(exportedTemplate),
});
export type UserExport = z.infer<typeof userExport>;
