import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The server package's folder (the one holding its package.json, with src/ and dist/ under it), found by walking
 * up from this module. Files the server reads at run time (migrations, the password list, the database template,
 * the portal) are located from here rather than from `import.meta.url` of the module reading them: that module
 * may be src/…, dist/… or the one-file bundle dist/main.js, each at another depth.
 */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('pocketllm: the server package.json was not found above its code');
    dir = up;
  }
}

export const SERVER_ROOT = findRoot();

/** True when this code runs from dist/ (built), false when from src/ (tsx, vitest). */
export const RUNS_BUILT = fileURLToPath(import.meta.url).startsWith(
  path.join(SERVER_ROOT, 'dist') + path.sep,
);
