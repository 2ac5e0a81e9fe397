/**
 * One containers-registries.d(5) YAML file → its sections, every problem naming `file:line:col`
 * and the key.
 *
 * containers/image (docker/registries_d.go) decodes each file with yaml.v3 into a struct, so it
 * drops unknown keys silently; hoist keeps its meaning but warns about them, and refuses values of
 * the wrong type instead of coercing them. What is kept from yaml.v3's decoding:
 * - an empty `default-docker:` (null) is no section at all, so it never conflicts with another
 *   file's; an empty `docker.<scope>:` is a section that sets nothing (and does conflict);
 * - a null or empty-string URL is unset, so lookup goes on to the next scope;
 * - `use-sigstore-attachments` also takes YAML 1.1's yes/no/on/off, as yaml.v3 does for a bool.
 * yaml.v3's merge keys (`<<: *anchor`) are refused rather than read as a plain key; plain aliases work.
 *
 * The `yaml` module is imported here, inside the function, so that a pull whose registries.d holds
 * no file never loads a YAML parser.
 */
import type { Document, LineCounter, Node as YamlNode, Pair, ParsedNode, YAMLMap } from 'yaml';
import { HoistError, printable, quoted } from '../../errors.js';
import { fileLocation } from '../toml.js';
import type { SignatureStorageSection } from './types.js';

export const REGISTRIES_D_HINT = 'see containers-registries.d(5)';

/**
 * Aliases resolved per file. Sharing a section between a few scopes needs only a handful; the cap
 * keeps an alias bomb from multiplying the work (and the warnings) of walking the document.
 */
export const MAX_YAML_ALIASES = 16;

/** What one file configures, before it is merged with the directory's other files. */
export interface RegistriesDFile {
  defaultDocker?: SignatureStorageSection;
  /** Null-prototype, so that a scope named `__proto__` is just a key. */
  docker: Record<string, SignatureStorageSection>;
  warnings: string[];
}

type Yaml = typeof import('yaml');

const URL_SCHEMES = ['file:', 'http:', 'https:'];
const YAML11_BOOLEANS: Record<string, boolean> = Object.fromEntries([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON'].map((word) => [word, true]),
  ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF'].map((word) => [word, false]),
]);

/**
 * yaml is CommonJS: Node's import() gives its named exports, but the CLI bundle's lazy chunk gives
 * only `default` (esbuild's `export default require_dist()`), so both shapes are accepted.
 */
async function loadYaml(): Promise<Yaml> {
  const loaded = (await import('yaml')) as Yaml & { default?: Yaml };
  return typeof loaded.parseDocument === 'function' ? loaded : loaded.default!;
}

export async function parseRegistriesDFile(text: string, file: string): Promise<RegistriesDFile> {
  const yaml = await loadYaml();
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const walk = new Walk(yaml, doc, lines, file);
  const syntax = doc.errors[0];
  if (syntax) {
    // The library's own advice for this one names its JS API; say what the file must hold instead.
    const reason = syntax.code === 'MULTIPLE_DOCS' ? 'a file must hold one YAML document, not several' : printable(syntax.message);
    throw walk.fail(syntax.pos[0], [], reason, syntax);
  }
  for (const warning of doc.warnings) walk.warnAt(warning.pos[0], [], printable(warning.message));

  const result: RegistriesDFile = { docker: Object.create(null) as Record<string, SignatureStorageSection>, warnings: walk.warnings };
  const top = walk.deref(doc.contents);
  if (isNull(yaml, top)) return result; // only comments
  if (!yaml.isMap(top)) throw walk.error(top, [], `must be a map of "default-docker" and "docker", not ${typeName(yaml, top)}`);

  for (const [name, keyNode, value] of walk.entries(top, [])) {
    if (name === 'default-docker') {
      if (!isNull(yaml, value)) result.defaultDocker = walk.section(value, [name]);
    } else if (name === 'docker') {
      if (isNull(yaml, value)) continue;
      if (!yaml.isMap(value)) throw walk.error(keyNode, [name], `must be a map of scopes, not ${typeName(yaml, value)}`);
      for (const [scope, , section] of walk.entries(value, [name])) result.docker[scope] = walk.section(section, [name, scope]);
    } else {
      walk.warn(keyNode, [name], 'unknown key, ignored');
    }
  }
  return result;
}

