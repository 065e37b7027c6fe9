import { type ImageGenerationBody, imageGenerationBody } from '@pocketllm/contracts';
import { z } from 'zod';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { type JobQueue, type JobRun, PermanentJobError } from '../../job-queue/queue.js';
import { guardedDispatcher } from '../../lib/url-policy.js';
import type { ProviderTarget } from '../../llm/types.js';
import { type FilesService, storageKeys } from '../files/files.service.js';
import { openImage, requestImages } from './image-client.js';

export const IMAGE_JOB = 'image_generation';
/** A generated image larger than this is refused (providers send a few MB at most). */
const MAX_IMAGE_BYTES = 32 * 1024 * 1024;
/** Image models take far longer than a chat's first token; never wait less than this. */
const MIN_IMAGE_TIMEOUT_MS = 120_000;

const storedImages = z.object({
  images: z.array(z.object({ file_id: z.string(), url: z.string(), path: z.string() })),
});

export interface ImagesDeps {
  config: Config;
  queue: JobQueue;
  files: FilesService;
  /** The providers service's resolver: where and with which key to call `provider` for this user. */
  resolveTarget: (userId: string, provider: string) => Promise<ProviderTarget>;
  /** Overrides the provider timeout (tests). */
  timeoutMs?: number;
}

export function createImagesService(deps: ImagesDeps) {
  const { queue, files } = deps;
  const timeoutMs =
    deps.timeoutMs ?? Math.max(deps.config.providers.firstTokenTimeoutMs, MIN_IMAGE_TIMEOUT_MS);

  async function generateImages({ job, signal, logger }: JobRun): Promise<Record<string, unknown>> {
    const input = imageGenerationBody.safeParse(job.inputData);
    if (!input.success) throw new PermanentJobError('the job input is not a valid image request');
    let target: ProviderTarget;
    try {
      target = await deps.resolveTarget(job.userId, input.data.provider);
    } catch (err) {
      // No key, provider turned off: the user has to act; retrying cannot help.
      if (err instanceof AppError && err.status < 500)
        throw new PermanentJobError(err.message, { cause: err });
      throw err;
    }
    // The provider's base URL and the image URLs it answers with are both outside our control.
    const dispatcher = guardedDispatcher(deps.config.localModels.allowPrivateEndpoints);
    const answers = await requestImages(target, input.data, { signal, timeoutMs, dispatcher, logger });
    const images = [];
    for (const [index, answer] of answers.entries()) {
      const source = await openImage(answer, { signal, timeoutMs, maxBytes: MAX_IMAGE_BYTES, dispatcher });
      const key = storageKeys.generatedImage(job.userId, job.id, index, answers.length);
      try {
        const saved = await files.storeGeneratedImage(job.userId, key, source, MAX_IMAGE_BYTES);
        images.push({ file_id: saved.id, url: saved.url, path: saved.path });
      } catch (err) {
        if (err instanceof AppError && err.status < 500) {
          throw new PermanentJobError(`the provider's image was refused: ${err.message}`, { cause: err });
        }
        throw err;
      }
    }
    return { images };
  }

  queue.register(IMAGE_JOB, generateImages, {
    // Stored URLs need a token; the API shows fresh signed ones so <img src> works.
    present: (output) => {
      const parsed = storedImages.safeParse(output);
      if (!parsed.success) return output;
      return { images: parsed.data.images.map((i) => ({ ...i, url: files.signedUrl(i.file_id) })) };
    },
  });

  return {
    /** Queues an image generation; the worker calls the provider with the user's key. */
    async generate(userId: string, body: ImageGenerationBody) {
      const job = await queue.enqueue(userId, IMAGE_JOB, { ...body });
      return { job_id: job.id, status: job.status };
    },
  };
}

export type ImagesService = ReturnType<typeof createImagesService>;
