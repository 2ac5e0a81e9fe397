/** The shapes of containers-registries.conf(5) v2 after loading, merging and validation. */

export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface MirrorConfig {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

export interface RegistryConfig {
  /** Matched against image names; `*.example.com` matches any subdomain. */
  prefix: string;
  /** Where the prefix-rooted namespace really lives; empty only for a wildcard prefix (no rewrite). */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: MirrorConfig[];
  /** The file this table came from. */
  file: string;
}

export interface AliasEntry {
  /** Normalized `domain/path`, no tag or digest. */
  value: string;
  file: string;
}

export interface RegistriesConf {
  /** Files read, in order. */
  files: string[];
  unqualifiedSearchRegistries: string[];
  unqualifiedSearchRegistriesFile?: string;
  shortNameMode: ShortNameMode;
  shortNameModeFile?: string;
  credentialHelpers: string[];
  aliases: Map<string, AliasEntry>;
  /** Sorted by prefix, one per prefix. */
  registries: RegistryConfig[];
  /** Problems that do not stop loading (unknown keys, deprecated format); collected, not printed. */
  warnings: string[];
}

export interface LoadRegistriesConfOptions {
  /** `--registries-conf`: read only this main file, which must exist. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Directories holding the system registries.conf, highest priority first. */
  systemDirs?: string[];
  /** hoist's own default, used when no user or system file exists. */
  shippedFile: string;
}

/**
 * One validated file, before merging. An absent key stays undefined, because only keys a file sets
 * override earlier files; an alias value '' erases that alias.
 */
export interface ConfLayer {
  file: string;
  unqualifiedSearchRegistries?: string[];
  shortNameMode?: ShortNameMode;
  credentialHelpers?: string[];
  aliases: Map<string, AliasEntry>;
  registries: RegistryConfig[];
  warnings: string[];
}
