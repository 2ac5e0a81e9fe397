import type { CommandSpec } from './command-spec.js';
import { HoistError, quoted } from '../errors.js';
import { parseReference, repositoryName } from '../reference/index.js';
import { describeImage, type ImageInfo } from '../store/index.js';
import { fieldHeader, isDefaultTable, isJsonFormat, renderTemplate } from './format-option.js';
import { goTime } from './go-values.js';
import { humanAge, humanSize } from './human.js';
import { createdTime, IMAGE_FILTER_KEYS, imagePredicate, parseImageFilter } from './image-filters.js';
import { writeStdout } from './output.js';
import { openStore, type GlobalArgs } from './store-option.js';

const SORT_KEYS = ['created', 'id', 'repository', 'size', 'tag'] as const;

interface ImagesArgs extends GlobalArgs {
  image?: string;
  all: boolean;
  quiet: boolean;
  noheading: boolean;
  digests: boolean;
  /** `--no-trunc` sets it false: yargs reads `--no-X` as X negated. */
  trunc: boolean;
  filter?: string | string[];
  sort: string;
  format?: string;
}

/** One line of the listing: an image under one of its names (`<none>` for a dangling one), as Podman's imageReporter. */
interface ImageRow {
  info: ImageInfo;
  repository: string;
  tag: string;
}

/**
 * The rows of one image: one per tagged name. Names by digest (`repo@sha256:…`, kept so peers and
 * lookups find the image by them) add a row only for an image with no tag at all, one per
 * repository, as Podman shows them since podman#7651: a pull by digest after a pull by tag is
 * still one row.
 */
function rowsOf(info: ImageInfo): ImageRow[] {
  if (info.Names.length === 0) return [{ info, repository: '<none>', tag: '<none>' }];
  const refs = info.Names.map(parseReference);
  const tagged = refs.filter((ref) => ref.tag !== undefined);
  if (tagged.length > 0) return tagged.map((ref) => ({ info, repository: repositoryName(ref), tag: ref.tag! }));
  return [...new Set(refs.map(repositoryName))].map((repository) => ({ info, repository, tag: '<none>' }));
}

/**
 * One entry per image ID: the store may hold one image under two records (the same config pulled
 * with two manifest formats); `images` shows it once, with every name either record has.
 */
function onePerImage(infos: readonly ImageInfo[]): ImageInfo[] {
  const byId = new Map<string, ImageInfo>();
  const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
  for (const info of infos) {
    const seen = byId.get(info.Id);
    byId.set(
      info.Id,
      seen === undefined
        ? info
        : {
            ...seen,
            Names: union(seen.Names, info.Names),
            RepoTags: union(seen.RepoTags, info.RepoTags),
            RepoDigests: union(seen.RepoDigests, info.RepoDigests),
          },
    );
  }
  return [...byId.values()];
}

