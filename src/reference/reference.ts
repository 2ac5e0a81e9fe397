/**
 * The Docker image reference grammar of github.com/distribution/reference:
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain    := host [ ":" port ]     host: DNS-ish labels, IPv4, or "[" IPv6 "]"
 *
 * It is parsed piecewise rather than with one regexp so that errors can say which part is wrong.
 * The accepted language is the same but for two refusals of hoist's own (docs/decisions.md): a
 * short name of 64 hex, which would read as an image ID, and a port above 65535.
 */
import { HoistError, quoted } from '../errors.js';
import { parseDigest } from './digest.js';
import { isFullImageId } from './image-id.js';

export interface ImageReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

interface ReferenceParts {
  domain?: string;
  path: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_MAX = 255;
const TAG_MAX = 128;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_CHARS = /^\w[\w.-]*$/;
const HOST_LABEL = /^[a-zA-Z0-9-]+$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const PORT_MAX = 65535;
const TRANSPORT_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** `invalid reference "<input>": <reason>`, the input quoted so that no byte of it reaches a terminal raw. */
export function invalidReference(input: string, reason: string, cause?: unknown): HoistError {
  return new HoistError('INVALID_REFERENCE', `invalid reference ${quoted(input)}: ${reason}`, {
    details: { reference: input },
    ...(cause === undefined ? {} : { cause }),
  });
}

function fail(input: string, reason: string, cause?: unknown): never {
  throw invalidReference(input, reason, cause);
}

function isHostName(host: string): boolean {
  // Labels are split out instead of one regexp to avoid backtracking on long hyphen runs.
  return host.split('.').every((l) => HOST_LABEL.test(l) && !l.startsWith('-') && !l.endsWith('-'));
}

function domainProblem(domain: string): string | undefined {
  let host: string;
  let rest: string;
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    host = close === -1 ? domain : domain.slice(0, close + 1);
    rest = close === -1 ? '' : domain.slice(close + 1);
    if (!IPV6_HOST.test(host)) return `invalid domain ${quoted(domain)}`;
  } else {
    const colon = domain.indexOf(':');
    host = colon === -1 ? domain : domain.slice(0, colon);
    rest = colon === -1 ? '' : domain.slice(colon);
    if (!isHostName(host)) return `invalid domain ${quoted(domain)}`;
  }
  if (rest === '') return undefined;
  if (!rest.startsWith(':')) return `invalid domain ${quoted(domain)}`;
  const port = rest.slice(1);
  if (!PORT.test(port)) return `invalid port in domain ${quoted(domain)}`;
  // The grammar takes any digits; a TCP port it names must still exist.
  return Number(port) > PORT_MAX ? `invalid port in domain ${quoted(domain)}: ${port} is above ${PORT_MAX}` : undefined;
}

/** Splits and validates everything but total name length, which callers check on their own form of the name. */
function splitReference(input: string): ReferenceParts {
  if (input === '') fail(input, 'repository name must have at least one component');
  const transport = TRANSPORT_PREFIX.exec(input);
  if (transport !== null) fail(input, `invalid reference format: unexpected transport prefix ${quoted(transport[0])}`);

  // Neither name nor tag may contain '@'; a ':' after the last '/' can only start the tag,
  // because a ':' in the name belongs to the domain, which is always followed by '/'.
  const at = input.indexOf('@');
  const nameAndTag = at === -1 ? input : input.slice(0, at);
  const digest = at === -1 ? undefined : input.slice(at + 1);
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (name === '') fail(input, 'invalid reference format');

  // splitDockerDomain's rule: the first of several components is a registry only if it looks like one.
  const slash = name.indexOf('/');
  const first = slash === -1 ? undefined : name.slice(0, slash);
  const isDomain = first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = isDomain ? first : undefined;
  const path = isDomain ? name.slice(slash + 1) : name;

  if (domain !== undefined) {
    const problem = domainProblem(domain);
    if (problem !== undefined) fail(input, problem);
  }
  // A short name of 64 hex would read as an image ID wherever names and IDs are both accepted.
  if (domain === undefined && isFullImageId(path)) fail(input, 'cannot specify 64-byte hexadecimal strings');
  if (/[A-Z]/.test(path)) fail(input, 'repository name must be lowercase');
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) fail(input, 'invalid reference format');
  if (tag !== undefined) {
    if (!TAG_CHARS.test(tag)) fail(input, `invalid tag ${quoted(tag)}`);
    if (tag.length > TAG_MAX) fail(input, `invalid tag: longer than ${TAG_MAX} characters`);
  }
  if (digest !== undefined) {
    try {
      parseDigest(digest);
    } catch (err) {
      fail(input, (err as Error).message, err);
    }
  }

  const parts: ReferenceParts = { path };
  if (domain !== undefined) parts.domain = domain;
  if (tag !== undefined) parts.tag = tag;
  if (digest !== undefined) parts.digest = digest;
  return parts;
}

function checkNameLength(input: string, name: string): void {
  if (name.length > NAME_MAX) fail(input, `repository name too long (${name.length} characters, at most ${NAME_MAX})`);
}

function suffix(ref: { tag?: string | undefined; digest?: string | undefined }): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/**
 * The parts as written, not normalized (reference.Parse). `domain` is undefined unless the first of
 * several components contains '.' or ':' or is 'localhost'.
 */
export function parseReferenceParts(input: string): { domain?: string; path: string; tag?: string; digest?: string } {
  const parts = splitReference(input);
  checkNameLength(input, parts.domain === undefined ? parts.path : `${parts.domain}/${parts.path}`);
  return parts;
}

/**
 * Parse + normalize like ParseNormalizedNamed. No default tag; `name:tag@digest` keeps only the
 * digest, as Podman does. The 255 limit applies to the normalized name (docker.io/library/… included),
 * as in containers/image, which Podman uses.
 */
export function parseReference(input: string): ImageReference {
  const parts = splitReference(input);
  let domain = parts.domain ?? DEFAULT_DOMAIN;
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  const path = domain === DEFAULT_DOMAIN && !parts.path.includes('/') ? OFFICIAL_PREFIX + parts.path : parts.path;
  checkNameLength(input, `${domain}/${path}`);

  const ref: ImageReference = { domain, path };
  if (parts.digest !== undefined) ref.digest = parts.digest;
  else if (parts.tag !== undefined) ref.tag = parts.tag;
  return ref;
}

/** Adds tag 'latest' when neither tag nor digest is present. Returns a new object. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : { ...ref };
}

/** 'docker.io/library/fedora' */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** 'docker.io/library/fedora:latest', 'quay.io/a/b@sha256:…', or name:tag@digest when a caller set both. */
export function formatReference(ref: ImageReference): string {
  return repositoryName(ref) + suffix(ref);
}

/** FamiliarString: drops docker.io/, and library/ when no further '/' follows it. */
export function familiarString(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path;
    if (name.startsWith(OFFICIAL_PREFIX) && !name.includes('/', OFFICIAL_PREFIX.length)) name = name.slice(OFFICIAL_PREFIX.length);
  }
  return name + suffix(ref);
}

/** True when the input names no registry (a short name), e.g. 'fedora', 'fedora:39', 'user/app'. */
export function isShortName(input: string): boolean {
  return parseReferenceParts(input).domain === undefined;
}
