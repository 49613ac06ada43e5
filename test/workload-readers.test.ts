import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { flatRows, type FlatRow } from '../src/workload/loadedWorkload.js';
import { parseWorkloadText, readWorkloadFile } from '../src/workload/load.js';
import { workloadText } from '../src/workload/writers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REF = join(ROOT, '..', 'shared', 'reference');
const WORKLOADS = join(REF, 'llmservingsim2', 'workloads');
const V021 = join(REF, 'llmservingsim', 'v0.2.1', 'dataset');
const haveRef = existsSync(WORKLOADS) && existsSync(V021);

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('LLMServingSim 2.0 JSONL', () => {
  it('reads flat requests with ids in file order and token ids', () => {
    const text = [
      '{"input_toks":3,"output_toks":2,"arrival_time_ns":500,"input_tok_ids":[1,2,3],"output_tok_ids":[4,5]}',
      '',
      '{"input_toks":7,"output_toks":1,"arrival_time_ns":100}',
    ].join('\n');
    const w = parseWorkloadText(text, 'w.jsonl');
    expect(flatRows(w)).toEqual([
      { inputToks: 3, outputToks: 2, arrivalNs: 500, inputTokIds: [1, 2, 3], outputTokIds: [4, 5] },
      { inputToks: 7, outputToks: 1, arrivalNs: 100 },
    ]);
  });

  it('reads agentic sessions: consecutive ids, tool durations, default session names, empty sessions skipped', () => {
    const text = [
      '{"input_toks":5,"output_toks":5,"arrival_time_ns":0}',
      '{"session_id":"s1","arrival_time_ns":10,"sub_requests":[{"input_toks":4,"output_toks":2,"tool_duration_ns":300},{"input_toks":9,"output_toks":3}]}',
      '{"arrival_time_ns":20,"sub_requests":[]}',
      '{"arrival_time_ns":30,"sub_requests":[{"input_toks":1,"output_toks":1}]}',
    ].join('\n');
    const w = parseWorkloadText(text, 'w.jsonl');
    expect(w.numRequests).toBe(4);
    expect(w.numGroups).toBe(3);
    expect(Array.from(w.groupFirstId)).toEqual([0, 1, 3]);
    expect(Array.from(w.groupSize)).toEqual([1, 2, 1]);
    expect(w.groupSessionId).toEqual([undefined, 's1', 'session-2']);
    expect(Array.from(w.toolDurationNs)).toEqual([0, 300, 0, 0]);
    expect(Array.from(w.inputToks)).toEqual([5, 4, 9, 1]);
  });

  it('numReqs counts lines (a session is one line), 0 means all', () => {
    const text = [
      '{"arrival_time_ns":0,"sub_requests":[{"input_toks":1,"output_toks":1},{"input_toks":2,"output_toks":2}]}',
      '{"input_toks":3,"output_toks":3,"arrival_time_ns":1}',
      '{"input_toks":4,"output_toks":4,"arrival_time_ns":2}',
    ].join('\n');
    expect(parseWorkloadText(text, 'w.jsonl', { numReqs: 2 }).numRequests).toBe(3);
    expect(parseWorkloadText(text, 'w.jsonl', { numReqs: 0 }).numRequests).toBe(4);
  });

  it.each([
    ['{"input_toks":1,"output_toks":1}', 'arrival_time_ns', 'missing'],
    ['{"input_toks":-1,"output_toks":1,"arrival_time_ns":0}', 'input_toks', 'positive integer'],
    ['{"input_toks":1.5,"output_toks":1,"arrival_time_ns":0}', 'input_toks', 'positive integer'],
    ['{"input_toks":1,"output_toks":"7","arrival_time_ns":0}', 'output_toks', 'positive integer'],
    ['{"input_toks":1,"output_toks":0,"arrival_time_ns":0}', 'output_toks', 'positive integer'],
    ['{"input_toks":1,"output_toks":1,"arrival_time_ns":-5}', 'arrival_time_ns', 'non-negative integer'],
    ['{"input_toks":1,"output_toks":1,"arrival_time_ns":0,"input_tok_ids":[1,-2]}', 'input_tok_ids', 'token ids'],
    ['{"arrival_time_ns":0,"sub_requests":[{"input_toks":1}]}', 'sub_requests[0].output_toks', 'missing'],
    ['{"arrival_time_ns":0,"sub_requests":[{"input_toks":1,"output_toks":1,"tool_duration_ns":-1}]}', 'sub_requests[0].tool_duration_ns', 'non-negative'],
    ['{"input_toks":1,', undefined, 'bad JSON'],
    ['[1,2]', undefined, 'JSON object'],
  ])('rejects %s naming line 2 and field %s', (bad, field, words) => {
    const text = `{"input_toks":1,"output_toks":1,"arrival_time_ns":0}\n${bad}\n`;
    const err = inputError(() => parseWorkloadText(text, 'bad.jsonl'));
    expect(err.file).toBe('bad.jsonl');
    expect(err.line).toBe(2);
    expect(err.field).toBe(field);
    expect(err.message).toContain(words);
    expect(err.exitCode).toBe(2);
  });

  it('property: a malformed line anywhere is reported at its own line number', () => {
    const good = '{"input_toks":1,"output_toks":1,"arrival_time_ns":0}';
    const bads = ['{"input_toks":1,"output_toks":1}', '{oops', '{"input_toks":0,"output_toks":1,"arrival_time_ns":0}', '{"input_toks":1,"output_toks":1,"arrival_time_ns":1e-3}'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom(...bads), (before, after, bad) => {
        const lines = [...Array(before).fill(good), bad, ...Array(after).fill(good)];
        expect(inputError(() => parseWorkloadText(lines.join('\n'), 'p.jsonl')).line).toBe(before + 1);
      }),
    );
  });

  it.skipIf(!haveRef)('reads the three reference workloads with the token sums README §5 states', async () => {
    const cases: [string, number, number, number][] = [
      ['sharegpt-llama-3.1-8b-300-sps10.jsonl', 300, 257_239, 195_753],
      ['example_trace.jsonl', 10, 120, 591],
      ['workload_me2_01_mixed.jsonl', 608, 5_604_402, 1_837_003],
    ];
    for (const [name, lines, sumIn, sumOut] of cases) {
      const w = await readWorkloadFile(join(WORKLOADS, name));
      expect(w.numRequests).toBe(lines);
      expect(sum(w.inputToks)).toBe(sumIn);
      expect(sum(w.outputToks)).toBe(sumOut);
    }
    const share = await readWorkloadFile(join(WORKLOADS, 'sharegpt-llama-3.1-8b-300-sps10.jsonl'), { numReqs: 1 });
    expect(share.numRequests).toBe(1);
    expect(share.inputTokIds.get(0)?.length).toBe(share.inputToks[0]); // README: lengths match the counts
    expect(share.groupArrivalNs[0]).toBe(46_926_808); // 0.047 s, README's first arrival
  });
});

