/**
 * containers-registries.d(5) as typed data: where the signatures of images on a registry live.
 */

/** One `default-docker` or `docker.<scope>` section, as written (keys left out stay undefined). */
export interface SignatureStorageSection {
  /** `lookaside` (or its deprecated alias `sigstore`): a file:, http: or https: URL. */
  lookaside?: string;
  /** Which spelling set `lookaside` (`lookaside` or `sigstore`), so messages quote the file as written. */
  lookasideKey?: 'lookaside' | 'sigstore';
  /**
   * `lookaside-staging` (or `sigstore-staging`): where signing writes. containers/image reads it only
   * when writing, and hoist never writes signatures, so it is validated but never used for reading.
   */
  lookasideStaging?: string;
  useSigstoreAttachments?: boolean;
  /** `file` the section came from, and its key (`default-docker`, `docker."quay.io"`). */
  file: string;
  key: string;
}

/** Every section of every `*.yaml` file of the directory, merged (conflicts are errors). */
export interface RegistriesD {
  /** The directory read, or undefined when none existed and nothing was configured. */
  dir: string | undefined;
  files: string[];
  defaultDocker?: SignatureStorageSection;
  docker: Record<string, SignatureStorageSection>;
  /** Unknown keys and the like, each naming `file:line:col` and the key: reported, not fatal. */
  warnings: string[];
}

export interface LoadRegistriesDOptions {
  /** The `--registries.d` flag: read this directory only; it must exist. */
  dir?: string;
  /** For HOME (the user's directory). */
  env?: NodeJS.ProcessEnv;
  /** Default `/etc/containers/registries.d`. */
  systemDir?: string;
  /** hoist's own top-level `registries.d/`, used when neither the user's nor the system directory exists. */
  shippedDir: string;
}

export interface SignatureStorageOptions {
  /** For HOME (the non-root built-in lookaside) and `_CONTAINERS_ROOTLESS_UID`. */
  env?: NodeJS.ProcessEnv;
  /** Chooses the built-in lookaside; default: the effective uid is 0, as containers/image decides it. */
  isRoot?: boolean;
}

/**
 * Where one image's signatures are read from, decided per key as containers/image does (the most
 * specific scope that sets a key wins, then parents, then default-docker, then the built-in
 * lookaside). `from` says which section gave each value, for `hoist trust show`.
 */
export interface SignatureStorage {
  /** A parsed `file:`, `http:` or `https:` URL, or undefined when no lookaside applies. */
  lookaside?: URL;
  useSigstoreAttachments: boolean;
  from: {
    lookaside: string;
    useSigstoreAttachments: string;
  };
}
