import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through that measures what flows through it: sha256 digest and byte count. */
export function digestStream(): { stream: Transform; result(): { digest: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size }) };
}
