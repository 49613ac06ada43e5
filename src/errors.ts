// One error type for bad input anywhere at the edge: it names where (file, line, field) and what was expected.
// The CLI prints `message` and exits with code 2; nothing half-written is left behind.

export interface InputErrorWhere {
  file?: string;
  line?: number; // 1-based
  field?: string;
}

export class InputError extends Error {
  readonly exitCode = 2;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(problem: string, where: InputErrorWhere = {}) {
    const place = [where.file, where.line !== undefined ? `line ${where.line}` : undefined, where.field ? `field '${where.field}'` : undefined]
      .filter(Boolean)
      .join(', ');
    super(place ? `${place}: ${problem}` : problem);
    this.name = 'InputError';
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

/** Closest names by edit distance, for "did you mean" suggestions. */
export function closestNames(query: string, names: readonly string[], max = 3): string[] {
  const q = query.toLowerCase();
  const scored = names.map((name) => ({ name, d: editDistance(q, name.toLowerCase()) }));
  scored.sort((a, b) => a.d - b.d || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
