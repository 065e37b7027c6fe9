import { describe, expect, it } from 'vitest';
import { catalogueChoices, parseChoice } from './ModelPicker';

describe('model choices', () => {
  it('reads a remembered choice, and the old in-process id `local` as `gguf`', () => {
    expect(parseChoice('{"kind":"provider","provider":"local","model":"tiny"}')).toEqual({
      kind: 'provider',
      provider: 'gguf',
      model: 'tiny',
    });
    expect(parseChoice('{"kind":"provider","provider":"openai","model":"gpt"}')).toEqual({
      kind: 'provider',
      provider: 'openai',
      model: 'gpt',
    });
    expect(parseChoice('{"kind":"local","local_model_id":"e1","model":"llama"}')).toEqual({
      kind: 'local',
      local_model_id: 'e1',
      model: 'llama',
    });
    expect(parseChoice('not json')).toBeNull();
  });

  it('offers catalogue chat models by provider, leaving endpoint models to their endpoint', () => {
    const models = [
      { id: 'gpt', kind: 'chat', provider: 'openai' },
      { id: 'tiny', kind: 'chat', provider: 'gguf' },
      { id: 'llama', kind: 'chat', provider: 'local', local_model_id: 'e1' },
      { id: 'embed', kind: 'embedding', provider: 'openai' },
    ];
    expect(catalogueChoices(models).map((m) => m.id)).toEqual(['gpt', 'tiny']);
  });
});
