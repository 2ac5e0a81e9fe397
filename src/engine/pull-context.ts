import { join } from 'node:path';
import { loadRegistriesConf, type RegistriesConf } from '../config/registries/index.js';
import { loadSettings, type Settings } from '../config/settings.js';
import type { Policy } from '../config/policy/index.js';
import type { RegistriesD } from '../config/registries-d/index.js';
import { shippedConfDir, shippedRegistriesDDir } from '../config/shipped.js';
import { DEFAULT_MAX_PARALLEL } from '../copy/index.js';
import { HoistError } from '../errors.js';
import type { EventListener } from '../progress/events.js';
import { storeOf, type LocalSearch, type Store } from '../store/index.js';
import type { PullOptions, PullPolicy } from './options.js';
import { readAliasCache } from '../shortnames/index.js';
import { aliasCacheFile, localSearchOf, registriesConfLookup } from './local-search.js';
import { parsePullPolicy } from './policy.js';

/** What one `pull()` call decides once from options and configuration files. */
export interface PullConfig {
  options: PullOptions;
  policy: PullPolicy;
  maxParallel: number;
  emit: EventListener;
  env: NodeJS.ProcessEnv;
  settings: Settings;
  registriesConf: () => Promise<RegistriesConf>;
  /** What a local lookup tries for a short name: registries.conf's aliases and search registries, with the alias cache's aliases. */
  localSearch: () => Promise<LocalSearch>;
  /** containers-policy.json, read once per pull() (plain JSON: cheap even for the default policy). */
  trustPolicy: () => Promise<Policy>;
  /** containers-registries.d, read only when a policy requirement needs signatures. */
  registriesD: () => Promise<RegistriesD>;
}

/** A PullConfig with the store opened. */
export interface PullContext extends PullConfig {
  store: Store;
}

/** A loader that runs once; every later call gets the same promise. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= load());
}

function configuredPullPolicy(value: string | undefined, file: string): PullPolicy {
  try {
    return parsePullPolicy(value ?? 'always');
  } catch (err) {
    throw new HoistError('INVALID_CONFIG', `${file}: pull.policy: ${(err as Error).message}`, { hint: 'use always, missing, newer or never' });
  }
}

/** A configuration just read, its warnings passed on as warning events. */
function reported<T extends { warnings: readonly string[] }>(loaded: T, emit: EventListener): T {
  for (const message of loaded.warnings) emit({ type: 'warning', code: 'CONFIG', message });
  return loaded;
}

export async function loadPullConfig(options: PullOptions): Promise<PullConfig> {
  const env = options.env ?? process.env;
  const emit: EventListener = options.onEvent ?? (() => undefined);
  const settings = reported(await loadSettings({ env, shippedFile: join(shippedConfDir(), 'hoist.toml') }), emit);
  const registriesConf = once(async () => {
    return reported(await loadRegistriesConf(registriesConfLookup(options, env)), emit);
  });
  const localSearch = once(async () => localSearchOf(await registriesConf(), await readAliasCache(aliasCacheFile(options, env))));
  const { policy: configuredPolicy, maxParallelDownloads } = settings;
  const trustPolicy = once(async () => {
    const { loadPolicy } = await import('./trust-entry.js');
    return reported(await loadPolicy(policyLookup(options, env)), emit);
  });
  const registriesD = once(async () => {
    const { loadRegistriesD } = await import('./trust-entry.js');
    return reported(await loadRegistriesD(registriesDLookup(options, env)), emit);
  });
  return {
    options,
    policy: options.policy ?? configuredPullPolicy(configuredPolicy, settings.file),
    maxParallel: options.maxParallel ?? maxParallelDownloads ?? DEFAULT_MAX_PARALLEL,
    emit,
    env,
    settings,
    registriesConf,
    localSearch,
    trustPolicy,
    registriesD,
  };
}

/** Where policy.json is looked for: `signaturePolicy`, HOIST_SIGNATURE_POLICY, the user's, the system's, hoist's. */
export function policyLookup(options: Pick<PullOptions, 'signaturePolicy'>, env: NodeJS.ProcessEnv) {
  return { env, shippedFile: join(shippedConfDir(), 'policy.json'), ...(options.signaturePolicy !== undefined ? { file: options.signaturePolicy } : {}) };
}

/** Where registries.d is looked for: `registriesD`, the user's, the system's, hoist's shipped one. */
export function registriesDLookup(options: Pick<PullOptions, 'registriesD'>, env: NodeJS.ProcessEnv) {
  return { env, shippedDir: shippedRegistriesDDir(), ...(options.registriesD !== undefined ? { dir: options.registriesD } : {}) };
}

export async function createPullContext(options: PullOptions): Promise<PullContext> {
  const config = await loadPullConfig(options);
  return { ...config, store: await storeOf({ ...options, env: config.env }, 'pull()') };
}
