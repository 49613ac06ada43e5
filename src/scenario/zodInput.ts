// Turns a zod validation failure into an InputError that names the file and the JSON path of the first bad field.
import type { z } from 'zod';
import { InputError } from '../errors.js';

/** JSON path in the dotted/bracket style users see in their files: nodes[0].instances[1].tp_size */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function inputErrorFromZod(error: z.ZodError, file: string): InputError {
  const issue = error.issues[0];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  if (issue.code === 'unrecognized_keys') {
    // Name the misspelt field itself, so the message points at the exact line to fix.
    const field = jsonPath([...issue.path, issue.keys[0]]);
    const others = issue.keys.length > 1 ? ` (also unknown: ${issue.keys.slice(1).join(', ')})` : '';
    return new InputError(`unknown field${others}${more}`, { file, field });
  }
  const field = jsonPath(issue.path);
  return new InputError(`${issue.message}${more}`, { file, field: field || undefined });
}

/** Parse `value` with `schema`, or throw an InputError naming `file` and the bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw inputErrorFromZod(result.error, file);
  return result.data;
}

/** Read a JSON text, or throw an InputError naming the file (and the line, when the parser reports a position). */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new InputError(`not valid JSON: ${msg}`, { file, line });
  }
}
