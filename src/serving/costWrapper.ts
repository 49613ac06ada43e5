// A cost model that wraps another to add something to its steps (a calibrated excess, the events it reports): it
// serves the wrapped model's arrays, counters and capabilities (row order, decode rows as totals), so the serving loop
// fills the inner model's arrays and each batch is still one inner call.
import type { CostModelLike } from './types.js';

export abstract class CostWrapper<Inner extends CostModelLike = CostModelLike> implements CostModelLike {
  readonly newTokens: CostModelLike['newTokens'];
  readonly computedBefore: CostModelLike['computedBefore'];
  readonly counters?: Float64Array;
  readonly rowOrderFree?: boolean;
  readonly decodeGroup?: Float64Array;

  constructor(protected readonly inner: Inner) {
    this.newTokens = inner.newTokens;
    this.computedBefore = inner.computedBefore;
    this.counters = inner.counters;
    this.rowOrderFree = inner.rowOrderFree;
    this.decodeGroup = inner.decodeGroup;
  }

  abstract iterate(n: number, startNs?: number): number;
}
