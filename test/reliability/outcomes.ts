import { TrialFailure, type Evidence, type FailureKind } from './trial.js';
import type { Ran } from './world.js';

/**
 * What every outcome of hoist's CLI is held to. Podman's contract: success is exit 0; a failure
 * is exit 125 with one `Error:` line (a `Hint:` may follow), no stack trace, nothing on stdout.
 * Bytes from registries, archives and files must never reach the terminal raw.
 */

/** C0 controls but tab and line feed, DEL, and C1 controls (U+009B is a CSI on many terminals). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const STACK_LINE = /^\s+at\s/m;
/** A JavaScript error's name or one of V8's messages: an error hoist did not expect reached the user. */
const ENGINE_ERROR =
  /\b(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError|AggregateError)\b|Cannot read properties of|is not a function|is not iterable|Maximum call stack size exceeded|Invalid (array|string) length|Cannot destructure|out of memory/;
/** A system call's error passed on unwrapped (`Error: ENOENT: …`): nothing says which of hoist's files it was about. */
const UNTYPED_SYSTEM_ERROR = /^Error: E[A-Z0-9]+: /m;

export const evidenceOf = (ran: Ran): Evidence => ({ command: ran.command, stdout: ran.stdout, stderr: ran.stderr });

/** Signs of a crash, whatever the exit status: a stack trace, an engine error, raw control characters, a hang. */
export function crashSigns(ran: Ran): string[] {
  const signs: string[] = [];
  if (ran.timedOut) signs.push(`hang: still running after ${ran.ms} ms (killed)`);
  else if (ran.status !== 0 && ran.status !== 125) signs.push(`exit status ${ran.status}${ran.signal ? ` (${ran.signal})` : ''}, neither 0 nor 125`);
  if (STACK_LINE.test(ran.stderr)) signs.push('a stack trace on stderr');
  if (ENGINE_ERROR.test(ran.stderr)) signs.push(`a JavaScript engine error on stderr (${ENGINE_ERROR.exec(ran.stderr)![0]})`);
  if (UNTYPED_SYSTEM_ERROR.test(ran.stderr)) signs.push('a system error passed on unwrapped');
  if (RAW_CONTROL.test(ran.stderr)) signs.push(`a raw control character on stderr (${codePoint(ran.stderr)})`);
  if (RAW_CONTROL.test(ran.stdout)) signs.push(`a raw control character on stdout (${codePoint(ran.stdout)})`);
  return signs;
}

/**
 * Whether a run hung, printed a stack trace or crashed: died by a signal or with another status
 * than 0 and 125, or let an error hoist did not expect reach the user (an engine error, a system
 * error passed on unwrapped: what the library shows as a thrown error that is not a HoistError).
 */
export function crashKind(ran: Ran): FailureKind | undefined {
  if (ran.timedOut) return 'hang';
  if (STACK_LINE.test(ran.stderr)) return 'stack trace';
  const died = ran.status !== 0 && ran.status !== 125;
  return died || ENGINE_ERROR.test(ran.stderr) || UNTYPED_SYSTEM_ERROR.test(ran.stderr) ? 'crash' : undefined;
}

/** Fails the trial for `problems`, counted as a crash, hang or stack trace when the run shows one. */
function failRun(ran: Ran, message: string, problems: string[]): void {
  if (problems.length > 0) throw new TrialFailure(`${message}: ${problems.join('; ')}`, evidenceOf(ran), crashKind(ran));
}

function codePoint(text: string): string {
  return `U+${RAW_CONTROL.exec(text)![0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('Error: '));

/** Why `ran` is not a clean failure (empty when it is one). */
export function cleanFailureProblems(ran: Ran): string[] {
  const problems = crashSigns(ran);
  if (ran.status === 0) problems.push('it succeeded');
  const errors = errorLines(ran.stderr).length;
  if (ran.status === 125 && errors !== 1) problems.push(`${errors} "Error:" lines, not one`);
  if (ran.status === 125 && ran.stdout !== '') problems.push('output on stdout');
  return problems;
}

export function expectCleanFailure(ran: Ran, what: string): void {
  failRun(ran, `${what} did not fail cleanly`, cleanFailureProblems(ran));
}

/** `hoist pull` succeeded: exit 0, image IDs on stdout, no error and no crash signs. */
export function expectPulled(ran: Ran, what: string, id?: string): void {
  const problems = crashSigns(ran);
  if (ran.status !== 0) problems.push(`exit status ${ran.status}`);
  if (errorLines(ran.stderr).length > 0) problems.push('an "Error:" line');
  if (id !== undefined && ran.status === 0 && ran.stdout !== `${id}\n`) problems.push(`stdout is not the image ID ${id.slice(0, 12)}`);
  failRun(ran, `${what} failed`, problems);
}
