import type { CommandSpec } from './command-spec.js';
import { parseReference, repositoryName } from '../reference/index.js';
import { describeImage, type ImageInfo } from '../store/index.js';
import { formatTable, humanAge, humanSize } from './human.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

interface ImagesArgs extends GlobalArgs {
  all: boolean;
  format: 'table' | 'json';
}

/** One table row per name, `<none>` for a dangling image, as `podman images`. */
function tableRows(info: ImageInfo): string[][] {
  const shortId = info.Id.slice(0, 12);
  const size = humanSize(info.Size);
  const age = humanAge(info.Created);
  if (info.Names.length === 0) return [['<none>', '<none>', shortId, age, size]];
  return info.Names.map((name) => {
    const ref = parseReference(name);
    return [repositoryName(ref), ref.tag ?? '<none>', shortId, age, size];
  });
}

export const imagesCommand: CommandSpec<ImagesArgs> = {
  command: 'images',
  describe: 'List images in the local store',
  options: {
    all: { alias: 'a', type: 'boolean', default: false, describe: 'include dangling (unnamed) images' },
    format: { choices: ['table', 'json'], default: 'table', describe: 'output format' },
  },
  async handler(args) {
    const store = await openStore(args);
    const records = (await store.images()).filter((r) => args.all || r.names.length > 0);
    const infos = await Promise.all(records.map((r) => describeImage(store, r)));
    if (args.format === 'json') {
      writeStdout(
        JSON.stringify(
          infos.map(({ Id, Names, Digest, Created, Size, RepoTags, RepoDigests, Labels, Dangling }) => ({
            Id,
            Names,
            Digest,
            Created,
            Size,
            RepoTags,
            RepoDigests,
            Labels,
            Dangling,
          })),
          null,
          2,
        ),
      );
      return;
    }
    writeStdout(formatTable([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...infos.flatMap(tableRows)]));
  },
};
