// Shared pieces of the measured-run importers: strict JSON/JSONL reading with zod (errors name file, line, field),
// and the assumption made when a source does not record its PUE.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import type { RunReport } from '../report/runReport.js';

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read file: ${(err as Error).message}`, { file });
  }
}

export function parseWith<T>(schema: z.ZodType<T>, raw: unknown, file: string, line?: number, expected = ''): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${issue.message}${expected ? ` (expected ${expected})` : ''}`, { file, line, field: issue.path.join('.') || undefined });
  }
  return parsed.data;
}

export function readJsonFile<T>(file: string, schema: z.ZodType<T>, expected: string): T {
  const text = readText(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, { file });
  }
  return parseWith(schema, raw, file, undefined, expected);
}

/** Each non-empty line parsed as JSON and checked with `schema`; errors carry the 1-based line. */
export function readJsonLines<T>(file: string, schema: z.ZodType<T>, expected: string): T[] {
  const out: T[] = [];
  const lines = readText(file).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new InputError(`not valid JSON: ${(err as Error).message}`, { file, line: i + 1 });
    }
    out.push(parseWith(schema, raw, file, i + 1, expected));
  }
  if (out.length === 0) throw new InputError('no records', { file });
  return out;
}

/** PUE of a measured run: the user's value, else 1 (no facility overhead known) with a warning. */
export function measuredPue(userPue: number | undefined, warnings: string[], factors: RunReport['provenance']['factors'], what: string): number {
  if (userPue !== undefined) {
    if (!(userPue >= 1)) throw new InputError(`PUE must be >= 1, got ${userPue}`, { field: 'pue' });
    factors.push({ name: 'pue', value: userPue, unit: '1', source: 'user', kind: 'user' });
    return userPue;
  }
  warnings.push(`${what} does not record a PUE: assumed 1.0 (facility energy = IT energy); pass a PUE to include facility overhead`);
  factors.push({ name: 'pue', value: 1, unit: '1', source: 'assumed: not recorded in the source', kind: 'assumption' });
  return 1;
}
