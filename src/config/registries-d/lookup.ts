/**
 * Which registries.d sections apply to one image, as containers/image decides it
 * (docker/registries_d.go `signatureTopLevel`, `useSigstoreAttachments`):
 *
 * - the walk is the full `dockerScopes(ref)`: the identity with its tag or digest first
 *   (upstream's "full match" on PolicyConfigurationIdentity), then the repository, its parent
 *   namespaces, the registry and the `*.domain` wildcards; then `default-docker`;
 * - each key is decided on its own: the first section on that walk that sets it wins, so a scope
 *   that only sets `use-sigstore-attachments` still inherits a parent's `lookaside`;
 * - reading uses `lookaside` (or `sigstore`) only; `lookaside-staging` is for writing;
 * - with no lookaside anywhere, the built-in local directory applies.
 *
 * Callers pass the physical reference (the mirror actually pulled from), as upstream does.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dockerScopes, withDefaultTag, type ImageReference } from '../../reference/index.js';
import type { RegistriesD, SignatureStorage, SignatureStorageOptions, SignatureStorageSection } from './types.js';

export const BUILT_IN_DEFAULT = 'built-in default';
/** containers/image's lookaside for root; others get `$HOME/.local/share/containers/sigstore`. */
export const ROOT_LOOKASIDE = 'file:///var/lib/containers/sigstore';

export function signatureStorageFor(config: RegistriesD, ref: ImageReference, options: SignatureStorageOptions = {}): SignatureStorage {
  const env = options.env ?? process.env;
  // Upstream's docker references always carry a tag (`:latest` when none was given).
  const scopes = dockerScopes(withDefaultTag(ref));
  const sections = [
    ...scopes.filter((scope) => Object.hasOwn(config.docker, scope)).map((scope) => config.docker[scope]!),
    ...(config.defaultDocker ? [config.defaultDocker] : []),
  ];
  const lookaside = sections.find((section) => section.lookaside !== undefined);
  const attachments = sections.find((section) => section.useSigstoreAttachments !== undefined);
  return {
    lookaside: lookaside ? new URL(lookaside.lookaside!) : builtInLookaside(env, options.isRoot ?? isRootlessEuidZero(env)),
    useSigstoreAttachments: attachments?.useSigstoreAttachments ?? false,
    from: {
      lookaside: lookaside ? origin(lookaside, lookaside.lookasideKey ?? 'lookaside') : BUILT_IN_DEFAULT,
      useSigstoreAttachments: attachments ? origin(attachments, 'use-sigstore-attachments') : BUILT_IN_DEFAULT,
    },
  };
}

function builtInLookaside(env: NodeJS.ProcessEnv, isRoot: boolean): URL {
  if (isRoot) return new URL(ROOT_LOOKASIDE);
  return pathToFileURL(join(env.HOME || homedir(), '.local', 'share', 'containers', 'sigstore'));
}

/**
 * rootless.GetRootlessEUID() === 0: Podman re-executes rootless users inside a user namespace
 * where the euid is 0 and records the real uid in `_CONTAINERS_ROOTLESS_UID`, which then decides.
 * Like Go's strconv.Atoi there, a value that is not a number counts as 0.
 */
function isRootlessEuidZero(env: NodeJS.ProcessEnv): boolean {
  const recorded = env._CONTAINERS_ROOTLESS_UID;
  if (recorded) return !/^[+-]?[0-9]+$/.test(recorded) || Number(recorded) === 0;
  return process.geteuid?.() === 0;
}

/** `/etc/containers/registries.d/a.yaml: docker."quay.io".lookaside`. */
function origin(section: SignatureStorageSection, key: string): string {
  return `${section.file}: ${section.key}.${key}`;
}
