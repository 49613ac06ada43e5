// A workload file held in columns (typed arrays, one slot per request id) rather than one object per request,
// so a million-line trace costs tens of megabytes. Every reader fills a WorkloadBuilder.
//
// A "group" is one line of the file: a flat request (a group of one, no session) or an agentic session (its
// sub-requests take consecutive ids). Ids follow file order, as LLMServingSim 2.0 assigns them (reference §5).

export interface LoadedWorkload {
  readonly file: string;
  /** Request ids are 0..numRequests-1. */
  readonly numRequests: number;
  readonly inputToks: Int32Array;
  readonly outputToks: Int32Array;
  /** Per id: wait after this sub-request finishes before the session's next one arrives (0 for flat requests). */
  readonly toolDurationNs: Float64Array;
  /** Token ids by request id, only for requests that had them. */
  readonly inputTokIds: ReadonlyMap<number, readonly number[]>;
  readonly outputTokIds: ReadonlyMap<number, readonly number[]>;
  readonly numGroups: number;
  readonly groupArrivalNs: Float64Array;
  readonly groupFirstId: Int32Array;
  readonly groupSize: Int32Array;
  /** Session name per group; undefined for a flat request. */
  readonly groupSessionId: readonly (string | undefined)[];
}

export interface FlatRow {
  inputToks: number;
  outputToks: number;
  arrivalNs: number;
  inputTokIds?: readonly number[];
  outputTokIds?: readonly number[];
}

export interface SubRequestRow {
  inputToks: number;
  outputToks: number;
  toolDurationNs?: number;
  inputTokIds?: readonly number[];
  outputTokIds?: readonly number[];
}

export class WorkloadBuilder {
  private inputToks: number[] = [];
  private outputToks: number[] = [];
  private toolNs: number[] = [];
  private inputIds = new Map<number, readonly number[]>();
  private outputIds = new Map<number, readonly number[]>();
  private groupArrival: number[] = [];
  private groupFirst: number[] = [];
  private groupSize: number[] = [];
  private groupSession: (string | undefined)[] = [];

  get numGroups(): number {
    return this.groupArrival.length;
  }

  addFlat(row: FlatRow): void {
    this.openGroup(row.arrivalNs, 1, undefined);
    this.addRequest(row.inputToks, row.outputToks, 0, row.inputTokIds, row.outputTokIds);
  }

  /** A session of at least one sub-request; `sessionId` defaults to `session-<group index>`. */
  addSession(arrivalNs: number, sessionId: string | undefined, subRequests: readonly SubRequestRow[]): void {
    if (subRequests.length === 0) throw new RangeError('a session needs at least one sub-request');
    this.openGroup(arrivalNs, subRequests.length, sessionId ?? `session-${this.numGroups}`);
    for (const s of subRequests) this.addRequest(s.inputToks, s.outputToks, s.toolDurationNs ?? 0, s.inputTokIds, s.outputTokIds);
  }

  build(file: string): LoadedWorkload {
    return {
      file,
      numRequests: this.inputToks.length,
      inputToks: Int32Array.from(this.inputToks),
      outputToks: Int32Array.from(this.outputToks),
      toolDurationNs: Float64Array.from(this.toolNs),
      inputTokIds: this.inputIds,
      outputTokIds: this.outputIds,
      numGroups: this.groupArrival.length,
      groupArrivalNs: Float64Array.from(this.groupArrival),
      groupFirstId: Int32Array.from(this.groupFirst),
      groupSize: Int32Array.from(this.groupSize),
      groupSessionId: this.groupSession,
    };
  }

  private openGroup(arrivalNs: number, size: number, sessionId: string | undefined): void {
    this.groupArrival.push(arrivalNs);
    this.groupFirst.push(this.inputToks.length);
    this.groupSize.push(size);
    this.groupSession.push(sessionId);
  }

  private addRequest(inputToks: number, outputToks: number, toolNs: number, inIds?: readonly number[], outIds?: readonly number[]): void {
    const id = this.inputToks.length;
    this.inputToks.push(inputToks);
    this.outputToks.push(outputToks);
    this.toolNs.push(toolNs);
    if (inIds) this.inputIds.set(id, inIds);
    if (outIds) this.outputIds.set(id, outIds);
  }
}

/** Flat rows of a workload without sessions, in id order (for writers and tests). */
export function flatRows(w: LoadedWorkload): FlatRow[] {
  const rows: FlatRow[] = [];
  for (let g = 0; g < w.numGroups; g++) {
    if (w.groupSessionId[g] !== undefined) throw new RangeError(`${w.file}: line group ${g} is a session, not a flat request`);
    const id = w.groupFirstId[g];
    const row: FlatRow = { inputToks: w.inputToks[id], outputToks: w.outputToks[id], arrivalNs: w.groupArrivalNs[g] };
    const inIds = w.inputTokIds.get(id);
    const outIds = w.outputTokIds.get(id);
    if (inIds) row.inputTokIds = inIds;
    if (outIds) row.outputTokIds = outIds;
    rows.push(row);
  }
  return rows;
}
