import { HoistError } from '../errors.js';
import { formatReference, parseReference } from '../reference/index.js';
import type { RegistryName, RegistryTransport } from './transport.js';

/** A name without a known transport prefix: a registry name as written, resolved later (short names). */
export function bareRegistryName(name: string): RegistryName {
  return { reference: name, pullName: name };
}

/**
 * `docker://REF` and bare names: the registry. Its entry parses only; a pull opens it in the
 * engine (copy-registry.ts), which owns short names, mirrors and pull policies.
 */
export const registryTransport: RegistryTransport = {
  kind: 'registry',
  name: 'docker',
  help: {
    syntax: ['NAME', 'docker://NAME'],
    source: 'a registry',
    naming: 'the full reference, e.g. `docker.io/library/fedora:latest`',
  },
  /** `docker:` without `//` is a bare registry name (`docker:latest`, the image "docker"), as in Podman. */
  parse(rest) {
    if (!rest.startsWith('//')) return bareRegistryName(`docker:${rest}`);
    const reference = rest.slice(2);
    if (reference === '') throw new HoistError('INVALID_TRANSPORT', `invalid image name "docker://": docker:// needs an image name`);
    // As Podman: `docker://NAME` is normalized (docker.io/library/…), never resolved as a short name.
    return { reference, pullName: formatReference(parseReference(reference)) };
  },
};
