// Growing the typed arrays that hold the engine's state (structure of arrays): one helper instead of a copy loop per field.

type NumericArray = Int32Array | Float64Array | Uint8Array;

/** A copy of `a` with `length` entries (at least a.length): the old values first, then `fill`. */
export function grown<T extends NumericArray>(a: T, length: number, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}
