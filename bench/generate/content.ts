import { Rng } from './rng.js';
import { CODE_KEYWORDS, identifier, OPERATORS, sentence } from './vocabulary.js';

/**
 * File contents of the kinds real images are made of, each streamed as chunks that add up to an
 * exact size (tar headers need the size first; big files must never sit whole in memory).
 * gzip -6 ratios measured on 16 MB of each: prose 2.5×, code 4.4×, json 5.4×, binary 3.1×, asset 1.0×.
 */
export type ContentKind = 'prose' | 'code' | 'json' | 'binary' | 'asset';

const CHUNK = 64 * 1024;
/** The most any single emit call writes past the requested end of a chunk. */
const SLACK = 64;

export function content(kind: ContentKind, rng: Rng, size: number): Generator<Buffer> {
  switch (kind) {
    case 'prose':
      return text(size, () => proseLine(rng));
    case 'code':
      return text(size, codeLines(rng));
    case 'json':
      return text(size, jsonRecords(rng));
    case 'binary':
      return binary(rng, size);
    case 'asset':
      return asset(rng, size);
  }
}

function* text(size: number, line: () => string): Generator<Buffer> {
  let left = size;
  while (left > 0) {
    const want = Math.min(CHUNK, left);
    let chunk = '';
    while (chunk.length < want) chunk += line();
    // Every vocabulary is ASCII, so string length is byte length.
    const bytes = Buffer.from(chunk.slice(0, want), 'latin1');
    left -= want;
    yield bytes;
  }
}

function proseLine(rng: Rng): string {
  if (rng.chance(0.06)) return '\n';
  if (rng.chance(0.03)) return `${sentence(rng, rng.int(1, 4)).toUpperCase()}\n`;
  return `${sentence(rng, rng.int(4, 14))} ${sentence(rng, rng.int(3, 10))}\n`;
}

/** A file reuses its own few dozen names over and over, as source files do. */
function localNames(rng: Rng): string[] {
  return Array.from({ length: rng.int(20, 80) }, () => identifier(rng));
}

function codeLines(rng: Rng): () => string {
  const names = localNames(rng);
  const name = () => rng.pickSkewed(names);
  let depth = 0;
  return () => {
    depth = Math.max(0, Math.min(6, depth + rng.int(-1, 1)));
    const indent = '    '.repeat(depth);
    const roll = rng.float();
    if (roll < 0.08) return '\n';
    if (roll < 0.18) return `${indent}// ${sentence(rng, rng.int(3, 12))}\n`;
    if (roll < 0.28) return `${indent}${rng.pickSkewed(CODE_KEYWORDS)} ${name()}(${name()}, ${name()}) {\n`;
    if (roll < 0.35) return `${indent}"${sentence(rng, rng.int(2, 6))}",\n`;
    let statement = `${indent}${rng.pickSkewed(CODE_KEYWORDS)} ${name()}`;
    const terms = rng.int(1, 4);
    for (let i = 0; i < terms; i++) {
      statement += rng.pickSkewed(OPERATORS) + (rng.chance(0.2) ? String(rng.int(0, 64)) : name());
    }
    return `${statement};\n`;
  };
}

function jsonRecords(rng: Rng): () => string {
  const names = localNames(rng);
  const name = () => rng.pickSkewed(names);
  let id = rng.int(1, 100_000);
  return () => {
    id += rng.int(1, 40);
    const tags = Array.from({ length: rng.int(0, 4) }, () => `"${name()}"`).join(', ');
    return (
      '  {\n' +
      `    "name": "${name()}",\n` +
      `    "version": "${rng.int(0, 9)}.${rng.int(0, 30)}.${rng.int(0, 99)}",\n` +
      `    "description": "${sentence(rng, rng.int(3, 12))}",\n` +
      `    "id": ${id},\n` +
      `    "enabled": ${rng.chance(0.7)},\n` +
      `    "tags": [${tags}]\n` +
      '  },\n'
    );
  };
}

/** Exactly `total` bytes, produced by `emit` calls that each write at most SLACK bytes at `at`. */
function* bytes(total: number, emit: (out: Buffer, at: number) => number): Generator<Buffer> {
  let left = total;
  while (left > 0) {
    const want = Math.min(CHUNK, left);
    const out = Buffer.allocUnsafe(want + SLACK);
    let at = 0;
    while (at < want) at = emit(out, at);
    left -= want;
    yield out.subarray(0, want);
  }
}

/**
 * Machine code is a skewed mix of a few hundred instruction shapes with small displacements, and
 * of recurring idioms (prologues, epilogues, call sequences) that compilers emit again and again.
 */
