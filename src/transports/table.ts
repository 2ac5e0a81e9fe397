import { HoistError } from '../errors.js';
import { dirTransport } from './dir.js';
import { dockerArchiveTransport } from './docker-archive.js';
import { ociArchiveTransport } from './oci-archive.js';
import { ociTransport } from './oci.js';
import { bareRegistryName, registryTransport } from './registry-name.js';
import type { LocalName, LocalTransport, RegistryName, RegistryTransport } from './transport.js';

/**
 * Every transport hoist pulls from, one line each, in the order help lists them. Names, parsing,
 * the help text, README's transport table and the pull's dispatch all come from here: a new
 * local transport is its module and one line (docs/architecture.md, "Adding a transport").
 */
export const transports = [registryTransport, dockerArchiveTransport, ociTransport, ociArchiveTransport, dirTransport] as const;

/** Transports containers/image knows that hoist does not pull from: named in an error, never read. */
export const unsupportedTransports: readonly string[] = ['containers-storage', 'docker-daemon', 'ostree', 'sif', 'tarball', 'atomic'];

export type TransportName = (typeof transports)[number]['name'];

/** The prefix a transport's names start with, as help and errors show it: `docker://`, `oci:`. */
export const transportPrefix = (name: TransportName): string => (name === 'docker' ? 'docker://' : `${name}:`);

/** A name parsed by its transport's line of the table. */
export type ParsedImageName =
  | { kind: 'registry'; transport: RegistryTransport; rest: string; parsed: RegistryName }
  | { kind: 'local'; transport: LocalTransport; rest: string; parsed: LocalName };

/**
 * Splits `transport:rest` and parses `rest` with that transport's `parse`, without I/O. A name
 * without a known transport is a registry name, so `fedora:39` and `docker:latest` (no `//`) are
 * images on a registry, as in Podman.
 */
export function parseTransportName(name: string): ParsedImageName {
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const rest = name.slice(colon + 1);
  const transport = transports.find((t) => t.name === prefix);
  if (transport === undefined) {
    if (unsupportedTransports.includes(prefix)) {
      throw new HoistError(
        'UNSUPPORTED_TRANSPORT',
        `unsupported transport "${prefix}" in "${name}": hoist pulls from ${transports.map((t) => transportPrefix(t.name)).join(', ')}`,
      );
    }
    return { kind: 'registry', transport: registryTransport, rest: name, parsed: bareRegistryName(name) };
  }
  if (transport.kind === 'registry') {
    const parsed = transport.parse(rest);
    return { kind: 'registry', transport, rest: parsed.reference, parsed };
  }
  if (rest === '') throw new HoistError('INVALID_TRANSPORT', `invalid image name "${name}": ${prefix}: needs a path`);
  return { kind: 'local', transport, rest, parsed: transport.parse(rest) };
}

export interface ImageName {
  transport: TransportName;
  /** What follows `transport:` (for `docker`, without the `//`; for a bare name, the name itself). */
  reference: string;
}

/** The library's view of a parsed name: its transport and what follows the prefix. */
export function parseImageName(name: string): ImageName {
  const { transport, rest } = parseTransportName(name);
  return { transport: transport.name, reference: rest };
}
