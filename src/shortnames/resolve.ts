/**
 * Short-name resolution, the algorithm of containers/image pkg/shortnames Resolve: an alias wins;
 * otherwise each unqualified-search registry is a candidate, and `short-name-mode` decides whether
 * to use them all, to prompt, or to refuse.
 */
import type { AliasEntry, RegistriesConf, ShortNameMode } from '../config/registries/index.js';
import { HoistError } from '../errors.js';
import { isShortName, parseReference, parseReferenceParts, repositoryName, withDefaultTag, type ImageReference } from '../reference/index.js';

export type CandidateOrigin = 'alias' | 'alias-cache' | 'search' | 'prompt' | 'fully-qualified';

export interface Candidate {
  /** With the default tag applied. */
  reference: ImageReference;
  origin: CandidateOrigin;
  /** The file that produced it: the alias's file, or the one setting the search registries. */
  file?: string;
}

export interface Resolution {
  input: string;
  shortName: boolean;
  mode: ShortNameMode;
  /** To pull in order; the first that succeeds wins. */
  candidates: Candidate[];
  /** The user chose at the prompt: record the pulled candidate in the alias cache. */
  recordAliasOnSuccess: boolean;
  /** Podman's stderr line saying how the name was resolved, when there is one. */
  description?: string;
}

export interface ResolveOptions {
  conf: RegistriesConf;
  /** From readAliasCache; it takes precedence over registries.conf aliases. */
  aliasCache: Map<string, AliasEntry>;
  /** Whether stdin and stdout are both terminals. */
  isTTY: boolean;
  /** Asks the user to pick one candidate; without it hoist cannot prompt, as without a TTY. */
  prompt?: (candidates: Candidate[]) => Promise<Candidate>;
}

export async function resolveShortName(input: string, opts: ResolveOptions): Promise<Resolution> {
  const mode = opts.conf.shortNameMode;
  if (!isShortName(input)) {
    const reference = withDefaultTag(parseReference(input));
    return { input, shortName: false, mode, candidates: [{ reference, origin: 'fully-qualified' }], recordAliasOnSuccess: false };
  }
  const resolution = { input, shortName: true, mode, recordAliasOnSuccess: false };

  // Aliases are looked up by the name as written, without tag or digest, which are re-applied after.
  const { name, suffix } = splitShortName(input);
  const alias = lookUpAlias(name, opts);
  if (alias) {
    const reference = withDefaultTag(parseReference(alias.entry.value + suffix));
    return {
      ...resolution,
      candidates: [{ reference, origin: alias.origin, file: alias.entry.file }],
      description: `Resolved ${JSON.stringify(name)} as an alias (${alias.entry.file})`,
    };
  }

  const { unqualifiedSearchRegistries: registries, unqualifiedSearchRegistriesFile: file } = opts.conf;
  if (registries.length === 0) {
    const where = file ? `no unqualified-search registries are defined in ${JSON.stringify(file)}` : 'no containers-registries.conf(5) was found';
    throw new HoistError('SHORT_NAME', `short-name ${JSON.stringify(input)} did not resolve to an alias and ${where}`, {
      hint: 'use a fully qualified name, or set unqualified-search-registries or an alias in registries.conf',
    });
  }
  const candidates = registries.map(
    (registry): Candidate => ({
      reference: withDefaultTag(parseReference(`${registry}/${input}`)),
      origin: 'search',
      ...(file === undefined ? {} : { file }),
    }),
  );
  const searching = {
    ...resolution,
    candidates,
    description: `Resolving ${JSON.stringify(name)} using unqualified-search registries (${file})`,
  };

  if (mode === 'disabled' || candidates.length === 1) return searching;
  if (!opts.isTTY || opts.prompt === undefined) {
    if (mode === 'permissive') return searching;
    throw new HoistError('SHORT_NAME', 'short-name resolution enforced but cannot prompt without a TTY', {
      hint: `use a fully qualified name, or add an alias for ${JSON.stringify(name)} in registries.conf`,
    });
  }
  const chosen = await opts.prompt(candidates);
  // Like Podman, no description: the user just saw the choice.
  return { ...resolution, candidates: [{ reference: chosen.reference, origin: 'prompt' }], recordAliasOnSuccess: true };
}

/** The alias to record once a prompted candidate was pulled: short name → repository. */
export function aliasToRecord(resolution: Resolution, pulled: Candidate): { name: string; value: string } {
  return { name: splitShortName(resolution.input).name, value: repositoryName(pulled.reference) };
}

function splitShortName(input: string): { name: string; suffix: string } {
  const parts = parseReferenceParts(input);
  const suffix = (parts.tag !== undefined ? `:${parts.tag}` : '') + (parts.digest !== undefined ? `@${parts.digest}` : '');
  return { name: parts.path, suffix };
}

/** The cache first; an entry erased there ('') hides registries.conf's alias too, as in containers/image. */
function lookUpAlias(name: string, opts: ResolveOptions): { entry: AliasEntry; origin: CandidateOrigin } | undefined {
  const cached = opts.aliasCache.get(name);
  if (cached) return cached.value === '' ? undefined : { entry: cached, origin: 'alias-cache' };
  const configured = opts.conf.aliases.get(name);
  return configured ? { entry: configured, origin: 'alias' } : undefined;
}