const INSTRUCTIONS: Buffer[] = (() => {
  const rng = new Rng('hoist-bench-isa');
  const common = [0x48, 0x89, 0x8b, 0xe8, 0x0f, 0x83, 0xc3, 0x00, 0xff, 0x85, 0x74, 0x75, 0x41, 0x4c, 0x24, 0x45, 0x31, 0xc0];
  return Array.from({ length: 400 }, () => Buffer.from(Array.from({ length: rng.int(1, 6) }, () => (rng.chance(0.6) ? rng.pick(common) : rng.int(0, 255)))));
})();

/** Idioms are at most SLACK bytes, so one emit call never overruns its chunk's slack. */
const IDIOMS: Buffer[] = (() => {
  const rng = new Rng('hoist-bench-idioms');
  return Array.from({ length: 300 }, () => Buffer.concat(Array.from({ length: rng.int(2, 8) }, () => rng.pickSkewed(INSTRUCTIONS))).subarray(0, SLACK));
})();

/** An ELF-like shape: header, code, read-only strings, pointer tables, a symbol table, padding. */
function* binary(rng: Rng, size: number): Generator<Buffer> {
  const header = Buffer.alloc(Math.min(size, 64));
  Buffer.from('\x7fELF\x02\x01\x01', 'latin1').copy(header);
  yield header;
  const body = size - header.length;
  const code = Math.floor(body * 0.55);
  const strings = Math.floor(body * 0.15);
  const pointers = Math.floor(body * 0.12);
  const symbols = Math.floor(body * 0.1);
  yield* machineCode(rng, code);
  yield* stringTable(rng, strings);
  yield* pointerTable(rng, pointers);
  yield* symbolTable(rng, symbols);
  yield* bytes(body - code - strings - pointers - symbols, (out, at) => {
    out.fill(0, at, at + SLACK);
    return at + SLACK;
  });
}

function machineCode(rng: Rng, size: number): Generator<Buffer> {
  return bytes(size, (out, at) => {
    if (rng.chance(0.2)) return at + rng.pickSkewed(IDIOMS).copy(out, at);
    at += rng.pickSkewed(INSTRUCTIONS).copy(out, at);
    if (rng.chance(0.3)) {
      out.writeInt32LE(rng.int(-512, 512), at);
      at += 4;
    }
    return at;
  });
}

function stringTable(rng: Rng, size: number): Generator<Buffer> {
  return bytes(size, (out, at) => {
    const value = rng.chance(0.7) ? identifier(rng) : sentence(rng, rng.int(2, 6));
    return at + out.write(`${value}\0`, at, SLACK, 'latin1');
  });
}

function pointerTable(rng: Rng, size: number): Generator<Buffer> {
  let address = 0x400000 + rng.int(0, 0xffff) * 16;
  return bytes(size, (out, at) => {
    address += rng.pick([8, 16, 16, 32, 48, 64]) + (rng.chance(0.1) ? rng.int(0, 4096) : 0);
    out.writeUInt32LE(address, at);
    out.writeUInt32LE(0, at + 4);
    return at + 8;
  });
}

/** Elf64_Sym records: name offset, info, other, section, value, size. */
function symbolTable(rng: Rng, size: number): Generator<Buffer> {
  let name = 1;
  let value = 0x401000;
  return bytes(size, (out, at) => {
    name += rng.int(4, 40);
    value += rng.int(16, 2048);
    out.writeUInt32LE(name, at);
    out.writeUInt8(rng.pick([0x12, 0x11, 0x22, 0x10]), at + 4);
    out.writeUInt8(0, at + 5);
    out.writeUInt16LE(rng.pick([12, 14, 23, 24]), at + 6);
    out.writeUInt32LE(value, at + 8);
    out.writeUInt32LE(0, at + 12);
    out.writeUInt32LE(rng.int(0, 4096), at + 16);
    out.writeUInt32LE(0, at + 20);
    return at + 24;
  });
}

/** Already-compressed files (images, fonts, archives, wheels): a format signature, then noise. */
function* asset(rng: Rng, size: number): Generator<Buffer> {
  const signature = Buffer.from(rng.pick(['\x89PNG\r\n\x1a\n', '\x1f\x8b\x08\x00', 'PK\x03\x04', 'wOF2']), 'latin1').subarray(0, size);
  yield signature;
  const noise = rng.noise();
  let left = size - signature.length;
  while (left > 0) {
    const n = Math.min(CHUNK, left);
    left -= n;
    yield noise(n);
  }
}
