import type { ImportEdge, ImportGraph } from './import-graph.js';

/**
 * A unit is a folder right under the checked root (`copy`) or a file at the root itself
 * (`errors.ts`). Imports inside one unit are its own business; imports between units follow the
 * table.
 */
export interface UnitRule {
  /** Its one job, as the map's table shows it. */
  job: string;
  /** Units it may import, in any way. */
  mayImport: readonly string[];
  /** Units it may import with `import type` only, so their code never loads with it. */
  mayImportTypes?: readonly string[];
}

/** One file-level import that breaks the table, tolerated until it is fixed. */
export interface Debt {
  from: string;
  to: string;
  reason: string;
}

export interface Layering {
  units: Readonly<Record<string, UnitRule>>;
  /** Leaf units every unit may import. */
  everyoneMayImport: readonly string[];
  allowedForNow: readonly Debt[];
  /** Units and packages that `entry` must not load before it needs them: name → why. */
  startup?: { entry: string; notAtStartup: Readonly<Record<string, string>> };
}

function unitOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

function label(unit: string): string {
  return unit.endsWith('.ts') ? unit : `${unit}/`;
}

function where(edge: ImportEdge): string {
  return `${edge.file}:${edge.line} imports ${edge.specifier}${edge.kind === 'static' ? '' : ` (${edge.kind === 'type' ? 'type-only' : 'dynamic'})`}`;
}

/** What a unit's rule allows, in words, for messages and (with `show` adding backticks) the map. */
function allowedList(rule: UnitRule, show = (name: string) => name): string {
  const all = [...rule.mayImport.map((u) => show(label(u))), ...(rule.mayImportTypes ?? []).map((u) => `${show(label(u))} (types only)`)];
  return all.length === 0 ? 'nothing' : all.join(', ');
}

/** Problems of the table itself, and between the table and the tree it describes. */
export function tableProblems(graph: ImportGraph, layering: Layering): string[] {
  const inTree = new Set(graph.files.map(unitOf));
  const inTable = new Set(Object.keys(layering.units));
  const problems = [
    ...[...inTree].filter((u) => !inTable.has(u)).map((u) => `${label(u)} is not in the table`),
    ...[...inTable].filter((u) => !inTree.has(u)).map((u) => `${label(u)} is in the table but not in the tree`),
  ];
  // Rows are in layer order, and a row names only rows below it: so the table allows no cycle.
  const row = Object.keys(layering.units);
  for (const [unit, rule] of Object.entries(layering.units)) {
    for (const other of [...rule.mayImport, ...(rule.mayImportTypes ?? [])]) {
      if (!inTable.has(other)) problems.push(`${label(unit)} may import ${label(other)}, which is not in the table`);
      else if (row.indexOf(other) <= row.indexOf(unit)) problems.push(`${label(unit)} may import ${label(other)}, which is not below it in the table`);
    }
  }
  for (const { from, to } of layering.allowedForNow) {
    if (row.indexOf(unitOf(to)) <= row.indexOf(unitOf(from))) problems.push(`allowedForNow: ${from} → ${to} goes up the table`);
  }
  return problems;
}

function isDebt(edge: ImportEdge, layering: Layering): boolean {
  return layering.allowedForNow.some((d) => d.from === edge.file && d.to === edge.target);
}

/** Every import between units that the table does not allow, and every debt no import needs any more. */
export function importViolations(graph: ImportGraph, layering: Layering): string[] {
  const problems = graph.computed.map(({ file, line }) => `${file}:${line} imports a computed specifier, which no check can follow: use a string literal`);
  for (const edge of graph.edges) {
    if (edge.target === undefined) continue;
    const from = unitOf(edge.file);
    const to = unitOf(edge.target);
    const rule = layering.units[from];
    if (from === to || rule === undefined || layering.everyoneMayImport.includes(to) || rule.mayImport.includes(to) || isDebt(edge, layering)) continue;
    if (rule.mayImportTypes?.includes(to)) {
      if (edge.kind !== 'type') problems.push(`${where(edge)}: ${label(from)} may import ${label(to)} for types only (import type)`);
      continue;
    }
    problems.push(`${where(edge)}: ${label(from)} may import ${allowedList(rule)}; not ${label(to)}`);
  }
  for (const debt of layering.allowedForNow) {
    if (!graph.edges.some((e) => e.file === debt.from && e.target === debt.to)) {
      problems.push(`allowedForNow: ${debt.from} no longer imports ${debt.to}; remove the entry`);
    }
  }
  return problems;
}

