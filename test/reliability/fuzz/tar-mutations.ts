import { withChecksum } from '../../helpers/archives.js';
import { makeTar, type TarEntry } from '../../helpers/tar.js';
import type { Rng } from '../rng.js';
import { mutateBytes, mutateJson, nastyString } from './mutate.js';

/** Offsets of the tar's header blocks, found by walking sizes (as far as they make sense). */
export function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    offsets.push(at);
    const size = parseInt(
      header
        .subarray(124, 136)
        .toString('latin1')
        .replace(/[^0-7]/g, '') || '0',
      8,
    );
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return offsets;
}

const FIELDS = { name: [0, 100], mode: [100, 8], size: [124, 12], typeflag: [156, 1], linkname: [157, 100], magic: [257, 6], prefix: [345, 155] } as const;

function fieldValue(rng: Rng, field: keyof typeof FIELDS): Buffer {
  switch (field) {
    case 'size':
      return Buffer.from(
        rng.pick([
          '77777777777\0',
          '00000000000\0',
          `${rng
            .int(2 ** 20)
            .toString(8)
            .padStart(11, '0')}\0`,
          '-0000000001\0',
          '\u0080\0\0\0\0\0\0\0\u00ff\u00ff\u00ff\u00ff', // base-256, huge
          'zzzzzzzzzzz\0',
        ]),
        'latin1',
      );
    case 'typeflag':
      return Buffer.from(rng.pick(['0', '1', '2', '3', '5', '6', '7', 'L', 'K', 'x', 'g', 'S', '\0', 'Z']), 'latin1');
    case 'name':
    case 'linkname':
    case 'prefix':
      return Buffer.from(
        rng.pick(['manifest.json', 'index.json', '../manifest.json', '/etc/passwd', 'blobs/sha256/', './oci-layout', nastyString(rng), 'a/'.repeat(60)]),
      );
    default:
      return rng.bytes(FIELDS[field][1]);
  }
}

/** Rewrites one field of one header, usually with a valid checksum so the header is believed. */
function editHeader(rng: Rng, tar: Buffer): { bytes: Buffer; what: string } {
  const offsets = headerOffsets(tar);
  if (offsets.length === 0) return { bytes: mutateBytes(rng, tar), what: 'byte edits' };
  const at = rng.pick(offsets);
  const field = rng.pick(Object.keys(FIELDS) as (keyof typeof FIELDS)[]);
  const [start, length] = FIELDS[field];
  const header = Buffer.from(tar.subarray(at, at + 512));
  header.fill(0, start, start + length);
  fieldValue(rng, field).copy(header, start, 0, length);
  const fixed = rng.chance(0.8) ? withChecksum(header) : header;
  return {
    bytes: Buffer.concat([tar.subarray(0, at), fixed, tar.subarray(at + 512)]),
    what: `${field} of the header at ${at}${fixed === header ? ' (checksum left wrong)' : ''}`,
  };
}

/** Entry-level edits: one entry's content mutated (as JSON where it is JSON), dropped, doubled or renamed. */
function editEntries(rng: Rng, entries: TarEntry[]): { entries: TarEntry[]; what: string } {
  const out = entries.map((e) => ({ ...e }));
  const i = rng.int(out.length);
  const entry = out[i]!;
  const data = entry.data === undefined ? undefined : Buffer.from(entry.data);
  switch (rng.int(4)) {
    case 0: {
      if (data === undefined) break;
      const text = data.toString('utf8');
      const isJson =
        /^[[{]/.test(text) &&
        (() => {
          try {
            JSON.parse(text);
            return true;
          } catch {
            return false;
          }
        })();
      entry.data = isJson ? mutateJson(rng, text) : mutateBytes(rng, data);
      return { entries: out, what: `content of ${entry.name}${isJson ? ' (as JSON)' : ''}` };
    }
    case 1:
      out.splice(i, 1);
      return { entries: out, what: `${entry.name} left out` };
    case 2:
      out.splice(rng.int(out.length + 1), 0, { ...entry, ...(data !== undefined && rng.chance(0.5) ? { data: mutateBytes(rng, data) } : {}) });
      return { entries: out, what: `${entry.name} twice` };
  }
  entry.name = rng.pick([`../${entry.name}`, `/${entry.name}`, `./${entry.name}`, `${entry.name}/`, 'manifest.json', 'index.json', nastyString(rng)]);
  return { entries: out, what: `an entry renamed ${JSON.stringify(entry.name).slice(0, 40)}` };
}

/**
 * A mutated tar: byte edits, a header field rewritten, a cut at or near a block boundary, a
 * splice of blocks from another tar, or (given its entries) an entry-level edit rebuilt as a tar.
 */
export function mutateTar(rng: Rng, tar: Buffer, entries: TarEntry[] | undefined, other: Buffer): { bytes: Buffer; what: string } {
  const strategy = rng.int(entries === undefined ? 4 : 5);
  if (strategy === 0) return { bytes: mutateBytes(rng, tar, 8), what: 'byte edits' };
  if (strategy === 1) return editHeader(rng, tar);
  if (strategy === 2) {
    const blocks = Math.floor(tar.length / 512);
    const cut = rng.int(blocks + 1) * 512 + rng.pick([0, 0, 1, -1, 100]);
    return { bytes: tar.subarray(0, Math.max(0, cut)), what: `cut at ${cut}` };
  }
  if (strategy === 3) {
    const from = rng.int(Math.max(1, Math.floor(other.length / 512))) * 512;
    const piece = other.subarray(from, from + rng.between(1, 8) * 512);
    const at = rng.pick(headerOffsets(tar).concat([0]));
    const overwrite = rng.chance(0.5);
    return {
      bytes: Buffer.concat([tar.subarray(0, at), piece, tar.subarray(overwrite ? at + piece.length : at)]),
      what: `${piece.length} bytes of another tar ${overwrite ? 'over' : 'into'} offset ${at}`,
    };
  }
  const edited = editEntries(rng, entries!);
  return { bytes: makeTar(edited.entries), what: edited.what };
}
