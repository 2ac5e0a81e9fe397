/**
 * Finding and reading policy.json in containers/image's order (signature/policy_config.go
 * defaultPolicyPathWithHomeDir): the named file (`--signature-policy`, else HOIST_SIGNATURE_POLICY),
 * else the user's `$HOME/.config/containers/policy.json`, else the system file, else hoist's shipped
 * default (where containers/image would fail, hoist behaves as a fresh Podman install does).
 * XDG_CONFIG_HOME is not consulted, as in containers/image. Nothing is cached: each call reads afresh.
 */
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import createDebug from 'debug';
import { HoistError } from '../../errors.js';
import { readSmallFile } from '../../io/open-regular-file.js';
import { MAX_JSON_BYTES } from './json.js';
import { parsePolicy } from './parse.js';
import type { Policy } from './types.js';

const debug = createDebug('hoist:config');

export const DEFAULT_SYSTEM_POLICY_FILE = '/etc/containers/policy.json';
const USER_POLICY_FILE = join('.config', 'containers', 'policy.json');

export interface PolicyLookup {
  /** `--signature-policy`: this file and no other. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Default /etc/containers/policy.json. */
  systemFile?: string;
  /** hoist's conf/policy.json. */
  shippedFile: string;
}

interface Chosen {
  file: string;
  /** Named by the user (flag or environment): then a missing file is an error, not a fallback. */
  named?: 'flag' | 'env';
}

/** Which file loadPolicy would read, without reading it. */
export async function policyPath(lookup: PolicyLookup): Promise<string> {
  return (await choose(lookup)).file;
}

export async function loadPolicy(lookup: PolicyLookup): Promise<Policy> {
  const chosen = await choose(lookup);
  debug('loading signature policy %s', chosen.file);
  return parsePolicy(await readPolicyFile(chosen), chosen.file);
}

async function choose({ file, env = process.env, systemFile = DEFAULT_SYSTEM_POLICY_FILE, shippedFile }: PolicyLookup): Promise<Chosen> {
  if (file) return { file, named: 'flag' };
  if (env.HOIST_SIGNATURE_POLICY) return { file: env.HOIST_SIGNATURE_POLICY, named: 'env' };
  for (const candidate of [join(env.HOME || homedir(), USER_POLICY_FILE), systemFile]) {
    if (await exists(candidate)) return { file: candidate };
  }
  return { file: shippedFile };
}

/** containers/image's fileutils.Exists: anything stat can see (a directory then fails to read, as there). */
function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The file's text, refused above MAX_JSON_BYTES without being read whole (a huge file, a device). */
async function readPolicyFile({ file, named }: Chosen): Promise<string> {
  const hint = named === 'flag' ? 'check --signature-policy' : named === 'env' ? 'check HOIST_SIGNATURE_POLICY' : undefined;
  const shown = JSON.stringify(file);
  const bytes = await readSmallFile(file, MAX_JSON_BYTES, (failure, cause) => {
    switch (failure.reason) {
      case 'missing':
        return new HoistError('INVALID_CONFIG', `policy file ${shown} does not exist`, { hint, cause });
      case 'not-regular':
        return new HoistError('INVALID_CONFIG', `reading policy file ${shown}: it is a ${failure.kind}, not a regular file`, { hint });
      case 'unreadable':
        return new HoistError('INVALID_CONFIG', `reading policy file ${shown}: ${failure.message}`, { hint, cause });
      case 'too-large':
        return new HoistError('INVALID_CONFIG', `policy file ${shown} is larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB`, { hint });
    }
  });
  return bytes.toString('utf8');
}
