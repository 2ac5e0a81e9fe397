import { HoistError } from '../errors.js';

/** What to say when there is no terminal to ask on: the flags that give the answer instead. */
export interface NoTerminal {
  message: string;
  hint: string;
}

const CREDS_WITHOUT_PASSWORD: NoTerminal = {
  message: '--creds has no password and there is no terminal to ask for one',
  hint: 'use --creds USER:PASSWORD or an auth file',
};

/** Asks for a password on the terminal without echoing it, as `podman pull --creds USER` and `podman login` do. */
export async function readPassword(prompt: string, noTerminal: NoTerminal = CREDS_WITHOUT_PASSWORD): Promise<string> {
  const input = terminalInput(noTerminal);
  // Echo goes off before the prompt shows: a password typed the moment the prompt appears
  // would otherwise be echoed by the terminal's line discipline.
  input.setRawMode(true);
  process.stderr.write(prompt);
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

/** Asks for one line (a user name) on the terminal, echoed. */
export async function readLine(prompt: string, noTerminal: NoTerminal): Promise<string> {
  const input = terminalInput(noTerminal);
  const { createInterface } = await import('node:readline/promises');
  const lines = createInterface({ input, output: process.stderr, terminal: true });
  try {
    return await lines.question(prompt);
  } finally {
    lines.close();
  }
}

/**
 * All of stdin, its lines joined as Podman's `--password-stdin` joins them (a trailing newline,
 * as `echo` adds, is no part of the password).
 */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).join('');
}

function terminalInput(noTerminal: NoTerminal): NodeJS.ReadStream & { setRawMode(mode: boolean): void } {
  const input = process.stdin;
  if (!input.isTTY) throw new HoistError('INVALID_ARGUMENT', noTerminal.message, { hint: noTerminal.hint });
  return input;
}
