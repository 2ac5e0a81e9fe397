import type { CommandSpec } from './command-spec.js';
import type { ExplainedImage, ExplainedRequirement, TrustExplanation } from '../engine/index.js';
import { printWarning, writeStdout } from './output.js';
import type { GlobalArgs } from './store-option.js';

interface TrustArgs extends GlobalArgs {
  action: 'show';
  name?: string;
  format: 'text' | 'json';
  'signature-policy'?: string;
  'registries.d'?: string;
  'registries-conf'?: string;
}

function requirementLines(requirements: readonly ExplainedRequirement[], indent: string): string[] {
  return requirements.map((r) => {
    const details = [
      r.keyType,
      r.trust,
      r.keys?.length ? `keys ${r.keys.join(', ')}` : undefined,
      r.signedIdentity ? `identity ${r.signedIdentity}` : undefined,
    ].filter(Boolean);
    return `${indent}- ${r.type}${details.length ? ` (${details.join('; ')})` : ''}  [${r.where}]`;
  });
}

function imageLines(image: ExplainedImage): string[] {
  const lines = [
    `${image.identity}`,
    `  decided by: ${image.scope} (scopes tried: ${image.scopesTried.map((s) => JSON.stringify(s)).join(', ') || 'none'})`,
    '  requirements, all of which must accept:',
  ];
  lines.push(...requirementLines(image.requirements, '    '));
  for (const s of image.signatureSources) {
    lines.push(`  signatures for ${s.mirror ? 'mirror' : 'primary'} ${s.endpoint}:`);
    lines.push(`    lookaside: ${s.lookaside ?? '(none)'}  [${s.lookasideFrom}]`);
    lines.push(`    sigstore attachments: ${s.useSigstoreAttachments ? 'read' : 'not read'}  [${s.useSigstoreAttachmentsFrom}]`);
  }
  image.problems.forEach((p) => lines.push(`  problem: ${p}`));
  return lines;
}

function render(e: TrustExplanation): string {
  const lines = [`policy: ${e.policyFile}`, `registries.d: ${e.registriesD}`];
  for (const { scope, requirements } of e.scopes ?? []) lines.push(`${scope}:`, ...requirementLines(requirements, '  '));
  for (const image of e.images ?? []) lines.push(...imageLines(image));
  return lines.join('\n');
}

export const trustCommand: CommandSpec<TrustArgs> = {
  command: 'trust <action> [name]',
  describe: 'Show which containers-policy.json entry and signature storage apply to NAME (or the whole policy), without pulling',
  positionals: {
    action: { choices: ['show'], demandOption: true, describe: 'show' },
    name: { type: 'string', describe: 'image name, e.g. quay.io/ns/app:1 or oci:./layout' },
  },
  options: {
    format: { choices: ['text', 'json'], default: 'text', describe: 'output format' },
    'signature-policy': { type: 'string', describe: 'containers-policy.json to read instead of the default ones' },
    'registries.d': { type: 'string', describe: 'containers-registries.d directory to read instead of the default ones' },
    'registries-conf': { type: 'string', describe: 'registries.conf to read instead of the default ones' },
  },
  async handler(args) {
    const { explainTrust } = await import('../engine/trust-entry.js');
    const explanation = await explainTrust(args.name, {
      ...(args['signature-policy'] !== undefined ? { signaturePolicy: args['signature-policy'] } : {}),
      ...(args['registries.d'] !== undefined ? { registriesD: args['registries.d'] } : {}),
      ...(args['registries-conf'] !== undefined ? { registriesConf: args['registries-conf'] } : {}),
      onEvent: (e) => {
        if (e.type === 'warning') printWarning(e.message);
      },
    });
    writeStdout(args.format === 'json' ? JSON.stringify(explanation, null, 2) : render(explanation));
  },
};
