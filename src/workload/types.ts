// What the serving engine consumes: a stream of requests ordered by arrival, possibly fed back by completions
// (agentic sessions: the next sub-request arrives after the previous one finishes plus its tool time;
// closed-loop users: a user sends again after a think time).

export interface RequestSpec {
  id: number; // 0-based; flat workloads: line index in the file; a session reserves consecutive ids
  arrivalNs: number; // integer ns of simulated time
  inputToks: number; // prompt length
  outputToks: number; // exact number of generated tokens (no EOS)
  inputTokIds?: readonly number[]; // for prefix-cache hashing only
  outputTokIds?: readonly number[];
  sessionId?: string; // set for sub-requests of an agentic session / closed-loop user
}

/**
 * A pull-based request stream. The engine asks for the next arrival time, pops requests whose arrival has come,
 * and reports each finished request so the source can release follow-ups (sessions, closed-loop users).
 * Implementations must return requests in non-decreasing arrivalNs, ties in increasing id, and be deterministic.
 */
export interface RequestSource {
  /** Arrival time of the next pending request, or Infinity if none is pending now (more may come after onFinish). */
  peekArrivalNs(): number;
  /** Remove and return the next pending request (call only when peekArrivalNs() is finite). */
  pop(): RequestSpec;
  /** The engine reports every finished request; sources with feedback release follow-ups here. */
  onFinish(id: number, finishNs: number): void;
  /** True when no request is pending and none can come any more. */
  done(): boolean;
  /** Total number of requests this source will emit, if known up front. */
  readonly totalRequests?: number;
}
