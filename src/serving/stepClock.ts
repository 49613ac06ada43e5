// End times of one scheduler's recent steps, for deferred inter-token gaps.
// A decoding request produces a token at every step of its scheduler, so each of its gaps is a step's duration.
// Writing that gap into the request's own itlNs at every step touches one scattered cache line per request per
// step (the serving loop's largest cost on big runs); instead the scheduler records each step's end once here, a
// request remembers the run of consecutive steps it produced tokens at (ServingRequest.addStepGap), and the run's
// gaps are written in one burst (flushItl) when the run breaks, reaches MAX_ITL_RUN steps, or the request leaves.

const RING = 4096; // power of two
const MASK = RING - 1;
/** A run is written out after this many steps, so the ring still holds its start. */
export const MAX_ITL_RUN = 1024;
/** Every this many steps the scheduler writes out runs that ended (requests that stopped producing tokens). */
export const ITL_SWEEP_STEPS = 1024; // MAX_ITL_RUN + ITL_SWEEP_STEPS < RING: a run is written before it is overwritten

export class StepClock {
  /** Index of the current (latest) step; -1 before the first. */
  step = -1;
  private readonly endNs = new Float64Array(RING);
  private readonly stepAt = new Float64Array(RING).fill(-1); // which step each entry holds

  /** A step completed at endNs. */
  begin(endNs: number): void {
    const s = ++this.step;
    this.endNs[s & MASK] = endNs;
    this.stepAt[s & MASK] = s;
  }

  /** Whether this step should write out the runs that ended. */
  get sweepDue(): boolean {
    return (this.step & (ITL_SWEEP_STEPS - 1)) === 0;
  }

  /** End time of a step the ring still holds (a run's steps always are: see MAX_ITL_RUN). */
  endNsAt(step: number): number {
    return this.endNs[step & MASK];
  }

  /**
   * Writes the gaps between steps from..to (each step's end minus the previous one's) into out from index at;
   * returns the new index. Throws if the ring no longer holds step from (a run was kept too long).
   */
  writeGaps(from: number, to: number, out: Float64Array, at: number): number {
    if (this.stepAt[from & MASK] !== from) {
      throw new Error(`internal: step ${from}'s end time was overwritten before its gaps were recorded (step ${this.step} now)`);
    }
    const ends = this.endNs;
    let prev = ends[from & MASK];
    for (let s = from + 1; s <= to; s++) {
      const t = ends[s & MASK];
      out[at++] = t - prev;
      prev = t;
    }
    return at;
  }
}
