import type { Layering } from './layering.js';

/**
 * hoist's import table: the one place it lives. imports.test.ts checks src/ against it and checks
 * that docs/architecture.md shows it as renderTable and renderDebts give it. It is the code's real
 * layering; docs/architecture.md says where it differs from the shared DESIGN.md. Rows are in
 * layer order: each may import only rows below it.
 */
export const layers: Layering = {
  units: {
    'index.ts': {
      job: 'the library’s public surface: re-exports only',
      mayImport: ['engine', 'unpack', 'store', 'transports', 'config', 'manifest', 'reference', 'progress'],
    },
    cli: {
      job: 'the `hoist` program: one file per command (`pull`, `images`, `inspect`, `rmi`, `tag`, `image exists`, `image prune`, `resolve`, `events`, `trust`, `verify`, `login`, `logout`, `completion`, `unpack`, `export`; the table and Podman’s `image …` names in `commands.ts`), a fast path (`quick-parse.ts`) and yargs for the rest; renders output and errors',
      // transports/: the transport table, for pull's help (cli/transport-help.ts).
      mayImport: ['engine', 'unpack', 'store', 'transports', 'config', 'reference', 'progress'],
    },
    engine: {
      job: '`pull()`: pull policies, local lookup, short-name candidates, one registry source per candidate (copied once), trust joined to the copy, the events log; `explainName` (a registry name’s candidates, what a local name reads and chooses), `explainTrust`, `verifyStoredImage`',
      mayImport: ['copy', 'shortnames', 'transports', 'trust', 'store', 'config', 'source', 'manifest', 'reference'],
      // The engine emits events but must not depend on a renderer (docs/decisions.md, "Shape of the code").
      mayImportTypes: ['progress'],
    },
    unpack: {
      job: '`unpack()` and `exportImage()`: a stored image’s layers applied in order into a directory (every path resolved inside it, whiteouts, hardlinks, owners or their rootless record, xattrs), each layer’s diff_id checked as it is read; an OCI runtime bundle’s config.json; the flattened root filesystem as one tar',
      mayImport: ['store', 'archive', 'manifest', 'reference', 'io'],
      mayImportTypes: ['progress'],
    },
    copy: {
      job: '`copyImage`: the one copier for every source: platform instance, `authorize` before any blob, config and layers in parallel (stored ones skipped), manifest, signatures, the image record',
      mayImport: ['store', 'manifest', 'reference', 'io'],
      mayImportTypes: ['source', 'progress'],
    },
    shortnames: {
      job: 'a short name into candidates (aliases, unqualified-search registries, short-name mode); the alias cache; the terminal prompt',
      mayImport: ['config', 'reference', 'io'],
    },
    transports: {
      job: 'the transport table (`table.ts`): one line per transport, its name, help, a pure `parse(rest)` of the whole name (selectors included) and, for local ones, `open(parsed)`: an `ImageSource`, the names its image gets, the image it chose; a registry image’s endpoints (mirrors, then the primary), each with its own credentials, TLS and User-Agent, walked for the manifest, the blobs, the HEAD digest and the tag list',
      mayImport: ['registry', 'archive', 'config', 'source', 'manifest', 'reference', 'io'],
    },
    trust: {
      job: 'evaluating a parsed containers-policy.json for an image; verifying simple signing (openpgp) and sigstore signatures (keys, Rekor SETs, Fulcio and PKI chains)',
      mayImport: ['config', 'manifest', 'reference', 'io'],
    },
    registry: {
      job: 'the distribution-API client: endpoints, undici’s Agent (TLS and proxies as http1/ sets them), auth challenges and tokens, credentials, retries, Range resume, error mapping; manifests, blobs (bulk GETs through http1/), tags, signatures (lookaside, sigstore attachments)',
      mayImport: ['http1', 'config', 'manifest', 'reference', 'io'],
    },
    http1: {
      job: 'hoist’s own HTTP/1.1 GET for large bodies (blobs): one reused read buffer per connection, a keep-alive pool, the response-head parser and body decoder; what undici’s Agent shares with it: TLS options, `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` by Go’s rules, CONNECT tunnels. No undici (its README says why it exists)',
      mayImport: ['io'],
    },
    store: {
      job: 'the locked local store: blobs (claims, ingest files, verifying sink), image records in index.json, lookup, in-flight marks, garbage collection, tmp/ reclaim, events.jsonl',
      mayImport: ['manifest', 'reference', 'io'],
    },
    config: {
      job: 'finding, reading and validating registries.conf (+ `.d`), auth files (read, and written by login and logout under a lock) and credential helpers (get, store, erase), certs.d, policy.json, registries.d and `hoist.toml`; typed results, errors at `file:line:col`',
      mayImport: ['reference', 'io'],
    },
    archive: {
      job: 'tar archives read in place: the entry table, pax headers, entry names as data, byte ranges; gzip detected and decompressed once into tmp/',
      mayImport: ['io'],
    },
    source: {
      job: 'the source contract between transports and the copier: `ImageSource` (manifests, blobs from an offset, signatures), `RawManifest`, `BlobReadOptions`; types only',
      mayImportTypes: ['manifest', 'io'],
      mayImport: [],
    },
    manifest: {
      job: 'media types; parsing and validating manifests, indexes, configs and descriptors; platform choice; digests of bytes; signature blobs; size limits',
      mayImport: ['reference'],
    },
    reference: {
      job: 'the Docker reference grammar and normalization, digests, image IDs, local names, the docker scope walk',
      mayImport: [],
    },
    io: {
      job: 'files and bytes, each job written once: the `ChunkSink` contract and `watchSink` (what a sink was handed, and whether it failed itself), positional file reads (`pumpFileRange`), bounded reads of small untrusted files (`readSmallFile`, `readAtMost`), opening without waiting (`openRegularFile`), atomic writes with a directory fsync (`writeFileAtomic`), the lock wrapper (`withFileLock`), bounded parallel work (`runLimited`, `mapLimited`)',
      mayImport: [],
    },
    progress: {
      job: 'the copy event types (`events.ts`) and their renderers: TTY bars, plain lines, JSON lines',
      mayImport: [],
    },
    'untrusted-json.ts': {
      job: '`parseUntrustedJson`: JSON.parse for bytes hoist did not write, whose syntax errors never quote a raw control character',
      mayImport: ['errors.ts'],
    },
    'errors.ts': {
      job: '`HoistError` and `MultiError` (stable codes, hints, causes); the sanitizers for untrusted text (`printable`, `quoted`, `clipped`)',
      mayImport: [],
    },
    'base64.ts': {
      job: 'Go’s strict base64 check',
      mayImport: [],
    },
  },
  everyoneMayImport: ['untrusted-json.ts', 'errors.ts', 'base64.ts'],
  allowedForNow: [],
  startup: {
    entry: 'cli/main.ts',
    notAtStartup: {
      registry:
        'The registry stack loads with transports/docker.ts (the registry opener), which engine/registry-sources.ts imports only once a request is made (docs/decisions.md, "The CLI is bundled").',
      http1: 'The blob downloads, TLS options and proxy rules load with the registry stack, which alone uses them.',
      unpack:
        'unpack/ (and node:zlib with it) loads when `hoist unpack` or `hoist export` runs, which alone use it (docs/decisions.md, "Start-up: what was tried, what was kept").',
      undici: 'Only the registry stack may load undici, the largest part of its cost.',
      'node:zlib': 'node:zlib loads with the first gzip archive opened (archive/gunzip-copy.ts) or with unpack/.',
      trust: 'Trust loads through engine/trust-entry.ts, on first use (docs/decisions.md, "Trust is loaded on first use").',
      openpgp:
        'openpgp (a 555 kB file of its own, dist/bin/vendor/) loads only when a simple signature is verified (docs/decisions.md, "Signatures are read only when a requirement verifies them").',
      yaml: 'yaml (a 168 kB file of its own) loads only when registries.d is read (the same entry).',
      'proper-lockfile': 'proper-lockfile loads on the first lock (docs/decisions.md, "proper-lockfile is loaded on first lock").',
      yargs:
        'yargs loads only for help, the version and command lines the fast path does not take (docs/decisions.md, "A plainly valid command line never loads yargs").',
    },
  },
};
