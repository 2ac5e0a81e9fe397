import { HoistError } from '../errors.js';

/** Asks for a password on the terminal without echoing it, as `podman pull --creds USER` does. */
export async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    throw new HoistError('INVALID_ARGUMENT', '--creds has no password and there is no terminal to ask for one', {
      hint: 'use --creds USER:PASSWORD or an auth file',
    });
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  let password = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      input.on('data', (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return resolve(password);
          if (ch === '\u0003') return reject(new HoistError('ABORTED', 'interrupted while reading the password'));
          if (ch === '\u007f') password = password.slice(0, -1);
          else password += ch;
        }
      });
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    input.removeAllListeners('data');
    process.stderr.write('\n');
  }
}
