/** Image generation: prompt → a job → progress → the images; past image jobs below as a gallery. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { isRecord } from '../api/client';
import { generateImage, jobFinished, useImageJobs, useJob } from '../api/images';
import { keys } from '../api/keys';
import { useProviders } from '../api/models';
import type { Job, ProviderStatus } from '../api/types';
import { Button, Empty, ErrorNote, Field, inputClass, PageTitle, Spinner } from '../ui/ui';

export function imagesOf(job: Job): string[] {
  const images = job.output_data && Array.isArray(job.output_data.images) ? job.output_data.images : [];
  return images.flatMap((i) => (isRecord(i) && typeof i.url === 'string' ? [i.url] : []));
}

function JobView({ id }: { id: string }) {
  const qc = useQueryClient();
  const job = useJob(id);
  const status = job.data?.status;
  // A finished image joins the gallery.
  useEffect(() => {
    if (status === 'completed') void qc.invalidateQueries({ queryKey: keys.imageJobs() });
  }, [status, qc]);
  if (job.isPending) return <Spinner label="Starting" />;
  if (job.isError) return <ErrorNote error={job.error} />;
  const j = job.data;
  if (j.status === 'failed')
    return (
      <ErrorNote
        error={
          new Error(
            `The image could not be generated${j.error_log ? `: ${j.error_log}` : '.'} Try again, or try another model.`,
          )
        }
      />
    );
  if (!jobFinished(j)) return <Spinner label={j.status === 'pending' ? 'Queued' : 'Generating'} />;
  return (
    <div className="grid gap-2 sm:grid-cols-2">
      {imagesOf(j).map((u) => (
        <a key={u} href={u} target="_blank" rel="noreferrer">
          <img src={u} alt={String(j.input_data.prompt ?? 'Generated image')} className="w-full rounded-lg" />
        </a>
      ))}
    </div>
  );
}

/** The image providers this page offers, each with a model in its own naming. */
const IMAGE_PROVIDERS = [
  { id: 'openai', name: 'OpenAI', model: 'dall-e-3' },
  { id: 'imagerouter', name: 'ImageRouter', model: 'openai/gpt-image-1' },
] as const;
type ImageProvider = (typeof IMAGE_PROVIDERS)[number]['id'];

/** The first image provider with a key saved, or null when none is set up yet. */
export function defaultImageProvider(statuses: ProviderStatus[]): ImageProvider | null {
  const ready = (id: string) => statuses.some((s) => s.provider === id && s.configured && s.is_active);
  return IMAGE_PROVIDERS.find((p) => ready(p.id))?.id ?? null;
}

export default function ImagesPage() {
  const qc = useQueryClient();
  const [prompt, setPrompt] = useState('');
  const providers = useProviders();
  const statuses = providers.data?.providers ?? [];
  const configured = (id: string) => statuses.some((s) => s.provider === id && s.configured && s.is_active);
  const [provider, setProviderState] = useState<ImageProvider | null>(null);
  const [model, setModel] = useState('');
  const setProvider = (p: ImageProvider) => {
    setProviderState(p);
    setModel(IMAGE_PROVIDERS.find((x) => x.id === p)?.model ?? '');
  };
  // Start on a provider that is set up, once the list is known.
  const fallback = providers.data ? defaultImageProvider(providers.data.providers) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: chosen once, when the list arrives
  useEffect(() => {
    if (provider === null && fallback) setProvider(fallback);
  }, [fallback]);
  const noneReady = providers.data !== undefined && fallback === null;
  const [size, setSize] = useState('1024x1024');
  const [jobId, setJobId] = useState<string | null>(null);
  const gallery = useImageJobs();
  const start = useMutation({
    mutationFn: () => generateImage({ prompt, model, size, n: 1, provider: provider ?? 'openai' }),
    onSuccess: (r) => {
      setJobId(r.job_id);
      void qc.invalidateQueries({ queryKey: keys.imageJobs() });
    },
  });
  const past = (gallery.data?.jobs ?? []).filter((j) => imagesOf(j).length > 0);
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-3xl space-y-4 p-4">
        <PageTitle>Images</PageTitle>
        <form
          className="space-y-3"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            start.mutate();
          }}
        >
          <Field label="Prompt">
            {(id) => (
              <textarea
                id={id}
                required
                rows={3}
                value={prompt}
                onChange={(e) => setPrompt(e.target.value)}
                className={inputClass}
              />
            )}
          </Field>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field label="Provider">
              {(id) => (
                <select
                  id={id}
                  value={provider ?? ''}
                  onChange={(e) => {
                    const p = IMAGE_PROVIDERS.find((x) => x.id === e.target.value);
                    if (p) setProvider(p.id);
                  }}
                  className={inputClass}
                >
                  {provider === null && <option value="">Choose…</option>}
                  {IMAGE_PROVIDERS.map((p) => (
                    <option key={p.id} value={p.id} disabled={!configured(p.id)}>
                      {configured(p.id) ? p.name : `${p.name} (no key yet)`}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Model">
              {(id) => (
                <input
                  id={id}
                  required
                  value={model}
                  onChange={(e) => setModel(e.target.value)}
                  className={inputClass}
                />
              )}
            </Field>
            <Field label="Size">
              {(id) => (
                <select id={id} value={size} onChange={(e) => setSize(e.target.value)} className={inputClass}>
                  {['1024x1024', '512x512', '1024x1792', '1792x1024', 'auto'].map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          {noneReady && (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Images need an OpenAI or ImageRouter key.{' '}
              <Link to="/settings/providers" className="text-indigo-600 underline dark:text-indigo-400">
                Add one in Settings → Providers
              </Link>
              .
            </p>
          )}
          {start.isError && <ErrorNote error={start.error} />}
          <Button type="submit" disabled={start.isPending || !prompt.trim() || provider === null}>
            Generate
          </Button>
        </form>
        {jobId && <JobView key={jobId} id={jobId} />}
        <h2 className="pt-4 font-medium">Gallery</h2>
        {gallery.isPending && <Spinner />}
        {gallery.isError && <ErrorNote error={gallery.error} />}
        {gallery.data && past.length === 0 && <Empty>No images yet.</Empty>}
        <div className="grid grid-cols-2 gap-2 sm:grid-cols-3">
          {past.flatMap((j) =>
            imagesOf(j).map((u) => (
              <img
                key={u}
                src={u}
                alt={String(j.input_data.prompt ?? 'Generated image')}
                loading="lazy"
                className="aspect-square w-full rounded-lg object-cover"
              />
            )),
          )}
        </div>
      </div>
    </div>
  );
}
