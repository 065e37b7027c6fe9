import { z } from 'zod';
import { jobStatus } from './jobs.js';

export const imageProvider = z.enum(['imagerouter', 'openai']);

export const imageGenerationBody = z
  .object({
    prompt: z.string().trim().min(1).max(4000),
    model: z.string().trim().min(1).max(200),
    quality: z.string().min(1).max(20).optional(),
    size: z
      .string()
      .regex(/^(\d{2,5}x\d{2,5}|auto)$/, 'size must look like 1024x1024 or auto')
      .optional(),
    n: z.number().int().min(1).max(4).default(1),
    provider: imageProvider.default('imagerouter'),
  })
  .strict();
export type ImageGenerationBody = z.infer<typeof imageGenerationBody>;

export const imageGenerationAccepted = z.object({ job_id: z.uuid(), status: jobStatus });
