import { HoistError } from '../errors.js';

/**
 * Asks a yes/no question as Podman does (`[y/N]`, only y or yes agrees), the question on stderr
 * (stdout carries results) and the answer read from stdin, a terminal or not, as Podman reads it.
 * A stdin that ends before any answer is an error, not a no: a script that forgot `--force`
 * should hear of it.
 */
export async function confirm(question: string, hint: string): Promise<boolean> {
  process.stderr.write(`${question} [y/N] `);
  const input = process.stdin;
  const line = await new Promise<string | undefined>((resolve, reject) => {
    let text = '';
    const done = (answer: string | undefined) => {
      input.off('data', onData).off('end', onEnd).off('error', reject);
      input.pause();
      resolve(answer);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) done(text.slice(0, end));
    };
    const onEnd = () => done(text === '' ? undefined : text);
    input.on('data', onData).on('end', onEnd).on('error', reject);
    input.resume();
  });
  if (line === undefined) throw new HoistError('INVALID_ARGUMENT', 'no answer to the confirmation: stdin ended', { hint });
  return /^y(es)?$/i.test(line.trim());
}
