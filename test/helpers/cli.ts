import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The bundled CLI of this checkout, as installed users run it (`npm test` builds it first). */
export const cliPath = fileURLToPath(new URL('../../../dist/bin/hoist.mjs', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the program outlived RunOptions.timeoutMs and was killed for it. */
  timedOut?: boolean;
}

export interface RunOptions {
  /** Added to the environment (a value of undefined removes the variable). */
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  /** Leave stdin open for the caller to write to as the program runs (a dialogue); default: `input`, then end. */
  interactive?: boolean;
  /** Kill the program (SIGKILL) once it has run this long; the result then says timedOut. */
  timeoutMs?: number;
}

/** A program started and not yet finished: its process, and its result once it has closed. */
export interface StartedProgram {
  child: ChildProcessWithoutNullStreams;
  result: Promise<RunResult>;
}

/** Runs a program to completion, collecting its output; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return startProgram(command, args, options).result;
}

/** Starts a program, collecting its output, for callers that signal it before it finishes. */
export function startProgram(command: string, args: readonly string[], options: RunOptions = {}): StartedProgram {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(command, args, { env, cwd: options.cwd ?? repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const result = new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
    });
    // A program that exits without reading its input (gpg, openssl) closes the pipe first: the
    // write then fails with EPIPE, which is no failure of the program (its status says that).
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    if (!options.interactive) child.stdin.end(options.input ?? '');
  });
  return { child, result };
}

/**
 * Runs `hoist ARGS` from the compiled CLI. HOIST_ROOT and DEBUG are cleared so a test never
 * touches the user's store or gets extra output; pass them in `env` to set them.
 */
export function runHoist(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return startHoist(args, options).result;
}

/** Starts `hoist ARGS` as runHoist does, for callers that signal it before it finishes. */
export function startHoist(args: readonly string[], options: RunOptions = {}): StartedProgram {
  return startProgram(process.execPath, [cliPath, ...args], { ...options, env: { HOIST_ROOT: undefined, DEBUG: undefined, ...options.env } });
}

/**
 * Runs a peer program to completion and fails the calling test when it is missing (naming
 * `missing`, how to get it) or exits non-zero: interop tests must never pass by not running.
 */
export async function runRequired(command: string, args: readonly string[], missing: string, options: RunOptions = {}): Promise<RunResult> {
  let result: RunResult;
  try {
    result = await run(command, args, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${command} is not installed: ${missing}`);
    throw err;
  }
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result;
}

/** Runs skopeo (without a policy file: fixtures are unsigned); a missing skopeo fails the test (runRequired). */
export function runSkopeo(args: readonly string[]): Promise<RunResult> {
  return runRequired('skopeo', ['--insecure-policy', ...args], 'the interop tests need it (apt-get install skopeo; .ci/run installs it)');
}
