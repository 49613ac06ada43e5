// LLMServingSim 2.0 JSONL workloads (reference README §5), one JSON object per line, each auto-detected:
//   flat request:    {"input_toks", "output_toks", "arrival_time_ns", "input_tok_ids"?, "output_tok_ids"?}
//   agentic session: {"session_id"?, "arrival_time_ns", "sub_requests": [{"input_toks", "output_toks",
//                     "tool_duration_ns"?, "input_tok_ids"?, "output_tok_ids"?}, ...]}
// Empty sub_requests lines are skipped (they still count as a line for numReqs, like --num-reqs counts lines).
import { InputError } from '../errors.js';
import { nonNegativeInt, positiveInt, tokenIds, type LinePlace } from './fields.js';
import { WorkloadBuilder, type FlatRow, type SubRequestRow } from './loadedWorkload.js';

export type JsonlLine =
  | { kind: 'flat'; row: FlatRow }
  | { kind: 'session'; sessionId?: string; arrivalNs: number; subRequests: SubRequestRow[] };

/** Parse and check one non-blank line. */
export function parseJsonlLine(text: string, at: LinePlace): JsonlLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`bad JSON (${(err as Error).message}); expected one JSON object per line`, at);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`expected a JSON object (a request or a session), got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, at);
  }
  const obj = value as Record<string, unknown>;
  const arrivalNs = nonNegativeInt(obj.arrival_time_ns, 'arrival_time_ns', at, 'a non-negative integer of nanoseconds');
  if ('sub_requests' in obj) {
    const subs = obj.sub_requests;
    if (!Array.isArray(subs)) throw new InputError(`expected an array of sub-requests, got ${JSON.stringify(subs)}`, { ...at, field: 'sub_requests' });
    const sessionId = obj.session_id;
    if (sessionId !== undefined && sessionId !== null && typeof sessionId !== 'string') {
      throw new InputError(`expected a string, got ${JSON.stringify(sessionId)}`, { ...at, field: 'session_id' });
    }
    const subRequests = subs.map((s, i) => parseSubRequest(s, `sub_requests[${i}]`, at));
    return { kind: 'session', sessionId: sessionId ?? undefined, arrivalNs, subRequests };
  }
  const row: FlatRow = {
    inputToks: positiveInt(obj.input_toks, 'input_toks', at),
    outputToks: positiveInt(obj.output_toks, 'output_toks', at),
    arrivalNs,
  };
  const inIds = tokenIds(obj.input_tok_ids, 'input_tok_ids', at);
  const outIds = tokenIds(obj.output_tok_ids, 'output_tok_ids', at);
  if (inIds) row.inputTokIds = inIds;
  if (outIds) row.outputTokIds = outIds;
  return { kind: 'flat', row };
}

function parseSubRequest(value: unknown, path: string, at: LinePlace): SubRequestRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`expected a sub-request object, got ${JSON.stringify(value)}`, { ...at, field: path });
  }
  const obj = value as Record<string, unknown>;
  const sub: SubRequestRow = {
    inputToks: positiveInt(obj.input_toks, `${path}.input_toks`, at),
    outputToks: positiveInt(obj.output_toks, `${path}.output_toks`, at),
  };
  if (obj.tool_duration_ns !== undefined) {
    sub.toolDurationNs = nonNegativeInt(obj.tool_duration_ns, `${path}.tool_duration_ns`, at, 'a non-negative integer of nanoseconds');
  }
  const inIds = tokenIds(obj.input_tok_ids, `${path}.input_tok_ids`, at);
  const outIds = tokenIds(obj.output_tok_ids, `${path}.output_tok_ids`, at);
  if (inIds) sub.inputTokIds = inIds;
  if (outIds) sub.outputTokIds = outIds;
  return sub;
}

/** Feeds lines one at a time (from a stream or a string) into a WorkloadBuilder. */
export class JsonlWorkloadReader {
  readonly builder = new WorkloadBuilder();
  linesRead = 0;

  constructor(
    readonly file: string,
    readonly numReqs = Infinity,
  ) {}

  /** False once numReqs lines have been read: the caller may stop feeding. */
  wantsMore(): boolean {
    return this.linesRead < this.numReqs;
  }

  addLine(text: string, lineNumber: number): void {
    if (!this.wantsMore() || text.trim() === '') return;
    this.linesRead++;
    const parsed = parseJsonlLine(text, { file: this.file, line: lineNumber });
    if (parsed.kind === 'flat') this.builder.addFlat(parsed.row);
    else if (parsed.subRequests.length > 0) this.builder.addSession(parsed.arrivalNs, parsed.sessionId, parsed.subRequests);
  }
}

/** One JSONL line for a flat request, in LLMServingSim 2.0's field names. */
export function formatJsonlRow(row: FlatRow): string {
  const out: Record<string, unknown> = { input_toks: row.inputToks, output_toks: row.outputToks, arrival_time_ns: row.arrivalNs };
  if (row.inputTokIds) out.input_tok_ids = row.inputTokIds;
  if (row.outputTokIds) out.output_tok_ids = row.outputTokIds;
  return JSON.stringify(out);
}
