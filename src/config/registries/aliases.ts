/**
 * The rules for one short-name alias, shared by registries.conf `[aliases]` and the recorded alias
 * cache: the name is a short name, the value a fully qualified repository, neither with tag or digest.
 */
import { parseReference, parseReferenceParts, repositoryName } from '../../reference/index.js';

export interface CheckedAlias {
  /** Normalized `domain/path`; '' when the entry erases an alias set by an earlier file. */
  value: string;
  problems: string[];
}

export function checkAlias(name: string, value: string): CheckedAlias {
  const problems: string[] = [];
  const nameProblem = shortNameProblem(name);
  if (nameProblem !== undefined) problems.push(nameProblem);
  if (value === '') return { value, problems };
  const parsed = parseAliasValue(value);
  if (typeof parsed === 'string') return { value: parsed, problems };
  problems.push(parsed.problem);
  return { value: '', problems };
}

function shortNameProblem(name: string): string | undefined {
  let parts: ReturnType<typeof parseReferenceParts>;
  try {
    parts = parseReferenceParts(name);
  } catch (err) {
    return `cannot parse short name: ${JSON.stringify(name)}: ${(err as Error).message}`;
  }
  if (parts.digest !== undefined) return `invalid short name ${JSON.stringify(name)}: must not contain digest`;
  if (parts.tag !== undefined) return `invalid short name ${JSON.stringify(name)}: must not contain tag`;
  if (parts.domain !== undefined) return `invalid short name ${JSON.stringify(name)}: must not contain registry`;
  return undefined;
}

function parseAliasValue(value: string): string | { problem: string } {
  let parts: ReturnType<typeof parseReferenceParts>;
  try {
    parts = parseReferenceParts(value);
  } catch (err) {
    return { problem: `parsing alias ${JSON.stringify(value)}: ${(err as Error).message}` };
  }
  if (parts.digest !== undefined) return { problem: `invalid alias ${JSON.stringify(value)}: must not contain digest` };
  if (parts.tag !== undefined) return { problem: `invalid alias ${JSON.stringify(value)}: must not contain tag` };
  if (parts.domain === undefined) return { problem: `invalid alias ${JSON.stringify(value)}: must contain registry and repository` };
  // docker.io/alpine → docker.io/library/alpine, as the alias is compared and used normalized.
  return repositoryName(parseReference(value));
}
