import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The server package's version, read once (src/ and dist/ sit at the same depth under server/). */
export const APP_VERSION = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))).version;
