import type { CommandSpec } from './command-spec.js';
import { HoistError } from '../errors.js';
import { lookupOptions, type LookupArgs } from './lookup-option.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface VerifyArgs extends GlobalArgs, LookupArgs {
  images: string[];
  format: 'text' | 'json';
  'signature-policy'?: string;
}

export const verifyCommand: CommandSpec<VerifyArgs> = {
  command: 'verify <images..>',
  completes: 'stored',
  describe: 'Re-check stored images against the current containers-policy.json, offline, with the signatures kept at pull time',
  positionals: { images: { type: 'string', array: true, demandOption: true, describe: 'names or IDs' } },
  options: {
    format: { choices: ['text', 'json'], default: 'text', describe: 'output format' },
    'signature-policy': { type: 'string', describe: 'containers-policy.json to read instead of the default ones' },
    ...lookupOptions,
  },
  async handler(args) {
    const { verifyStoredImage } = await import('../engine/trust-entry.js');
    const store = await openStore(args);
    const results = [];
    for (const input of args.images) {
      results.push(
        await verifyStoredImage(input, store, {
          ...(args['signature-policy'] !== undefined ? { signaturePolicy: args['signature-policy'] } : {}),
          ...(args['registries-conf'] !== undefined ? { registriesConf: args['registries-conf'] } : {}),
          ...(args['alias-cache'] !== undefined ? { aliasCache: args['alias-cache'] } : {}),
        }),
      );
    }
    if (args.format === 'json') writeStdout(JSON.stringify(results, null, 2));
    else {
      for (const { id, results: names } of results) {
        for (const r of names) {
          const label = r.name ?? id;
          writeStdout(
            r.accepted
              ? `${label}: accepted by ${r.scope} (${r.signatures} signature${r.signatures === 1 ? '' : 's'} verified)`
              : `${label}: rejected: ${r.reason}`,
          );
        }
      }
    }
    const refused = results.flatMap((r) => r.results.filter((n) => !n.accepted).map((n) => n.name ?? r.id));
    if (refused.length > 0) {
      throw new HoistError(
        'POLICY_REJECTED',
        `${refused.length === 1 ? `${refused[0]} is` : `${refused.join(', ')} are`} not accepted by the policy in ${results[0]!.policyFile}`,
      );
    }
  },
};
