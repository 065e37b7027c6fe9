import { createParser, type EventSourceParser } from 'eventsource-parser';

/** Where the text of a streamed body comes from: `UpstreamCall` (http.ts), one decoded network read a call. */
export interface TextSource {
  /** The next piece of the body, or null at its end. */
  readText(): Promise<string | null>;
}

/**
 * Reads a provider's server-sent events: the `data` of each event, in batches of those a network read
 * completed, so a streamed answer costs one await per read and none per event (this is on the path of every
 * streamed token). The wire format (CRLF or CR line ends, a line split across reads, comments, `event:`/`id:`
 * fields, multi-line data) is eventsource-parser's; the byte-order mark is gone with the decoding (http.ts).
 *
 * At the end of the body, an event whose lines all arrived but whose closing blank line did not is still
 * delivered (some servers end with `data: [DONE]\n`); a last line cut off before its line break is dropped,
 * so a truncated stream reads as one that ended early (the adapter then says so) rather than as bad JSON.
 */
export class SseReader {
  private readonly batch: string[] = [];
  private readonly parser: EventSourceParser;
  /** Whether the text fed so far ends inside a line (the parser holds an unfinished one). */
  private inLine = false;
  private ended = false;

  constructor(private readonly source: TextSource) {
    this.parser = createParser({ onEvent: (e) => this.batch.push(e.data) });
  }

  /**
   * The data of the next events, at least one (the array is reused: read it before calling again); null
   * once the body has ended and every event was delivered.
   */
  async next(): Promise<readonly string[] | null> {
    this.batch.length = 0;
    while (!this.ended) {
      const text = await this.source.readText();
      if (text === null) {
        this.ended = true;
        // Line breaks close the event that has all its lines; an unfinished line is dropped with the parser.
        if (!this.inLine) this.parser.feed('\n\n');
        this.parser.reset();
      } else if (text !== '') {
        const last = text.charCodeAt(text.length - 1);
        this.inLine = last !== 10 && last !== 13;
        this.parser.feed(text);
      }
      if (this.batch.length > 0) return this.batch;
    }
    return null;
  }
}
