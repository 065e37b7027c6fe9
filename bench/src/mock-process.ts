// The mock provider in a process of its own (see startMockProcess in mock-provider.ts): prints its URL.
import { startMockProvider } from './mock-provider.js';

const mock = await startMockProvider();
process.stdout.write(`${mock.url}\n`);
