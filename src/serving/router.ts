// Picks the instance for each arriving request (reference README §3.3, LLMServingSim 2.0's router):
// - load: the smallest (4·waiting + running) / max_num_seqs (raw score if max_num_seqs is unlimited), scanning from
//   a rotating start (ties → first scanned); the start moves to just after the chosen instance.
// - round-robin: instances in turn.
import type { Instance } from './instance.js';
import type { RouterPolicy } from './types.js';

export class Router {
  private counter = 0;
  constructor(
    private readonly instances: readonly Instance[],
    private readonly policy: RouterPolicy,
  ) {}

  /** Index of the instance that takes the next request. */
  pick(): number {
    const n = this.instances.length;
    const start = this.counter % n;
    if (this.policy === 'round-robin') {
      this.counter = start + 1;
      return start;
    }
    let best = 0;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const idx = (start + k) % n;
      const s = this.instances[idx].scheduler;
      const raw = 4 * s.waiting.length + s.running.length;
      const score = Number.isFinite(s.maxNumSeqs) ? raw / s.maxNumSeqs : raw;
      if (score < bestScore) {
        bestScore = score;
        best = idx;
      }
    }
    this.counter = (best + 1) % n;
    return best;
  }
}
