import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { newId } from '../../lib/ids.js';

/** Primary key: a UUIDv7 made in the process (time-ordered, so inserts stay local in the index). */
export const id = () =>
  uuid()
    .primaryKey()
    .$defaultFn(() => newId());

export const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
