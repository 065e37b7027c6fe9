import { describe, expect, it } from 'vitest';
import { tinyPng } from '../../../test/fakes/index.js';
import { attachmentsWorld, type Err, type Sent, sentAsking } from '../../../test/helpers/attachments.js';
import { json } from '../../../test/helpers/build-test-app.js';

// Regenerate and edit of a prompt that came with files (the world: test/helpers/attachments.ts).
const w = attachmentsWorld();

describe('regenerate and edit keep the prompt’s files', () => {
  const png = tinyPng('attach-branch');
  // Each test asks its own question, and reads the provider's requests that asked it (fakes/README.md).
  const picture = (text: string) => ({
    role: 'user',
    content: [
      { type: 'text', text },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
    ],
  });
  const post = (url: string, payload: Record<string, unknown>) =>
    w.t.app.inject({ method: 'POST', url, headers: w.alice.headers, payload });

  it('regenerate sends the prompt’s picture again, and refuses a model without vision', async () => {
    const file = await w.upload(w.alice, 'again.png', png);
    const content = 'What is in this picture, once more?';
    const sent = json<Sent>(
      await w.send(w.alice, await w.newChat(w.alice), { content, attachments: [file.id] }),
    );
    const res = await post(`/v1/messages/${sent.assistant_message.id}/regenerate`, {});
    expect(res.statusCode, res.body).toBe(201);
    expect(w.openai.chatsAsking(content)).toHaveLength(2);
    expect(sentAsking(w.openai, content).at(-1)).toEqual(picture(content));
    const blind = await post(`/v1/messages/${sent.assistant_message.id}/regenerate`, {
      provider: 'openai',
      model: 'gpt-3.5-turbo',
    });
    expect(blind.statusCode, blind.body).toBe(400);
    expect(json<Err>(blind).error.details).toMatchObject({ field: 'attachments' });
    expect(w.openai.chatsAsking(content)).toHaveLength(2);
  });

  it('an edit keeps the original’s files unless it names others; `[]` leaves them out', async () => {
    const file = await w.upload(w.alice, 'kept.png', png);
    const sent = json<Sent>(await w.send(w.alice, await w.newChat(w.alice), { attachments: [file.id] }));
    const edited = 'What is in the picture I kept?';
    const kept = await post(`/v1/messages/${sent.user_message.id}/edit`, {
      content: edited,
      provider: 'openai',
      model: 'gpt-4o',
    });
    expect(kept.statusCode, kept.body).toBe(201);
    expect(json<Sent>(kept).user_message.attachments).toEqual(sent.user_message.attachments);
    expect(sentAsking(w.openai, edited).at(-1)).toEqual(picture(edited));
    const dropped = await post(`/v1/messages/${sent.user_message.id}/edit`, {
      content: 'And without it?',
      provider: 'openai',
      model: 'gpt-4o',
      attachments: [],
    });
    expect(dropped.statusCode, dropped.body).toBe(201);
    expect(json<Sent>(dropped).user_message.attachments).toEqual([]);
    expect(sentAsking(w.openai, 'And without it?').at(-1)).toEqual({
      role: 'user',
      content: 'And without it?',
    });
  });

  it('an edit naming another user’s file, or a regenerate with their model config, is a 404', async () => {
    const bobs = await w.upload(w.bob, 'bobs.png', tinyPng('bobs'));
    const bobsConfig = await w.t.app.inject({
      method: 'POST',
      url: '/v1/model-configs',
      headers: w.bob.headers,
      payload: { name: 'bob’s', provider: 'openai', model: 'gpt-4o' },
    });
    expect(bobsConfig.statusCode, bobsConfig.body).toBe(201);
    const content = 'A question before the refusals';
    const sent = json<Sent>(await w.send(w.alice, await w.newChat(w.alice), { content }));
    const edit = await post(`/v1/messages/${sent.user_message.id}/edit`, {
      content: 'And this one?',
      provider: 'openai',
      model: 'gpt-4o',
      attachments: [bobs.id],
    });
    expect(edit.statusCode, edit.body).toBe(404);
    expect(json<Err>(edit).error.message).toContain('attachments');
    const regen = await post(`/v1/messages/${sent.assistant_message.id}/regenerate`, {
      model_config_id: json<{ id: string }>(bobsConfig).id,
    });
    expect(regen.statusCode, regen.body).toBe(404);
    // Neither reached the provider: no request asked the edit, and the prompt was asked once (its send).
    expect(w.openai.chatsAsking('And this one?')).toEqual([]);
    expect(w.openai.chatsAsking(content)).toHaveLength(1);
  });
});
