import { protocolError, type BodyFraming } from './response-head.js';

export interface Decoded {
  /** Body bytes found at the front of the input (a view of it, possibly empty). */
  data: Buffer;
  /** Input not yet looked at. */
  rest: Buffer;
}

/** The longest chunk-size or trailer line accepted (a chunk extension could be long, not this long). */
const MAX_LINE = 4096;

/**
 * Takes a response body off the wire as it arrives, read by read, and says which bytes are body
 * data and when the body is complete: by Content-Length, chunked coding, or connection close.
 * Data comes back as views of the input, so nothing is copied.
 */
export class BodyDecoder {
  readonly #where: string;
  readonly #framing: BodyFraming;
  /** Data bytes still due: of the whole body (length), or of the current chunk (chunked). */
  #remaining: number;
  #state: 'size' | 'data' | 'data-end' | 'trailer' | 'done';
  #line = '';

  constructor(framing: BodyFraming, where: string) {
    this.#framing = framing;
    this.#where = where;
    this.#remaining = framing.kind === 'length' ? framing.length : 0;
    this.#state = framing.kind === 'chunked' ? 'size' : framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0) ? 'done' : 'data';
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** True when the body is delimited by the connection closing, so an EOF completes it. */
  get endsAtClose(): boolean {
    return this.#framing.kind === 'close';
  }

  /** The next data at the front of `input`, after any framing bytes before it. */
  take(input: Buffer): Decoded {
    let rest = input;
    while (rest.length > 0 && this.#state !== 'done') {
      if (this.#state === 'data') {
        if (this.#framing.kind === 'close') return { data: rest, rest: rest.subarray(rest.length) };
        const n = Math.min(this.#remaining, rest.length);
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = this.#framing.kind === 'chunked' ? 'data-end' : 'done';
        return { data: rest.subarray(0, n), rest: rest.subarray(n) };
      }
      const newline = rest.indexOf(0x0a);
      const end = newline === -1 ? rest.length : newline + 1;
      this.#line += rest.subarray(0, end).toString('latin1');
      rest = rest.subarray(end);
      if (this.#line.length > MAX_LINE) throw protocolError(this.#where, 'a chunk line is too long');
      if (newline === -1) break;
      const line = this.#line.replace(/\r?\n$/, '');
      this.#line = '';
      this.#onLine(line);
    }
    return { data: rest.subarray(0, 0), rest };
  }

  /** One complete framing line of the chunked coding. */
  #onLine(line: string): void {
    if (this.#state === 'data-end') {
      if (line !== '') throw protocolError(this.#where, 'chunk data is longer than its size line says');
      this.#state = 'size';
    } else if (this.#state === 'size') {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (size === null) throw protocolError(this.#where, `bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
      this.#remaining = parseInt(size[1]!, 16);
      this.#state = this.#remaining === 0 ? 'trailer' : 'data';
    } else if (line === '') {
      this.#state = 'done'; // the blank line after the (usually absent) trailer fields
    }
  }
}
