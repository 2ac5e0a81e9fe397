import type { CredentialsHook } from '../config/auth/index.js';
import type { Candidate } from '../shortnames/index.js';
import type { PlatformFlags } from '../manifest/index.js';
import type { EventListener } from '../progress/events.js';
import type { ImageStore } from '../store/index.js';
import type { RegistryAccess } from '../transports/registry-access.js';

export type { RegistryAccess } from '../transports/registry-access.js';

export type PullPolicy = 'always' | 'missing' | 'newer' | 'never';

export interface PullOptions {
  /** A store from openImageStore(), or the root to open (default: HOIST_ROOT / the per-user default). */
  store?: ImageStore;
  root?: string;
  /** Registry pulls only. Default: hoist.toml's, else 'always'. */
  policy?: PullPolicy;
  /** --platform / --os / --arch / --variant; default: the host. */
  platform?: PlatformFlags;
  /** Blobs copied at once (default: hoist.toml's, else 6). */
  maxParallel?: number;
  signal?: AbortSignal;
  /** Receives every progress event (the CLI renders them; library users may log or ignore them). */
  onEvent?: EventListener;
  registry?: RegistryAccess;
  /**
   * Asked for each registry endpoint's credentials (mirrors included, each by its own host) after
   * `registry.creds` and before the auth files; undefined lets the auth files answer.
   */
  credentials?: CredentialsHook;
  /** Pull every tag of the repository (registry names only). */
  allTags?: boolean;
  /** `--registries-conf`: the only registries.conf read. */
  registriesConf?: string;
  /** `--signature-policy` (or HOIST_SIGNATURE_POLICY): the only containers-policy.json read. */
  signaturePolicy?: string;
  /** `--registries.d`: the only containers-registries.d directory read. */
  registriesD?: string;
  /** `--alias-cache`: the short-name alias cache file. */
  aliasCache?: string;
  /** Whether `prompt` may be asked (the CLI: stdin and stdout are terminals); default true when a prompt is given. */
  isTTY?: boolean;
  /**
   * Chooses among short-name candidates, as Podman's TTY prompt does. Without it a pull never
   * prompts: enforcing mode then fails on an ambiguous short name, permissive tries each candidate.
   */
  prompt?: (candidates: Candidate[]) => Promise<Candidate>;
  /** Environment for config lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface PulledImage {
  /** Image ID: 64 hex, the config digest. */
  id: string;
  /** The names the image carries after the pull (empty when unnamed). */
  names: string[];
  manifestDigest: string;
}
