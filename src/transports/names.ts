import { HoistError } from '../errors.js';

export type TransportName = 'docker' | 'docker-archive' | 'oci' | 'oci-archive' | 'dir';

export interface ImageName {
  transport: TransportName;
  /** What follows `transport:` (for `docker`, without the `//`; for a bare name, the name itself). */
  reference: string;
}

const supported: readonly TransportName[] = ['docker', 'docker-archive', 'oci', 'oci-archive', 'dir'];

/** Transports containers/image knows that hoist does not pull from. */
const unsupported = new Set(['containers-storage', 'docker-daemon', 'ostree', 'sif', 'tarball', 'atomic']);

/**
 * Splits `transport:rest`. A name without a known transport is a registry name, so `fedora:39`
 * and `docker:latest` (no `//`) are images on a registry, as in Podman.
 */
export function parseImageName(name: string): ImageName {
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const rest = name.slice(colon + 1);
  if (prefix === 'docker') {
    if (!rest.startsWith('//')) return { transport: 'docker', reference: name };
    if (rest === '//') throw new HoistError('INVALID_TRANSPORT', `invalid image name "${name}": docker:// needs an image name`);
    return { transport: 'docker', reference: rest.slice(2) };
  }
  if ((supported as readonly string[]).includes(prefix)) {
    if (rest === '') throw new HoistError('INVALID_TRANSPORT', `invalid image name "${name}": ${prefix}: needs a path`);
    return { transport: prefix as TransportName, reference: rest };
  }
  if (unsupported.has(prefix)) {
    throw new HoistError('UNSUPPORTED_TRANSPORT', `unsupported transport "${prefix}" in "${name}": hoist pulls from ${supported.map((t) => (t === 'docker' ? 'docker://' : `${t}:`)).join(', ')}`);
  }
  return { transport: 'docker', reference: name };
}

/**
 * Splits a local transport's `PATH[:REF]` at the first colon, as containers/image does, so a
 * reference may itself hold colons (`oci:dir:docker.io/library/fedora:latest`) and a path may not.
 */
export function splitPathAndReference(rest: string): { path: string; ref?: string } {
  const colon = rest.indexOf(':');
  if (colon === 0) throw new HoistError('INVALID_TRANSPORT', `invalid image name "${rest}": the path before ":" is empty`);
  if (colon < 0) return { path: rest };
  const ref = rest.slice(colon + 1);
  return ref === '' ? { path: rest.slice(0, colon) } : { path: rest.slice(0, colon), ref };
}
