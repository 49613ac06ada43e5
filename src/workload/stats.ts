// Summary of a loaded workload: counts, token sums and means, arrival span (for `sim dataset stats`).
import type { LoadedWorkload } from './loadedWorkload.js';

export interface WorkloadStats {
  lines: number; // flat requests + sessions
  sessions: number;
  requests: number;
  sumInputToks: number;
  sumOutputToks: number;
  meanInputToks: number;
  meanOutputToks: number;
  firstArrivalNs: number; // of lines (session follow-ups depend on the run)
  lastArrivalNs: number;
  withTokenIds: number; // requests that carry input token ids
}

export function workloadStats(w: LoadedWorkload): WorkloadStats {
  let sumIn = 0;
  let sumOut = 0;
  for (let i = 0; i < w.numRequests; i++) {
    sumIn += w.inputToks[i];
    sumOut += w.outputToks[i];
  }
  let first = Infinity;
  let last = -Infinity;
  let sessions = 0;
  for (let g = 0; g < w.numGroups; g++) {
    first = Math.min(first, w.groupArrivalNs[g]);
    last = Math.max(last, w.groupArrivalNs[g]);
    if (w.groupSessionId[g] !== undefined) sessions++;
  }
  return {
    lines: w.numGroups,
    sessions,
    requests: w.numRequests,
    sumInputToks: sumIn,
    sumOutputToks: sumOut,
    meanInputToks: sumIn / w.numRequests,
    meanOutputToks: sumOut / w.numRequests,
    firstArrivalNs: first,
    lastArrivalNs: last,
    withTokenIds: w.inputTokIds.size,
  };
}
