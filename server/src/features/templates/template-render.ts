import { AppError } from '../../errors.js';

// {{name}} or {{ name }}; names are identifiers so a literal "{{" elsewhere in a prompt is left alone.
const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The distinct {{variables}} of a template, in order of first use. */
export function parseVariables(content: string): string[] {
  return [...new Set(Array.from(content.matchAll(VARIABLE), (m) => m[1] ?? ''))].filter(Boolean);
}

/**
 * Fills every {{variable}}; values are inserted as text (never re-expanded).
 * @throws validation_error naming `variables.<name>` for the first missing variable (all missing in details).
 */
export function renderTemplate(content: string, values: Record<string, string | number | boolean>): string {
  const missing = parseVariables(content).filter((name) => !Object.hasOwn(values, name));
  const first = missing[0];
  if (first) {
    throw new AppError('validation_error', `variables.${first}: missing a value for {{${first}}}`, {
      details: { field: `variables.${first}`, missing },
    });
  }
  return content.replace(VARIABLE, (_m, name: string) => String(values[name]));
}
