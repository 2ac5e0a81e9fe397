/**
 * Finding, reading and merging the registries.d directory, in containers/image's order
 * (docker/registries_d.go): `--registries.d`, else `$HOME/.config/containers/registries.d` if it
 * exists, else `/etc/containers/registries.d` if it exists, else hoist's shipped `registries.d/`
 * (upstream has no such step; its packages install the same empty default.yaml under /etc).
 *
 * Every `*.yaml` file is read (not `.yml`, as upstream), in lexical order, and merged; a section
 * defined in two files is an error in upstream's words.
 */
import { access, opendir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import createDebug from 'debug';
import { HoistError, printable, quoted } from '../../errors.js';
import { readSmallFileIfPresent } from '../../io/open-regular-file.js';
import { parseRegistriesDFile, REGISTRIES_D_HINT, type RegistriesDFile } from './parse.js';
import type { LoadRegistriesDOptions, RegistriesD } from './types.js';

export const SYSTEM_REGISTRIES_D = '/etc/containers/registries.d';
/** A registries.d file holds a few sections; anything this large is not one. */
export const MAX_REGISTRIES_D_FILE_BYTES = 1024 * 1024;
export const MAX_REGISTRIES_D_FILES = 1000;

const debug = createDebug('hoist:config');

/** The directory loadRegistriesD would read (undefined: none exists), without reading it. */
export async function registriesDPath({
  dir,
  env = process.env,
  systemDir = SYSTEM_REGISTRIES_D,
  shippedDir,
}: LoadRegistriesDOptions): Promise<string | undefined> {
  // An empty flag value is no flag, as upstream's `RegistriesDirPath != ""`.
  if (dir) return dir;
  const user = join(env.HOME || homedir(), '.config', 'containers', 'registries.d');
  for (const candidate of [user, systemDir, shippedDir]) {
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

export async function loadRegistriesD(options: LoadRegistriesDOptions): Promise<RegistriesD> {
  const dir = await registriesDPath(options);
  const config: RegistriesD = { dir, files: [], docker: Object.create(null) as RegistriesD['docker'], warnings: [] };
  if (dir === undefined) return config;
  debug('using registries.d directory %s', dir);
  for (const file of await yamlFiles(dir, Boolean(options.dir))) {
    const text = await readConfigFile(file);
    if (text === undefined) continue;
    mergeFile(config, await parseRegistriesDFile(text, file), file);
    config.files.push(file);
  }
  return config;
}

/** The directory's `*.yaml` files, sorted, at most MAX_REGISTRIES_D_FILES. */
async function yamlFiles(dir: string, explicit: boolean): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of await opendir(dir)) {
      if (!entry.name.endsWith('.yaml') || entry.isDirectory()) continue;
      if (names.length === MAX_REGISTRIES_D_FILES) {
        throw new HoistError('INVALID_CONFIG', `registries.d directory ${quoted(dir)} holds more than ${MAX_REGISTRIES_D_FILES} *.yaml files`, {
          hint: REGISTRIES_D_HINT,
        });
      }
      names.push(entry.name);
    }
  } catch (err) {
    if (err instanceof HoistError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    // The lookup saw it a moment ago; one removed since then is simply empty, as upstream treats it.
    if (code === 'ENOENT' && !explicit) return [];
    const reason = code === 'ENOENT' ? 'no such directory' : fsReason(err);
    throw new HoistError('INVALID_CONFIG', `reading registries.d directory ${quoted(dir)}: ${reason}`, {
      hint: explicit ? 'check --registries.d' : REGISTRIES_D_HINT,
      cause: err,
    });
  }
  return names.sort().map((name) => join(dir, name));
}

/**
 * One file's text, at most MAX_REGISTRIES_D_FILE_BYTES of UTF-8; undefined when it vanished since
 * the listing (or is a dangling symlink), which upstream skips too.
 */
async function readConfigFile(file: string): Promise<string | undefined> {
  const fail = (reason: string, cause?: unknown) =>
    new HoistError('INVALID_CONFIG', `reading ${printable(file)}: ${reason}`, { hint: REGISTRIES_D_HINT, cause });
  // Without waiting, so that a FIFO named *.yaml cannot hang the pull waiting for a writer.
  const bytes = await readSmallFileIfPresent(file, MAX_REGISTRIES_D_FILE_BYTES, (failure, cause) => {
    switch (failure.reason) {
      case 'not-regular':
        return fail('not a regular file');
      case 'unreadable':
        return fail(fsReason(cause), cause);
      case 'too-large':
        return fail(`larger than ${MAX_REGISTRIES_D_FILE_BYTES} bytes`);
    }
  });
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw fail('not valid UTF-8', err);
  }
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'too many levels of symbolic links (a symlink loop?)';
  if (code === 'ENOTDIR') return 'not a directory';
  return printable((err as Error).message);
}

/** Adds one file's sections; a section already defined by an earlier file is an error, even if equal. */
function mergeFile(config: RegistriesD, parsed: RegistriesDFile, file: string): void {
  const conflict = (what: string, earlier: string) =>
    new HoistError('INVALID_CONFIG', `Error parsing signature storage configuration: ${what} defined both in ${quoted(earlier)} and ${quoted(file)}`, {
      hint: REGISTRIES_D_HINT,
    });
  if (parsed.defaultDocker) {
    if (config.defaultDocker) throw conflict('"default-docker"', config.defaultDocker.file);
    config.defaultDocker = parsed.defaultDocker;
  }
  for (const [scope, section] of Object.entries(parsed.docker)) {
    const earlier = config.docker[scope];
    if (earlier) throw conflict(`"docker" namespace ${quoted(scope)}`, earlier.file);
    config.docker[scope] = section;
  }
  config.warnings.push(...parsed.warnings);
}
