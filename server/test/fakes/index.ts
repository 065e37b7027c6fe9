/** Protocol-faithful fake LLM providers for tests: real HTTP servers on 127.0.0.1 (see common.ts for the API). */

export { ANTHROPIC_DEFAULT_MODELS, startFakeAnthropic } from './anthropic.js';
export type {
  FakeBehavior,
  FakeBehaviorInput,
  FakeEndpoint,
  FakeModel,
  FakeOptions,
  FakeServer,
  RecordedRequest,
} from './common.js';
export { fakeEmbedding } from './common.js';
export { OLLAMA_DEFAULT_MODELS, startFakeOllama } from './ollama.js';
export { OPENAI_DEFAULT_MODELS, startFakeOpenAI, tinyPng } from './openai.js';
export {
  anthropicPictures,
  ollamaPictures,
  openAIPictures,
  pictureType,
  type SentPicture,
} from './vision.js';
