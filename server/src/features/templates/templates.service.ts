import type { Template } from '@pocketllm/contracts';
import type { Db } from '../../db/client.js';
import { AppError, notFound } from '../../errors.js';
import { BUILTIN_TEMPLATES, type BuiltinTemplate, findBuiltin, isBuiltinId } from './builtin-templates.js';
import { parseVariables, renderTemplate } from './template-render.js';
import {
  deleteTemplate,
  findOwnTemplate,
  insertTemplate,
  listOwnTemplates,
  type TemplateFields,
  type TemplateRow,
  updateTemplate,
} from './templates.repository.js';

const fromBuiltin = (t: BuiltinTemplate): Template => ({
  ...t,
  builtin: true,
  variables: parseVariables(t.content),
  created_at: null,
  updated_at: null,
});

const fromRow = (r: TemplateRow): Template => ({
  id: r.id,
  name: r.name,
  description: r.description,
  content: r.content,
  builtin: false,
  variables: parseVariables(r.content),
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

const readOnly = () => new AppError('forbidden', 'Built-in templates cannot be changed or deleted');

export function createTemplatesService({ db }: { db: Db }) {
  /** A built-in, or the caller's own template. @throws not_found. */
  async function find(userId: string, id: string): Promise<Template> {
    if (isBuiltinId(id)) {
      const builtin = findBuiltin(id);
      if (!builtin) throw notFound('Template');
      return fromBuiltin(builtin);
    }
    const row = await findOwnTemplate(db, userId, id);
    if (!row) throw notFound('Template');
    return fromRow(row);
  }

  return {
    /** Built-ins first, then the caller's own, oldest first. */
    async list(userId: string) {
      const own = await listOwnTemplates(db, userId);
      return { templates: [...BUILTIN_TEMPLATES.map(fromBuiltin), ...own.map(fromRow)] };
    },

    get: find,

    async create(userId: string, fields: TemplateFields): Promise<Template> {
      return fromRow(await insertTemplate(db, userId, fields));
    },

    /** @throws forbidden for a built-in, not_found for a missing or another user's template. */
    async update(userId: string, id: string, fields: Partial<TemplateFields>): Promise<Template> {
      if (isBuiltinId(id)) throw findBuiltin(id) ? readOnly() : notFound('Template');
      const row = await updateTemplate(db, userId, id, fields);
      if (!row) throw notFound('Template');
      return fromRow(row);
    },

    /** @throws forbidden for a built-in, not_found for a missing or another user's template. */
    async remove(userId: string, id: string): Promise<void> {
      if (isBuiltinId(id)) throw findBuiltin(id) ? readOnly() : notFound('Template');
      if (!(await deleteTemplate(db, userId, id))) throw notFound('Template');
    },

    /** Fills the template's {{variables}}. @throws not_found; validation_error naming a missing variable. */
    async render(userId: string, id: string, variables: Record<string, string | number | boolean>) {
      const t = await find(userId, id);
      return { prompt: renderTemplate(t.content, variables) };
    },
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;