describe('LLMServingSim v0.2.1 TSV', () => {
  it('reads the header by name and rows as requests', () => {
    const w = parseWorkloadText('output_toks\tinput_toks\tarrival_time_ns\n70\t10\t46926808\n104\t22\t347938952\n', 'x.tsv');
    expect(flatRows(w)).toEqual([
      { inputToks: 10, outputToks: 70, arrivalNs: 46926808 },
      { inputToks: 22, outputToks: 104, arrivalNs: 347938952 },
    ]);
  });

  it('names the missing column with a suggestion, and bad cells by line and field', () => {
    const noCol = inputError(() => parseWorkloadText('input_toks\toutput_tok\tarrival_time_ns\n1\t1\t0\n', 'x.tsv'));
    expect(noCol.line).toBe(1);
    expect(noCol.field).toBe('output_toks');
    expect(noCol.message).toContain("did you mean 'output_tok'");
    const neg = inputError(() => parseWorkloadText('input_toks\toutput_toks\tarrival_time_ns\n1\t1\t0\n1\t1\t-3\n', 'x.tsv'));
    expect([neg.line, neg.field]).toEqual([3, 'arrival_time_ns']);
    const short = inputError(() => parseWorkloadText('input_toks\toutput_toks\tarrival_time_ns\n1\t1\n', 'x.tsv'));
    expect([short.line, short.field, short.message.includes('missing')]).toEqual([2, 'arrival_time_ns', true]);
    const frac = inputError(() => parseWorkloadText('input_toks\toutput_toks\tarrival_time_ns\n1\t2.5\t0\n', 'x.tsv'));
    expect([frac.line, frac.field]).toEqual([2, 'output_toks']);
    const hex = inputError(() => parseWorkloadText('input_toks\toutput_toks\tarrival_time_ns\n0x10\t2\t0\n', 'x.tsv'));
    expect([hex.line, hex.field]).toEqual([2, 'input_toks']);
    expect(inputError(() => parseWorkloadText('\n', 'x.tsv')).message).toContain('empty file');
  });

  it.skipIf(!haveRef)('reads every shipped v0.2.1 dataset with as many requests as data rows', async () => {
    for (const name of ['share-gpt-req100-rate10.tsv', 'alpaca-bs256-ms7B-tp2-pp2.tsv', 'simulation-time-bs32-seq512.tsv']) {
      const file = join(V021, name);
      const dataRows = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
      const w = await readWorkloadFile(file);
      expect(w.numRequests).toBe(dataRows.length);
      expect(sum(w.inputToks)).toBe(dataRows.reduce((a, l) => a + Number(l.split('\t')[0]), 0));
    }
    const share = await readWorkloadFile(join(V021, 'share-gpt-req100-rate10.tsv'));
    expect([share.inputToks[0], share.outputToks[0], share.groupArrivalNs[0]]).toEqual([10, 70, 46926808]);
  });
});

