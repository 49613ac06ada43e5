// Deep merge for `_extends`: objects merge key by key, later wins; arrays and scalars are replaced whole; a `null`
// value removes the key (so a child file can drop a field its base sets, e.g. clusterConfig for model + hardware).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = key in out ? deepMerge(out[key], value) : stripNulls(value);
  }
  return out;
}

/** Remove null-valued keys at any depth (a null with nothing to delete means "unset"). */
function stripNulls(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}
