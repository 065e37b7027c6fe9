import { v7 } from 'uuid';

/** Time-ordered UUIDv7: sortable by creation, friendly to B-tree indexes. */
export const newId = (): string => v7();
