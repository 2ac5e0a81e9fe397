import { findRegistry, pullSources, type ShortNameMode } from '../config/registries/index.js';
import { isHoistError } from '../errors.js';
import { formatReference } from '../reference/index.js';
import { aliasCachePath, readAliasCache, resolveShortName, type CandidateOrigin } from '../shortnames/index.js';
import { parseTransportName } from '../transports/index.js';
import { explainLocal, type LocalExplanation } from './explain-local.js';
import type { PullOptions } from './options.js';
import { loadPullConfig } from './pull-context.js';

export interface ExplainedSource {
  reference: string;
  insecure: boolean;
  mirror: boolean;
}

export interface ExplainedCandidate {
  reference: string;
  origin: CandidateOrigin;
  /** The file the candidate came from (alias, search registries, alias cache). */
  file?: string;
  /** The `[[registry]]` table that applies, if any. */
  registry?: { prefix: string; file: string };
  /** Set when the registry is blocked: the pull of this candidate would fail. */
  blocked?: string;
  /** Where it would be pulled from, in order: mirrors, then the primary. */
  sources: ExplainedSource[];
}

export interface Explanation {
  input: string;
  shortName: boolean;
  mode: ShortNameMode;
  modeFile?: string;
  /** The line a pull prints before its first attempt, if any. */
  description?: string;
  /** What a pull does with these candidates: try all, try the only one, or ask at a TTY. */
  behaviour: 'single' | 'try-all' | 'prompt-or-try-all' | 'prompt-or-fail';
  candidates: ExplainedCandidate[];
  aliasCache: string;
  files: string[];
}

/** What `hoist resolve NAME` tells, by the kind of transport NAME names. */
export type NameExplanation = { kind: 'registry'; registry: Explanation } | { kind: 'local'; local: LocalExplanation };

/**
 * What `hoist pull NAME` would do, without pulling: the `hoist resolve` command. The name is parsed
 * by its transport's line of the table first, so a malformed one fails before anything is read.
 */
export async function explainName(input: string, options: Omit<PullOptions, 'store' | 'root'> = {}): Promise<NameExplanation> {
  const named = parseTransportName(input);
  if (named.kind === 'local') return { kind: 'local', local: await explainLocal(input, named.transport, named.parsed, options) };
  return { kind: 'registry', registry: { ...(await explainResolution(named.parsed.pullName, options)), input } };
}

/** Which candidates a pull of the registry name NAME would try and where, without pulling. */
export async function explainResolution(input: string, options: Omit<PullOptions, 'store' | 'root'> = {}): Promise<Explanation> {
  const ctx = await loadPullConfig(options);
  const conf = await ctx.registriesConf();
  const cacheFile = aliasCachePath({ env: ctx.env, ...(options.aliasCache !== undefined ? { file: options.aliasCache } : {}) });
  // Resolve as if prompting were off so every candidate shows; the mode is reported beside them.
  const resolution = await resolveShortName(input, { conf: { ...conf, shortNameMode: 'disabled' }, aliasCache: await readAliasCache(cacheFile), isTTY: false });
  const candidates = resolution.candidates.map((candidate): ExplainedCandidate => {
    const reference = formatReference(candidate.reference);
    const registry = findRegistry(conf, reference);
    const base = {
      reference,
      origin: candidate.origin,
      ...(candidate.file !== undefined ? { file: candidate.file } : {}),
      ...(registry !== undefined ? { registry: { prefix: registry.prefix, file: registry.file } } : {}),
    };
    try {
      const sources = pullSources(conf, candidate.reference).map((s) => ({ reference: formatReference(s.reference), insecure: s.insecure, mirror: s.mirror }));
      return { ...base, sources };
    } catch (err) {
      if (!isHoistError(err, 'BLOCKED_REGISTRY')) throw err;
      return { ...base, blocked: err.message, sources: [] };
    }
  });
  const several = candidates.length > 1;
  const behaviour = !several
    ? 'single'
    : conf.shortNameMode === 'disabled'
      ? 'try-all'
      : conf.shortNameMode === 'permissive'
        ? 'prompt-or-try-all'
        : 'prompt-or-fail';
  return {
    input,
    shortName: resolution.shortName,
    mode: conf.shortNameMode,
    ...(conf.shortNameModeFile !== undefined ? { modeFile: conf.shortNameModeFile } : {}),
    ...(resolution.description !== undefined ? { description: resolution.description } : {}),
    behaviour,
    candidates,
    aliasCache: cacheFile,
    files: conf.files,
  };
}