/** The state of reading one document: positions, the alias budget and the warnings so far. */
class Walk {
  readonly warnings: string[] = [];
  private aliases = 0;

  constructor(
    private readonly yaml: Yaml,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  /** The node an alias stands for (anything else as it is), within MAX_YAML_ALIASES. */
  deref(node: YamlNode | null | undefined): YamlNode | null | undefined {
    if (!this.yaml.isAlias(node)) return node;
    if (++this.aliases > MAX_YAML_ALIASES) throw this.error(node, [], `more than ${MAX_YAML_ALIASES} YAML aliases`);
    const target = node.resolve(this.doc);
    if (target === undefined) throw this.error(node, [], `unknown YAML alias ${quoted(node.source)}`);
    return target;
  }

  /** `[key, key node, value node]` of each pair of a map; keys must be strings. */
  *entries(map: YAMLMap, path: string[]): Generator<[string, YamlNode, YamlNode | null | undefined]> {
    for (const pair of map.items as Pair<YamlNode, YamlNode>[]) {
      const keyNode = this.deref(pair.key);
      if (!this.yaml.isScalar(keyNode) || typeof keyNode.value !== 'string') {
        throw this.error(keyNode ?? map, path, `keys must be strings, not ${typeName(this.yaml, keyNode)}`);
      }
      // yaml.v3 merges `<<: *anchor` into the map; YAML 1.2 has no merge keys, and taking `<<` as
      // a plain key would silently read the file differently from Podman.
      if (keyNode.value === '<<' && keyNode.type === 'PLAIN') throw this.error(keyNode, path, 'YAML merge keys (<<) are not supported; write the keys out');
      yield [keyNode.value, keyNode, this.deref(pair.value)];
    }
  }

  /** One `default-docker` or `docker.<scope>` section. */
  section(node: YamlNode | null | undefined, path: string[]): SignatureStorageSection {
    const section: SignatureStorageSection = { file: this.file, key: keyLabel(path) };
    if (isNull(this.yaml, node)) return section;
    if (!this.yaml.isMap(node)) throw this.error(node, path, `must be a map, not ${typeName(this.yaml, node)}`);
    const settings = new Set<string>();
    for (const [name, keyNode, value] of this.entries(node, path)) {
      const at = [...path, name];
      const setting = Object.hasOwn(SPELLINGS, name) ? SPELLINGS[name] : undefined;
      if (setting !== undefined) {
        // One setting under two names is ambiguous (upstream silently prefers the new name).
        // The same name twice is already a YAML duplicate-key error.
        if (settings.has(setting))
          throw this.error(
            keyNode,
            at,
            `both ${quoted(setting)} and its deprecated alias ${quoted(setting.replace('lookaside', 'sigstore'))} are set; keep only ${quoted(setting)}`,
          );
        settings.add(setting);
        const url = this.url(keyNode, at, value);
        if (url === undefined) continue;
        if (setting === 'lookaside') {
          section.lookaside = url;
          section.lookasideKey = name as 'lookaside' | 'sigstore';
        } else {
          section.lookasideStaging = url;
        }
      } else if (name === 'use-sigstore-attachments') {
        const flag = this.boolean(keyNode, at, value);
        if (flag !== undefined) section.useSigstoreAttachments = flag;
      } else {
        this.warn(keyNode, at, 'unknown key, ignored');
      }
    }
    return section;
  }

  /** A lookaside URL as written, checked; undefined when null or empty (unset, as upstream reads it). */
  private url(keyNode: YamlNode, path: string[], node: YamlNode | null | undefined): string | undefined {
    if (isNull(this.yaml, node)) return undefined;
    if (!this.yaml.isScalar(node) || typeof node.value !== 'string') throw this.error(keyNode, path, `must be a string, not ${typeName(this.yaml, node)}`);
    const text = node.value;
    if (text === '') return undefined;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      const local = text.startsWith('/') ? `; write ${quoted(`file://${text}`)} for a local directory` : '';
      throw this.error(keyNode, path, `Invalid signature storage URL ${quoted(text)}${local}`);
    }
    if (!URL_SCHEMES.includes(url.protocol)) {
      throw this.error(keyNode, path, `Unsupported scheme ${quoted(url.protocol.slice(0, -1))} in ${quoted(text)} (use file:, http: or https:)`);
    }
    return text;
  }

