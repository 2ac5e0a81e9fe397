import type { CommandSpec } from './command-spec.js';
import { explainName, type Explanation, type LocalExplanation } from '../engine/index.js';
import { printWarning, writeStdout } from './output.js';
import type { GlobalArgs } from './store-option.js';

interface ResolveArgs extends GlobalArgs {
  name: string;
  format: 'text' | 'json';
  'registries-conf'?: string;
  'alias-cache'?: string;
}

const behaviourText: Record<Explanation['behaviour'], string> = {
  single: 'hoist pull tries this one candidate.',
  'try-all': 'short-name-mode is disabled: hoist pull tries every candidate in order, without asking.',
  'prompt-or-try-all': 'With a terminal on stdin and stdout hoist pull asks which to pull; without one it tries every candidate in order (permissive).',
  'prompt-or-fail': 'With a terminal on stdin and stdout hoist pull asks which to pull; without one it fails (enforcing).',
};

const originText = {
  alias: 'alias',
  'alias-cache': 'recorded alias',
  search: 'unqualified-search registry',
  prompt: 'chosen at the prompt',
  'fully-qualified': 'fully qualified name',
};

function renderRegistry(e: Explanation): string {
  const lines = [`${e.input}: ${e.shortName ? 'a short name' : 'a fully qualified name'}; short-name-mode ${e.mode}${e.modeFile ? ` (${e.modeFile})` : ''}`];
  if (e.description) lines.push(e.description);
  lines.push('Candidates, in order:');
  e.candidates.forEach((c, i) => {
    lines.push(`  ${i + 1}. ${c.reference}`);
    lines.push(`     from: ${originText[c.origin]}${c.file ? ` (${c.file})` : ''}`);
    if (c.registry) lines.push(`     registry table: prefix "${c.registry.prefix}" (${c.registry.file})`);
    if (c.blocked) lines.push(`     BLOCKED: ${c.blocked}`);
    c.sources.forEach((s) =>
      lines.push(`     ${s.mirror ? 'mirror ' : 'primary'}: ${s.reference}${s.insecure ? ' (insecure: plain HTTP allowed, TLS not verified)' : ''}`),
    );
  });
  lines.push(behaviourText[e.behaviour]);
  lines.push(`Configuration read: ${e.files.join(', ') || '(none)'}; alias cache: ${e.aliasCache}`);
  return lines.join('\n');
}

/** A local name: where a pull reads, which image it chooses, and the name it gives it. */
function renderLocal(e: LocalExplanation): string {
  const lines = [`${e.input}: ${e.source} (${e.transport}:)`];
  lines.push(`  reads: ${e.path}${e.resolvedPath !== e.path ? ` (${e.resolvedPath})` : ''}, its ${e.listing}`);
  const at = e.position !== undefined ? `, @${e.position} in ${e.listing}` : '';
  lines.push(`  image: ${e.chosenBy}${at}`);
  if (e.refName !== undefined) lines.push(`  ref name: ${e.refName}`);
  if (e.repoTags !== undefined) lines.push(`  RepoTags: ${e.repoTags.join(', ') || '(none)'}`);
  if (e.configEntry !== undefined) lines.push(`  config entry: ${e.configEntry}`);
  lines.push(`  manifest: ${e.manifestDigest} (${e.mediaType})`);
  if (e.instance !== undefined) lines.push(`  instance for ${e.instance.platform}: ${e.instance.digest}`);
  lines.push(e.names.length > 0 ? `  named: ${e.names.join(', ')}` : '  named: none (the image stays unnamed, known by its ID)');
  return lines.join('\n');
}

export const resolveCommand: CommandSpec<ResolveArgs> = {
  command: 'resolve <name>',
  completes: 'pullable',
  describe:
    'Explain how a name resolves without pulling: for a registry, the candidates, their sources and the short-name mode; for a local transport, the file read, the image chosen and its name',
  positionals: { name: { type: 'string', demandOption: true, describe: 'image name, e.g. fedora, oci:./layout:v1' } },
  options: {
    format: { choices: ['text', 'json'], default: 'text', describe: 'output format' },
    'registries-conf': { type: 'string', describe: 'registries.conf to read instead of the default ones' },
    'alias-cache': { type: 'string', describe: 'short-name alias cache file' },
  },
  async handler(args) {
    const explanation = await explainName(args.name, {
      ...(args['registries-conf'] !== undefined ? { registriesConf: args['registries-conf'] } : {}),
      ...(args['alias-cache'] !== undefined ? { aliasCache: args['alias-cache'] } : {}),
      onEvent: (e) => {
        if (e.type === 'warning') printWarning(e.message);
      },
    });
    const shown = explanation.kind === 'registry' ? explanation.registry : explanation.local;
    if (args.format === 'json') writeStdout(JSON.stringify(shown, null, 2));
    else writeStdout(explanation.kind === 'registry' ? renderRegistry(explanation.registry) : renderLocal(explanation.local));
  },
};