describe('Vidur trace CSV', () => {
  it('reads arrived_at seconds as integer ns, ignoring extra columns', () => {
    const csv = 'num_prefill_tokens,num_decode_tokens,arrived_at,pd_ratio\n100,20,0.5,5\n3,7,1.25e-3,0.4\n';
    expect(flatRows(parseWorkloadText(csv, 'trace.csv'))).toEqual([
      { inputToks: 100, outputToks: 20, arrivalNs: 500_000_000 },
      { inputToks: 3, outputToks: 7, arrivalNs: 1_250_000 },
    ]);
  });

  it('rejects negative times and fractional token counts by line and field', () => {
    const neg = inputError(() => parseWorkloadText('arrived_at,num_prefill_tokens,num_decode_tokens\n-1,1,1\n', 't.csv'));
    expect([neg.line, neg.field]).toEqual([2, 'arrived_at']);
    const frac = inputError(() => parseWorkloadText('arrived_at,num_prefill_tokens,num_decode_tokens\n0,1,1\n0,1.5,1\n', 't.csv'));
    expect([frac.line, frac.field]).toEqual([3, 'num_prefill_tokens']);
  });
});

describe('format detection and round trips', () => {
  it('sniffs the format from the first line when the extension says nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-wl-'));
    writeFileSync(join(dir, 'a.txt'), '\n{"input_toks":2,"output_toks":3,"arrival_time_ns":4}\n');
    writeFileSync(join(dir, 'b.txt'), 'input_toks\toutput_toks\tarrival_time_ns\n2\t3\t4\n');
    writeFileSync(join(dir, 'c.txt'), 'arrived_at,num_prefill_tokens,num_decode_tokens\n0.000000004,2,3\n');
    for (const f of ['a.txt', 'b.txt', 'c.txt']) {
      expect(flatRows(await readWorkloadFile(join(dir, f)))).toEqual([{ inputToks: 2, outputToks: 3, arrivalNs: 4 }]);
    }
    await expect(readWorkloadFile(join(dir, 'nope.jsonl'))).rejects.toThrow(InputError);
    expect(() => parseWorkloadText('[]', 'x.json')).toThrow(/sim dataset convert/);
  });

  const row = fc.record({
    inputToks: fc.integer({ min: 1, max: 200_000 }),
    outputToks: fc.integer({ min: 1, max: 200_000 }),
    arrivalNs: fc.integer({ min: 0, max: 10 ** 15 }),
  });

  it('property: TSV writer → reader gives the rows back', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 50 }), (rows: FlatRow[]) => {
        expect(flatRows(parseWorkloadText(workloadText(rows, 'tsv'), 'r.tsv'))).toEqual(rows);
      }),
    );
  });

  it('property: JSONL writer → reader gives the rows back, token ids included', () => {
    const withIds = fc.record(
      {
        inputToks: fc.integer({ min: 1, max: 5000 }),
        outputToks: fc.integer({ min: 1, max: 5000 }),
        arrivalNs: fc.integer({ min: 0, max: 10 ** 15 }),
        inputTokIds: fc.array(fc.integer({ min: 0, max: 128_255 }), { maxLength: 20 }),
        outputTokIds: fc.array(fc.integer({ min: 0, max: 128_255 }), { maxLength: 20 }),
      },
      { requiredKeys: ['inputToks', 'outputToks', 'arrivalNs'] },
    );
    fc.assert(
      fc.property(fc.array(withIds, { minLength: 1, maxLength: 30 }), (rows: FlatRow[]) => {
        expect(flatRows(parseWorkloadText(workloadText(rows, 'jsonl'), 'r.jsonl'))).toEqual(rows);
      }),
    );
  });

  it('property: Vidur seconds written with full precision come back as the same ns (up to 10^6 s)', () => {
    fc.assert(
      fc.property(fc.array(row.map((r) => ({ ...r, arrivalNs: r.arrivalNs % 10 ** 15 })), { minLength: 1, maxLength: 30 }), (rows) => {
        const csv = ['arrived_at,num_prefill_tokens,num_decode_tokens', ...rows.map((r) => `${r.arrivalNs / 1e9},${r.inputToks},${r.outputToks}`)].join('\n');
        expect(flatRows(parseWorkloadText(csv, 'v.csv'))).toEqual(rows);
      }),
    );
  });
});
