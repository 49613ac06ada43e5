// The field tree of a Scenario, read from its zod schema, so experiment files can be checked field by field (unknown
// fields and sweep axes over fields that do not exist are caught with their path before any run starts) without a
// second hand-kept list of names that could drift from the schema.
import type { z } from 'zod';
import { closestNames, InputError } from '../errors.js';
import { scenarioSchema } from '../simulate.js';

/** A node of the tree: a map of child fields for objects, null for a leaf value. */
export type FieldTree = Map<string, FieldTree | null>;

interface ZodInternals {
  _zod: { def: { type: string; innerType?: unknown; options?: unknown[]; in?: unknown; shape?: Record<string, unknown> } };
}

function treeOf(schema: unknown): FieldTree | null {
  const def = (schema as ZodInternals)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return treeOf(def.innerType);
    case 'pipe':
      return treeOf(def.in);
    case 'object': {
      const tree: FieldTree = new Map();
      for (const [key, child] of Object.entries(def.shape ?? {})) tree.set(key, treeOf(child));
      return tree;
    }
    case 'union': {
      // A workload is one of several kinds: a field is known if any kind has it (its parse then checks the kind).
      const trees = (def.options ?? []).map(treeOf).filter((t): t is FieldTree => t !== null);
      if (trees.length === 0) return null;
      const merged: FieldTree = new Map();
      for (const t of trees) for (const [k, v] of t) if (!merged.has(k) || merged.get(k) === null) merged.set(k, v);
      return merged;
    }
    default:
      return null;
  }
}

let cached: FieldTree | undefined;

/** The scenario's fields as a tree (computed once from scenarioSchema). */
export function scenarioFieldTree(): FieldTree {
  cached ??= treeOf(scenarioSchema as z.ZodType) ?? new Map();
  return cached;
}

/** Every dotted field path of the tree (inner objects and leaves), for "did you mean" suggestions. */
export function allFieldPaths(tree: FieldTree = scenarioFieldTree(), prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of tree) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p);
    if (v) out.push(...allFieldPaths(v, p));
  }
  return out;
}

/** Whether `dotted` names a scenario field (a leaf or a whole object such as `knobs` or `workload`). */
export function isScenarioField(dotted: string): boolean {
  let node: FieldTree | null = scenarioFieldTree();
  for (const part of dotted.split('.')) {
    if (!node || !node.has(part)) return false;
    node = node.get(part) ?? null;
  }
  return true;
}

/** Throw an InputError naming `file` and `where` if `dotted` is not a scenario field. */
export function assertScenarioField(dotted: string, file: string, where: string): void {
  if (isScenarioField(dotted)) return;
  const hint = closestNames(dotted, allFieldPaths()).join(', ');
  throw new InputError(`'${dotted}' is not a scenario field (did you mean: ${hint}?)`, { file, field: where });
}

/**
 * Check a partial scenario's keys against the tree; throw an InputError naming `file` and the full path of the first
 * unknown field. Values are not type-checked here: each resolved run is parsed with scenarioSchema later.
 */
export function assertKnownScenarioKeys(value: unknown, file: string, at: string, tree: FieldTree = scenarioFieldTree()): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('expected an object of scenario fields', { file, field: at });
  }
  for (const [key, child] of Object.entries(value)) {
    const path = `${at}.${key}`;
    if (!tree.has(key)) {
      const hint = closestNames(key, [...tree.keys()]).join(', ');
      throw new InputError(`unknown field (did you mean: ${hint}?)`, { file, field: path });
    }
    const sub = tree.get(key);
    if (sub && child !== null && typeof child === 'object' && !Array.isArray(child)) assertKnownScenarioKeys(child, file, path, sub);
  }
}

/** A copy of `obj` with the dotted path set to `value` (intermediate objects created or copied, never shared). */
export function withPath<T extends object>(obj: T, dotted: string, value: unknown): T {
  const parts = dotted.split('.');
  const root: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    const copy = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    node[parts[i]] = copy;
    node = copy;
  }
  node[parts[parts.length - 1]] = value;
  return root as T;
}
