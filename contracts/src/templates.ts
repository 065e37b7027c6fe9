import { z } from 'zod';
import { hasSomeField, NOTHING_TO_CHANGE, timestamp } from './common.js';

/** A user template's uuid, or a built-in's stable id such as `builtin:summarize`. */
export const templateId = z.union([z.uuid(), z.string().regex(/^builtin:[a-z0-9-]{1,40}$/)], {
  error: 'id must be a template uuid or a built-in id such as builtin:summarize',
});
export const templateParams = z.object({ id: templateId });

export const template = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  content: z.string(),
  builtin: z.boolean(),
  /** The {{variables}} of `content`, in order of first use. */
  variables: z.array(z.string()),
  created_at: timestamp.nullable(),
  updated_at: timestamp.nullable(),
});
export type Template = z.infer<typeof template>;

export const templateList = z.object({ templates: z.array(template) });

export const createTemplateBody = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500).default(''),
  content: z.string().min(1).max(20_000),
});
export const updateTemplateBody = createTemplateBody
  .extend({ description: z.string().trim().max(500) })
  .partial()
  .strict()
  .refine(hasSomeField, NOTHING_TO_CHANGE);

export const renderTemplateBody = z.object({
  variables: z.record(z.string().max(100), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export const renderTemplateResult = z.object({ prompt: z.string() });
