/** Short-name resolution (aliases, search registries, prompt) and the recorded alias cache. */
export { aliasCachePath, readAliasCache, recordAlias, type AliasCachePathOptions } from './alias-cache.js';
export { selectItem, terminalPrompt, type PromptStreams } from './prompt.js';
export {
  aliasToRecord,
  resolveShortName,
  type Candidate,
  type CandidateOrigin,
  type Resolution,
  type ResolveOptions,
} from './resolve.js';
