import type { CommandSpec } from './command-spec.js';
import { HoistError } from '../errors.js';
import { describeImage, type ImageInfo } from '../store/index.js';
import { isJsonFormat, renderTemplate } from './format-option.js';
import { goTime } from './go-values.js';
import { localSearchFor, lookupOptions, type LookupArgs } from './lookup-option.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface InspectArgs extends GlobalArgs, LookupArgs {
  images: string[];
  format?: string;
}

/** What a `--format` template sees: the JSON's fields, `.ID` as Podman's alias of `.Id`, `.Created` as a Go time. */
function templateData(info: ImageInfo) {
  return { ...info, ID: info.Id, Created: goTime(info.Created) };
}

export const inspectCommand: CommandSpec<InspectArgs> = {
  command: 'inspect <images..>',
  completes: 'stored',
  describe: 'Show details of stored images as JSON (like podman image inspect)',
  epilog: 'Sizes (Size, VirtualSize) are the bytes stored: config and layers as pulled, compressed ones compressed.',
  positionals: { images: { type: 'string', array: true, demandOption: true, describe: 'names or IDs' } },
  options: { ...lookupOptions, format: { alias: 'f', type: 'string', describe: "json, or a Go template run per image ('{{.Id}} {{.Digest}}')" } },
  async handler(args) {
    const store = await openStore(args);
    const search = await localSearchFor(args);
    const infos = [];
    for (const input of args.images) {
      const record = await store.lookup(input, search);
      if (record === undefined) throw new HoistError('IMAGE_NOT_KNOWN', `${input}: image not known`);
      infos.push(await describeImage(store, record));
    }
    if (args.format === undefined || isJsonFormat(args.format)) {
      writeStdout(JSON.stringify(infos, null, 4));
      return;
    }
    const text = renderTemplate(args.format, infos.map(templateData));
    if (text !== '') writeStdout(text);
  },
};
