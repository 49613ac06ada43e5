// Data-parallel groups (LLMServingSim dp_group, reference README §2.7): the members of a group step together. A group
// step starts when every member is idle; each member schedules its batch, a member with nothing to run gets a 1-token
// dummy decode, and every member's batch is padded to the group's largest total_len and num_seqs (dummy decodes that
// count for the per-token layers, lm_head and collectives, not attention: the kernel applies CostModel.dpPad). The
// native kernel counts each dummy as one more sequence, as LLMServingSim does, so it reads only the total_len pad;
// the num_seqs pad is there for cost models that want it. The next group step waits for the slowest member.
import type { Instance } from './instance.js';
import type { InstanceSetup } from './types.js';

export class DpGroups {
  /** Per instance: its group's index, or -1 outside any group. */
  readonly groupOf: Int32Array;
  readonly members: number[][] = [];
  private readonly pads: Int32Array[];
  private readonly rows: Int32Array;
  private readonly newTokensOf: ArrayLike<number>[];

  constructor(setups: readonly InstanceSetup[]) {
    this.groupOf = new Int32Array(setups.length).fill(-1);
    const byName = new Map<string, number>();
    setups.forEach((s, i) => {
      if (s.dpGroup === undefined) return;
      if (s.dpPad === undefined || s.dpPad.length < 2) throw new Error(`runServing: instance ${s.instanceId} in dp_group '${s.dpGroup}' needs its cost model's dpPad`);
      if (s.pipeline || s.pdRole || s.speculative) {
        throw new Error(`runServing: instance ${s.instanceId}: dp_group with pipeline, P/D or speculative decoding is not supported yet`);
      }
      let g = byName.get(s.dpGroup);
      if (g === undefined) {
        g = this.members.length;
        byName.set(s.dpGroup, g);
        this.members.push([]);
      }
      this.members[g].push(i);
      this.groupOf[i] = g;
    });
    this.pads = setups.map((s) => s.dpPad ?? new Int32Array(2));
    this.rows = new Int32Array(setups.length);
    this.newTokensOf = setups.map((s) => s.cost.newTokens);
  }

  get any(): boolean {
    return this.members.length > 0;
  }

  /** True if every member of group g is idle (the group may step). */
  allIdle(g: number, instances: readonly Instance[]): boolean {
    for (const m of this.members[g]) if (instances[m].busyUntilNs >= 0) return false;
    return true;
  }

  /**
   * Start group g's step at nowNs (every member idle). Returns false, starting nothing, if no member has a batch.
   * onStarted(index, endNs, dummy) is called for every member started.
   */
  step(g: number, nowNs: number, instances: readonly Instance[], onStarted: (index: number, endNs: number, dummy: boolean) => void): boolean {
    const members = this.members[g];
    const rows = this.rows;
    let anyWork = false;
    for (const m of members) {
      rows[m] = instances[m].prepareBatch(nowNs);
      if (rows[m] >= 0) anyWork = true;
    }
    if (!anyWork) return false;
    // The group's largest batch: total_len = tokens computed this step, num_seqs = rows with tokens (a dummy is 1, 1).
    let padTotalLen = 1;
    let padNumSeqs = 1;
    for (const m of members) {
      const newTokens = this.newTokensOf[m];
      let total = 0;
      let seqs = 0;
      for (let r = 0; r < rows[m]; r++) {
        if (newTokens[r] > 0) {
          total += newTokens[r];
          seqs++;
        }
      }
      if (total > padTotalLen) padTotalLen = total;
      if (seqs > padNumSeqs) padNumSeqs = seqs;
    }
    for (const m of members) {
      const pad = this.pads[m];
      pad[0] = padTotalLen;
      pad[1] = padNumSeqs;
      if (rows[m] >= 0) onStarted(m, instances[m].runPreparedBatch(nowNs, rows[m]), false);
      else onStarted(m, instances[m].startDummyBatch(nowNs), true);
    }
    return true;
  }
}
