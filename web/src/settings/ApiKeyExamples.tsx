/** Ready-to-paste examples for the official OpenAI SDKs (Python, JavaScript) and curl, with this server's URL. */
import { useState } from 'react';

function examples(baseUrl: string, key: string, model: string) {
  return {
    Python: `from openai import OpenAI

client = OpenAI(base_url="${baseUrl}", api_key="${key}")
reply = client.chat.completions.create(
    model="${model}",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    JavaScript: `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: '${baseUrl}', apiKey: '${key}' });
const reply = await client.chat.completions.create({
  model: '${model}',
  messages: [{ role: 'user', content: 'Hello!' }],
});
console.log(reply.choices[0].message.content);`,
    curl: `curl ${baseUrl}/chat/completions \\
  -H "Authorization: Bearer ${key}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  };
}

export function ApiKeyExamples({ apiKey }: { apiKey: string | null }) {
  const baseUrl = `${window.location.origin}/openai/v1`;
  const all = examples(baseUrl, apiKey ?? 'pk-…', 'openai/gpt-4o-mini');
  const [tab, setTab] = useState<keyof typeof all>('Python');
  return (
    <section aria-label="Examples" className="mt-6 space-y-2">
      <h2 className="text-sm font-semibold">Use it from the OpenAI SDKs</h2>
      <p className="text-xs text-zinc-500">
        Base URL <code>{baseUrl}</code>. Models are named <code>provider/model</code> (see GET /models); a
        bare model id works when only one provider serves it.
      </p>
      <div role="tablist" aria-label="Example language" className="flex gap-1">
        {(Object.keys(all) as (keyof typeof all)[]).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => setTab(name)}
            className={`rounded-md px-2 py-1 text-xs ${tab === name ? 'bg-indigo-600 text-white' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800'}`}
          >
            {name}
          </button>
        ))}
      </div>
      <pre
        role="tabpanel"
        aria-label={`${tab} example`}
        className="overflow-x-auto rounded-lg bg-zinc-900 p-3 text-xs text-zinc-100"
      >
        {all[tab]}
      </pre>
    </section>
  );
}
