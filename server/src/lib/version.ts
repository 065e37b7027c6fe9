import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SERVER_ROOT } from './package-root.js';

/** The server package's version, read once. */
export const APP_VERSION = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(path.join(SERVER_ROOT, 'package.json'), 'utf8'))).version;
