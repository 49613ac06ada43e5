// Header handling shared by the TSV and CSV readers: find the required columns by name (any order, extra
// columns allowed) and say which one is missing, with a "did you mean".
import { closestNames, InputError } from '../errors.js';

/** Column index of each required name, from the header line (line 1). */
export function requireColumns<const N extends string>(
  headerLine: string,
  separator: string,
  required: readonly N[],
  file: string,
): Record<N, number> {
  const header = headerLine.split(separator).map((h) => h.trim().replace(/^\uFEFF/, ''));
  const index = {} as Record<N, number>;
  for (const name of required) {
    const i = header.indexOf(name);
    if (i < 0) {
      const near = closestNames(name, header.filter((h) => h !== ''), 1);
      const hint = near.length > 0 ? ` (did you mean '${near[0]}'?)` : '';
      throw new InputError(`header has no column '${name}'${hint}; expected columns ${required.join(', ')}`, { file, line: 1, field: name });
    }
    index[name] = i;
  }
  return index;
}