/** `--sort`: newest first for created, ascending for the rest. */
function sortRows(rows: ImageRow[], key: string): ImageRow[] {
  const by: Record<(typeof SORT_KEYS)[number], (a: ImageRow, b: ImageRow) => number> = {
    created: (a, b) => (createdTime(b.info) ?? -Infinity) - (createdTime(a.info) ?? -Infinity) || 0,
    id: (a, b) => a.info.Id.localeCompare(b.info.Id),
    repository: (a, b) => compareText(a.repository, b.repository),
    size: (a, b) => a.info.Size - b.info.Size,
    tag: (a, b) => compareText(a.tag, b.tag),
  };
  if (!(SORT_KEYS as readonly string[]).includes(key)) {
    throw new HoistError('INVALID_ARGUMENT', `${quoted(key)} is not a valid field for sorting; choose from: ${SORT_KEYS.join(', ')}`);
  }
  // Sorted by creation first, so that ties of the other keys stay newest first.
  return [...rows].sort(by.created).sort(by[key as (typeof SORT_KEYS)[number]]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `--format json`: podman images' JSON (ImageSummary), one object per image. `Created` is Unix
 * seconds and `CreatedAt` the RFC 3339 time, as in Podman; `Size` and `VirtualSize` are the
 * stored bytes (describe.ts). `ParentId`, `SharedSize` and `Containers` are what they always are
 * for hoist; `Dangling` is hoist's.
 */
function summaryJson(info: ImageInfo) {
  const created = createdTime(info);
  return {
    Id: info.Id,
    ParentId: '',
    RepoTags: info.RepoTags,
    RepoDigests: info.RepoDigests,
    Size: info.Size,
    SharedSize: 0,
    VirtualSize: info.VirtualSize,
    Labels: info.Labels,
    Containers: 0,
    Names: info.Names,
    Digest: info.Digest,
    Created: created === undefined ? undefined : Math.floor(created / 1000),
    CreatedAt: info.Created,
    Dangling: info.Dangling,
  };
}

/** The fields a `--format` template sees: podman images' (its imageReporter), sizes as stored. */
function templateData(row: ImageRow, noTrunc: boolean) {
  const { info } = row;
  const age = humanAge(info.Created);
  const createdAt = goTime(info.Created) ?? '';
  return {
    ID: noTrunc ? `sha256:${info.Id}` : info.Id.slice(0, 12),
    Id: info.Id,
    Repository: row.repository,
    Tag: row.tag,
    Digest: info.Digest,
    Created: age,
    CreatedSince: age,
    CreatedAt: createdAt,
    CreatedTime: createdAt,
    Size: humanSize(info.Size),
    VirtualSize: info.VirtualSize,
    SharedSize: 0,
    Labels: info.Labels,
    Names: info.Names,
    RepoTags: info.RepoTags,
    RepoDigests: info.RepoDigests,
    Dangling: info.Dangling,
    IsDangling: info.Dangling,
    Containers: 0,
    ParentId: '',
    ReadOnly: false,
    IsReadOnly: false,
  };
}

/** Column titles where Podman's differ from the field name in capitals; the size says which size it is. */
const HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Id: 'IMAGE ID',
  Created: 'CREATED',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedTime: 'CREATED AT',
  Size: 'STORED SIZE',
  VirtualSize: 'STORED SIZE',
  ReadOnly: 'R/O',
  IsReadOnly: 'R/O',
  IsDangling: 'DANGLING',
};

function defaultTable(digests: boolean): string {
  return `table {{.Repository}}\t{{.Tag}}\t${digests ? '{{.Digest}}\t' : ''}{{.ID}}\t{{.Created}}\t{{.Size}}`;
}

export const imagesCommand: CommandSpec<ImagesArgs> = {
  command: 'images [image]',
  describe: 'List images in the local store (as podman images)',
  epilog: [
    `Filters (--filter KEY=VALUE, repeatable): ${IMAGE_FILTER_KEYS.map((k) => `${k}=`).join(', ')}, label!=; a key given twice matches either value.`,
    'Template fields: .ID .Id .Repository .Tag .Digest .Created .CreatedSince .CreatedAt .Size (stored, human) .VirtualSize (stored, bytes)',
    '.Labels .Names .RepoTags .RepoDigests .Dangling .Containers .ParentId .ReadOnly; sizes are the bytes stored, compressed layers as pulled.',
  ].join('\n'),
  positionals: { image: { type: 'string', describe: 'list only images whose name matches (a reference filter)' } },
  options: {
    all: { alias: 'a', type: 'boolean', default: false, describe: 'include dangling (unnamed) images' },
    quiet: { alias: 'q', type: 'boolean', default: false, describe: 'print only the image IDs, once per image' },
    noheading: { alias: 'n', type: 'boolean', default: false, describe: 'omit the table header' },
    digests: { type: 'boolean', default: false, describe: 'show the digest column' },
    trunc: { type: 'boolean', default: true, describe: 'truncate image IDs (--no-trunc: show them whole, sha256:…)' },
    filter: { alias: 'f', type: 'string', describe: 'KEY=VALUE: reference, dangling, label, before, since, id (repeatable)' },
    sort: { type: 'string', default: 'created', describe: `sort the rows by: ${SORT_KEYS.join(', ')}` },
    format: { type: 'string', describe: "json, a Go template ('{{.ID}} {{.Repository}}:{{.Tag}}'), or 'table TEMPLATE'" },
  },
  async handler(args) {
    const store = await openStore(args);
    const filters = [args.filter ?? []].flat().map(parseImageFilter);
    if (args.image !== undefined) filters.push(parseImageFilter(`reference=${args.image}`));
    const createdOf = async (name: string) => {
      const record = await store.lookup(name);
      if (record === undefined) throw new HoistError('IMAGE_NOT_KNOWN', `${name}: image not known`);
      return createdTime(await describeImage(store, record));
    };
    const passes = await imagePredicate(filters, createdOf);
    // Dangling images show with --all, or when a dangling= filter asks about them.
    const wantsDangling = args.all || filters.some((f) => f.key === 'dangling');
    const records = (await store.images()).filter((r) => wantsDangling || r.names.length > 0);
    const infos = onePerImage(await Promise.all(records.map((r) => describeImage(store, r)))).filter(passes);
    const rows = sortRows(infos.flatMap(rowsOf), args.sort);
    const images = [...new Set(rows.map((r) => r.info))];
    if (args.quiet) {
      if (images.length > 0) writeStdout(images.map((i) => (!args.trunc ? `sha256:${i.Id}` : i.Id.slice(0, 12))).join('\n'));
      return;
    }
    if (args.format !== undefined && isJsonFormat(args.format)) {
      writeStdout(JSON.stringify(images.map(summaryJson), null, 2));
      return;
    }
    const format = args.format === undefined || isDefaultTable(args.format) ? defaultTable(args.digests) : args.format;
    const data = rows.map((r) => templateData(r, !args.trunc));
    const text = renderTemplate(format, data, { headerOf: (field) => HEADERS[field] ?? fieldHeader(field), noHeading: args.noheading });
    if (text !== '') writeStdout(text);
  },
};