  private boolean(keyNode: YamlNode, path: string[], node: YamlNode | null | undefined): boolean | undefined {
    if (isNull(this.yaml, node)) return undefined;
    if (this.yaml.isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      if (typeof node.value === 'string' && Object.hasOwn(YAML11_BOOLEANS, node.value)) return YAML11_BOOLEANS[node.value];
    }
    throw this.error(keyNode, path, `must be a boolean, not ${typeName(this.yaml, node)}`);
  }

  error(node: YamlNode | null | undefined, path: string[], message: string): HoistError {
    return this.fail(offsetOf(node), path, message);
  }

  fail(offset: number | undefined, path: string[], message: string, cause?: unknown): HoistError {
    const position = offset === undefined ? undefined : this.lines.linePos(offset);
    const details = { file: this.file, ...(position !== undefined ? { line: position.line, column: position.col } : {}) };
    return new HoistError('INVALID_CONFIG', this.describe(offset, path, message), { hint: REGISTRIES_D_HINT, cause, details });
  }

  warn(node: YamlNode, path: string[], message: string): void {
    this.warnAt(offsetOf(node), path, message);
  }

  warnAt(offset: number | undefined, path: string[], message: string): void {
    this.warnings.push(this.describe(offset, path, message));
  }

  /** `file:line:col: key: message` (no key part for the document itself). */
  private describe(offset: number | undefined, path: string[], message: string): string {
    const position = offset === undefined ? undefined : this.lines.linePos(offset);
    const where = fileLocation(printable(this.file), position && { line: position.line, column: position.col });
    return `${where}: ${path.length > 0 ? `${keyLabel(path)}: ` : ''}${message}`;
  }
}

/** Each spelling of a URL key → its current name (`sigstore*` are the deprecated ones). */
const SPELLINGS: Record<string, 'lookaside' | 'lookaside-staging'> = {
  lookaside: 'lookaside',
  sigstore: 'lookaside',
  'lookaside-staging': 'lookaside-staging',
  'sigstore-staging': 'lookaside-staging',
};

function offsetOf(node: YamlNode | null | undefined): number | undefined {
  return (node as ParsedNode | null | undefined)?.range?.[0];
}

function isNull(yaml: Yaml, node: YamlNode | null | undefined): boolean {
  return node === null || node === undefined || (yaml.isScalar(node) && node.value === null);
}

function typeName(yaml: Yaml, node: YamlNode | null | undefined): string {
  if (yaml.isMap(node)) return 'a map';
  if (yaml.isSeq(node)) return 'a sequence';
  if (!yaml.isScalar(node) || node.value === null) return 'null';
  if (typeof node.value === 'string') return 'a string';
  if (typeof node.value === 'number' || typeof node.value === 'bigint') return 'a number';
  if (typeof node.value === 'boolean') return 'a boolean';
  return 'a YAML value of another type';
}

/** `docker."quay.io".lookaside`: plain keys bare, others quoted. */
function keyLabel(path: string[]): string {
  return path.map((segment) => (/^[A-Za-z0-9_-]+$/.test(segment) ? segment : quoted(segment))).join('.');
}
