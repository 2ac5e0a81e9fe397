import type { PolicyTransport } from '../config/policy/index.js';
import type { ImageSource } from '../source/image-source.js';

/** A source together with the facts the engine needs to name what it copies. */
export interface OpenedSource {
  source: ImageSource;
  /**
   * Full names (e.g. `docker.io/library/fedora:latest`) the pulled image should carry, as the
   * transport's naming rule gives them; empty when the image is to stay unnamed (known by ID).
   */
  names: string[];
}

/** Which image of a local source was chosen, and from what: what `hoist resolve` tells. */
export interface LocalSelection {
  /** The document that lists the images: `index.json` of a layout, `manifest.json` of a docker archive or `dir:`. */
  listing: string;
  /** How the image was chosen: `the only image`, `ref name "v1"`, `position @1`, `tag docker.io/library/x:1`. */
  chosenBy: string;
  /** The image's position in the listing (absent for `dir:`, which holds one). */
  position?: number;
  /** oci, oci-archive: the entry's `org.opencontainers.image.ref.name` annotation, if any. */
  refName?: string;
  /** docker-archive: the item's RepoTags as written, and the archive entry holding its config. */
  repoTags?: string[];
  configEntry?: string;
}

/** What a local transport opens: the source, its names, and which image it chose. */
export interface OpenedLocalSource extends OpenedSource {
  selection: LocalSelection;
}

export interface TransportContext {
  /** Scratch space on the store's filesystem (e.g. for decompressing an archive). */
  tmpDir: string;
  signal?: AbortSignal;
}

/** The help of one transport: what `hoist pull --help` and README's transport table show. */
export interface TransportHelp {
  /** How its names are written, e.g. `oci:PATH[:REF|:@N]`. */
  syntax: readonly string[];
  /** What it reads, in one line. */
  source: string;
  /** The name(s) the pulled image gets. */
  naming: string;
}

/** What every line of the transport table has (table.ts). */
interface TransportEntry<Parsed> {
  /** The prefix before `:`, as containers/image names the transport. */
  readonly name: string;
  readonly help: TransportHelp;
  /**
   * Checks the whole syntax of what follows `name:` and returns it parsed, without I/O, so a
   * malformed name (a selector typo included) fails before any file is opened; HoistError otherwise.
   * A method, so a transport over its own parsed type still fits the table's list.
   */
  parse(rest: string): Parsed;
}

/** A transport hoist pulls from is one whose policy.json scopes config/policy knows. */
export type LocalTransportName = Exclude<PolicyTransport, 'docker'>;

/** A parsed local name: at least the file or directory it reads. */
export interface LocalName {
  /** The file or directory, as written: policy.json scopes match it (resolved). */
  path: string;
  /** `transport:rest` as the user wrote it, for messages. */
  description: string;
}

/**
 * A transport that reads images from the local filesystem (everything but the registry). `Name`
 * is its literal name, so the table's TransportName is the union of its lines' names.
 */
export interface LocalTransport<Parsed extends LocalName = LocalName, Name extends LocalTransportName = LocalTransportName> extends TransportEntry<Parsed> {
  readonly kind: 'local';
  readonly name: Name;
  open(parsed: Parsed, context: TransportContext): Promise<OpenedLocalSource>;
}

/** A parsed registry name: `docker://REF` or a bare name. */
export interface RegistryName {
  /** The reference as written after `docker://`, or the bare name. */
  reference: string;
  /**
   * What a pull resolves: `docker://` names normalized (docker.io/library/…), never read as short
   * names, as in Podman; a bare name as given, for short-name resolution.
   */
  pullName: string;
}

/** The registry: its opening is the engine's (mirrors, short names, pull policies: copy-registry.ts). */
export interface RegistryTransport extends TransportEntry<RegistryName> {
  readonly kind: 'registry';
  readonly name: 'docker';
}

export type Transport = LocalTransport | RegistryTransport;