/** Cycles between units, over imports of every kind, each with the imports that close it. */
export function unitCycles(graph: ImportGraph): string[] {
  const witness = new Map<string, ImportEdge>();
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.target === undefined) continue;
    const [from, to] = [unitOf(edge.file), unitOf(edge.target)];
    if (from === to || witness.has(`${from} ${to}`)) continue;
    witness.set(`${from} ${to}`, edge);
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  return cycles(next).map((cycle) => {
    const hops = cycle.slice(1).map((to, i) => where(witness.get(`${cycle[i]} ${to}`)!));
    return `unit cycle: ${cycle.map(label).join(' → ')} (${hops.join('; ')})`;
  });
}

/**
 * Cycles between files over static and type imports. `import()` is left out: it runs after both
 * modules have been evaluated, so it cannot meet a half-initialized module, and a lazy entry point
 * that reuses what loads it (engine/trust-entry.ts and engine/pull-context.ts) is its purpose.
 */
export function fileCycles(graph: ImportGraph): string[] {
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.target !== undefined && edge.kind !== 'dynamic') next.set(edge.file, [...(next.get(edge.file) ?? []), edge.target]);
  }
  return cycles(next).map((cycle) => `file cycle: ${cycle.join(' → ')}`);
}

/**
 * What the entry loads before it needs it: each unit or package of `notAtStartup` that its static
 * imports reach, with the shortest chain that reaches it.
 */
export function startupViolations(graph: ImportGraph, layering: Layering): string[] {
  if (layering.startup === undefined) return [];
  const { entry, notAtStartup } = layering.startup;
  const forbidden = (edge: ImportEdge) =>
    Object.keys(notAtStartup).find((name) =>
      edge.target !== undefined ? unitOf(edge.target) === name : edge.specifier === name || edge.specifier.startsWith(`${name}/`),
    );
  const chain = new Map<string, string[]>([[entry, [entry]]]);
  const reported = new Set<string>();
  const problems: string[] = [];
  for (const file of chain.keys()) {
    // A Map iterates over the keys added while it runs: this is a breadth-first walk.
    for (const edge of graph.edges.filter((e) => e.file === file && e.kind === 'static')) {
      const path = [...chain.get(file)!, edge.target ?? edge.specifier];
      const name = forbidden(edge);
      if (name !== undefined && !reported.has(name)) {
        reported.add(name);
        problems.push(`${entry} loads ${name} at start-up: ${path.join(' → ')}. ${notAtStartup[name]}`);
      }
      if (edge.target !== undefined && !chain.has(edge.target)) chain.set(edge.target, path);
    }
  }
  return problems;
}

/**
 * One cycle per strongly connected component (Tarjan), as a path that starts and ends at the
 * component's first node in sort order; sorted, so messages are stable.
 */
function cycles(next: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (next.get(node) ?? []).includes(node)) components.push(component);
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) connect(node);
  return components.map((component) => shortestCycle(next, new Set(component))).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The shortest path from the component's first node back to itself, inside the component. */
function shortestCycle(next: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const path = new Map<string, string[]>();
  const queue = [start];
  for (const node of queue) {
    for (const to of [...(next.get(node) ?? [])].sort()) {
      const so = [...(path.get(node) ?? [start]), to];
      if (to === start) return so;
      if (!component.has(to) || path.has(to)) continue;
      path.set(to, so);
      queue.push(to);
    }
  }
  throw new Error(`no cycle through ${start}`); // unreachable: every component given has one
}

/** The map's table, as docs/architecture.md must show it. */
export function renderTable(layering: Layering): string {
  const rows = Object.entries(layering.units).map(([unit, rule]) => {
    const debts = layering.allowedForNow.filter((d) => unitOf(d.from) === unit).map((d) => `\`${d.to}\``);
    const cell = allowedList(rule, (name) => `\`${name}\``);
    return `| \`src/${label(unit)}\` | ${rule.job} | ${cell}${debts.length > 0 ? `; for now also ${debts.join(', ')} (a debt, below)` : ''} |`;
  });
  const names = layering.everyoneMayImport.map((u) => `\`${label(u)}\``);
  const leaves = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
  return ['| folder | its one job | may import |', '|---|---|---|', ...rows, '', `Every folder and file may also import ${leaves}.`].join('\n');
}

/** The map's list of debts. */
export function renderDebts(layering: Layering): string {
  return layering.allowedForNow.map((d) => `- \`${d.from}\` → \`${d.to}\`: ${d.reason}`).join('\n');
}
