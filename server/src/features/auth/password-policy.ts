/**
 * Passwords everyone tries first are refused: a length rule alone lets `password1` and `iloveyou` through,
 * and they fall to the first guesses of any attack. The list ships in the repository (common-passwords.txt,
 * 10,000 entries), read once; no network call.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { invalidField } from '../../errors.js';
import { SERVER_ROOT } from '../../lib/package-root.js';

// Beside this source; dist/ reads the same file (as the migrations are read from src/).
const LIST = path.join(SERVER_ROOT, 'src/features/auth/common-passwords.txt');

const common = new Set(
  readFileSync(LIST, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#')),
);

/** Is `password` (ignoring case and surrounding spaces) one of the most common passwords. */
export const isCommonPassword = (password: string) => common.has(password.trim().toLowerCase());

/** @throws validation_error naming `field` for a password on the common list */
export function assertUncommonPassword(password: string, field: string) {
  if (isCommonPassword(password)) {
    throw invalidField(field, 'this is one of the most common passwords; choose another');
  }
}
