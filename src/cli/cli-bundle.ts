import { createHash } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/**
 * The `hoist` bin runs the CLI from one CommonJS bundle (scripts/bundle.mjs) compiled with V8's code
 * cache, made when the bundle was built by running the main commands once (scripts/train-cli.mjs).
 * With the cache V8 neither parses nor compiles what those commands ran: measured on `pull --policy
 * always` of an unchanged image, 136 → 100 ms (docs/decisions.md, "Start-up: the CLI runs from a V8
 * code cache"). Node 20 takes a code cache for a script only, not for an ES module, hence CommonJS.
 */
export const BUNDLE_FILE = 'hoist-cli.cjs';
export const CODE_CACHE_FILE = 'hoist-cli.cache';

/** The bundle's exports (cli/main.ts). */
export interface CliExports {
  runCli(argv: string[]): Promise<void>;
}

export interface LoadedCli {
  cli: CliExports;
  /** Whether V8 took the code cache (absent, stale, or made by another Node: compiled from source instead). */
  cacheUsed: boolean;
  /** V8's code cache of the bundle as it is now, with the header that ties it to this bundle. */
  createCodeCache(): Buffer;
}

// undici parses HTTP with a WebAssembly build of llhttp, which V8 compiles twice: at once with its
// baseline compiler, then again, in the background, with its optimizing one. A CLI run parses a few
// small responses (blob bodies bypass undici: http1/bulk-get.ts), so the second compile is pure
// cost: `hoist pull --policy always` of an unchanged image took 0.34 s and peaked at 99 MiB RSS
// with it, 0.26 s and 64 MiB without (node --liftoff-only, 3 runs each). The flag is set before the
// bundle is compiled: V8 takes a code cache only under the flags it was made with. Only the CLI's
// process is changed; the library leaves its host's V8 alone.
const V8_FLAGS = '--liftoff-only';

/**
 * The cache file starts with the sha256 of the bundle and V8's data together. V8 checks a cache
 * against the source's length only, and a release build of V8 does not check the data's own
 * checksum: a cache made for another bundle of the same length would run that bundle's bytecode,
 * and a damaged one crashed node (SIGSEGV). 1.3 ms for the two megabytes, of ~35 ms saved.
 */
const HASH_BYTES = 32;

/**
 * Compiles and runs `dir/hoist-cli.cjs`, with its code cache where that is valid. The source is
 * read as Latin-1 when it is ASCII (the build checks it is), a third of UTF-8 decoding's time.
 */
export function loadCli(dir: string): LoadedCli {
  setFlagsFromString(V8_FLAGS);
  const file = join(dir, BUNDLE_FILE);
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const digest = (data: Buffer) => createHash('sha256').update(bytes).update(data).digest();
  const cachedData = validCache(join(dir, CODE_CACHE_FILE), digest);
  // The wrapper stands on a line of its own, which lineOffset takes out of positions in stack traces.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: file,
    lineOffset: -1,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const module = { exports: {} as CliExports };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dir);
  return {
    cli: module.exports,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    createCodeCache: () => {
      const data = script.createCachedData();
      return Buffer.concat([digest(data), data]);
    },
  };
}

function validCache(path: string, digest: (data: Buffer) => Buffer): Buffer | undefined {
  let cache: Buffer;
  try {
    cache = readFileSync(path);
  } catch {
    return undefined;
  }
  const data = cache.subarray(HASH_BYTES);
  return cache.length > HASH_BYTES && cache.subarray(0, HASH_BYTES).equals(digest(data)) ? data : undefined;
}
