import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { templates } from '../../db/schema/index.js';
import { returnedRow } from '../../lib/sql-rows.js';

export type TemplateRow = typeof templates.$inferSelect;
export interface TemplateFields {
  name: string;
  description: string;
  content: string;
}

export const listOwnTemplates = (db: Db, userId: string) =>
  db
    .select()
    .from(templates)
    .where(eq(templates.userId, userId))
    .orderBy(asc(templates.createdAt), asc(templates.id));

export const findOwnTemplate = async (db: Db, userId: string, id: string): Promise<TemplateRow | undefined> =>
  (
    await db
      .select()
      .from(templates)
      .where(and(eq(templates.id, id), eq(templates.userId, userId)))
      .limit(1)
  )[0];

export const insertTemplate = async (db: Db, userId: string, fields: TemplateFields) => {
  return returnedRow(
    await db
      .insert(templates)
      .values({ userId, ...fields })
      .returning(),
  );
};

export const updateTemplate = async (db: Db, userId: string, id: string, fields: Partial<TemplateFields>) =>
  (
    await db
      .update(templates)
      .set(fields)
      .where(and(eq(templates.id, id), eq(templates.userId, userId)))
      .returning()
  )[0];

export const deleteTemplate = async (db: Db, userId: string, id: string): Promise<boolean> =>
  (
    await db
      .delete(templates)
      .where(and(eq(templates.id, id), eq(templates.userId, userId)))
      .returning({ id: templates.id })
  ).length > 0;
