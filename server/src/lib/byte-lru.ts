/**
 * A least-recently-used map bounded by the bytes of its values (each entry says its own size): a value
 * larger than the whole budget is not stored, and storing past the budget evicts the oldest entries first.
 * A budget of 0 stores nothing. Map keeps insertion order, so a hit is moved to the end by re-inserting it.
 */
export class ByteLru<V extends { bytes: number }> {
  readonly #entries = new Map<string, V>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const v = this.#entries.get(key);
    if (v === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, v);
    return v;
  }

  /** Stores `value` (replacing the key's entry); false when it is larger than the budget (and not stored). */
  set(key: string, value: V): boolean {
    this.delete(key);
    if (value.bytes > this.maxBytes) return false;
    this.#entries.set(key, value);
    this.#bytes += value.bytes;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.bytes;
    }
    return true;
  }

  delete(key: string): void {
    const v = this.#entries.get(key);
    if (v === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= v.bytes;
  }
}
