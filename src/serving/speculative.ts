// Speculative decoding: each decode step of a request proposes k draft tokens (a draft model, or an n-gram lookup in
// the request's own text), the target model verifies them together with the request's last token in ONE forward pass
// (k + 1 new tokens for that request in the batch, so the verification cost comes from the target's cost model), and
// the request gains the accepted drafts plus one token from the target (the correction or the bonus token).
// Acceptance: each draft is accepted with probability acceptanceRate until the first rejection (the i.i.d. model of
// Leviathan et al., "Fast Inference from Transformers via Speculative Decoding", 2023), or the number accepted is drawn
// from acceptedDistribution (P[0 accepted], ..., P[k accepted]). With acceptance 1.0 every step yields k + 1 tokens.
// The draft model's own time (k sequential one-token steps over the batch's speculating requests) is added to the step;
// an n-gram proposer costs nothing on the GPU.
import { Rng } from '../rng.js';
import type { ServingRequest } from './request.js';
import type { CostModelLike } from './types.js';

export interface SpeculativeOptions {
  method: 'draft' | 'ngram';
  numSpeculativeTokens: number; // k
  acceptanceRate?: number; // per draft token, in [0, 1]
  acceptedDistribution?: number[]; // k + 1 probabilities summing to 1
  seed?: number;
  /** The draft model's cost model (method 'draft'). */
  draftCost?: CostModelLike;
}

export class SpeculativeDecoder {
  readonly k: number;
  private readonly rate: number;
  private readonly cdf: Float64Array | undefined;
  private readonly rng: Rng;
  private readonly draftCost: CostModelLike | undefined;

  // Counters (cumulative).
  proposedTokens = 0;
  acceptedTokens = 0;
  draftSteps = 0; // verification steps with at least one draft

  constructor(o: SpeculativeOptions) {
    if (!Number.isInteger(o.numSpeculativeTokens) || o.numSpeculativeTokens < 1) throw new Error(`SpeculativeDecoder: k must be a positive integer, got ${o.numSpeculativeTokens}`);
    this.k = o.numSpeculativeTokens;
    this.rate = o.acceptanceRate ?? 1;
    if (!(this.rate >= 0 && this.rate <= 1)) throw new Error(`SpeculativeDecoder: acceptance rate must be in [0, 1], got ${this.rate}`);
    if (o.acceptedDistribution) {
      const d = o.acceptedDistribution;
      const sum = d.reduce((a, b) => a + b, 0);
      if (d.length !== this.k + 1 || d.some((p) => !(p >= 0)) || Math.abs(sum - 1) > 1e-9) {
        throw new Error(`SpeculativeDecoder: acceptedDistribution needs ${this.k + 1} non-negative probabilities summing to 1`);
      }
      this.cdf = new Float64Array(d.length);
      let c = 0;
      d.forEach((p, i) => (this.cdf![i] = c += p));
    }
    this.rng = new Rng(o.seed ?? 0, 'speculative');
    if (o.method === 'draft' && !o.draftCost) throw new Error('SpeculativeDecoder: method draft needs the draft model cost');
    this.draftCost = o.method === 'draft' ? o.draftCost : undefined;
  }

  /** Drafts to propose for a decoding request with `remainingTokens` still to generate and `budgetLeft` spare tokens. */
  draftsFor(remainingTokens: number, budgetLeft: number): number {
    const d = Math.min(this.k, remainingTokens - 1, budgetLeft);
    return d > 0 ? d : 0;
  }

  /** How many of `drafts` proposed tokens the target accepts (one draw per verification). */
  accept(drafts: number): number {
    let a: number;
    if (this.cdf) {
      const u = this.rng.uniform();
      a = 0;
      while (a < this.cdf.length - 1 && u >= this.cdf[a]) a++;
    } else if (this.rate >= 1) {
      a = drafts;
    } else {
      a = 0;
      while (a < drafts && this.rng.uniform() < this.rate) a++;
    }
    if (a > drafts) a = drafts;
    this.proposedTokens += drafts;
    this.acceptedTokens += a;
    this.draftSteps++;
    return a;
  }

  /**
   * The draft model's time for a batch (method 'draft'): its speculating requests (draftTokens > 0) run max(drafts)
   * sequential one-token steps at their current context; timed as that many times one step (one native call).
   */
  draftNs(count: number, reqs: readonly ServingRequest[], computedBefore: Int32Array): number {
    const cost = this.draftCost;
    if (cost === undefined) return 0;
    let m = 0;
    let steps = 0;
    for (let i = 0; i < count; i++) {
      const d = reqs[i].draftTokens;
      if (d <= 0) continue;
      cost.newTokens[m] = 1;
      cost.computedBefore[m] = computedBefore[i];
      m++;
      if (d > steps) steps = d;
    }
    return m === 0 ? 0 : steps * cost.iterate(m);
  }
}
