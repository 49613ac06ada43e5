// Per-request CSV: byte-identical to LLMServingSim 2.0's own sim.csv formatting, round trip, atomic write, strict parse.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { InputError } from '../src/errors.js';
import { writeFileAtomic } from '../src/atomicFile.js';
import {
  REQUESTS_CSV_HEADER, RequestsCsvWriter, csvField, formatRequestRow, parseRequestsCsv, pythonIntList, type RequestRow,
} from '../src/report/requestsCsv.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');

describe('formatting', () => {
  it('Python list and minimal quoting', () => {
    expect(pythonIntList([])).toBe('[]');
    expect(pythonIntList([7])).toBe('[7]');
    expect(pythonIntList(Float64Array.from([1, 22, 333]))).toBe('[1, 22, 333]');
    expect(csvField('[7]')).toBe('[7]');
    expect(csvField('[1, 2]')).toBe('"[1, 2]"');
    expect(csvField('a"b')).toBe('"a""b"');
  });

  it('a row by hand', () => {
    const row: RequestRow = {
      instanceId: 0, requestId: 3, model: 'meta-llama/Llama-3.1-8B', inputToks: 4, outputToks: 3, arrivalNs: 100,
      endNs: 400, latencyNs: 300, queuingDelayNs: 5, ttftNs: 100, tpotNs: 100, itlNs: [90, 110],
    };
    expect(formatRequestRow(row)).toBe('0,3,meta-llama/Llama-3.1-8B,4,3,100,400,300,5,100,100,"[90, 110]"\r\n');
  });
});

describe.skipIf(!existsSync(REF))('reference sim.csv files', () => {
  const files = [
    join(REF, 'bench', 'examples', 'RTX4090', 'Llama-3.1-8B', 'outputs', 'sim.csv'),
    join(REF, 'bench', 'examples', 'RTXPRO6000', 'Llama-3.1-8B', 'outputs', 'sim.csv'),
    join(REF, 'outputs', 'example_single_run.csv'),
    join(REF, 'outputs', 'example_multi_run.csv'),
  ];
  for (const file of files) {
    it(`re-formatting every parsed row reproduces ${file.split('/').slice(-3).join('/')} byte for byte`, () => {
      const text = readFileSync(file, 'utf8');
      let out = REQUESTS_CSV_HEADER + '\r\n';
      const n = parseRequestsCsv(text, file, (r) => {
        // ITL entries sum to latency − TTFT (README §7.1): a conservation check on the parsed data.
        let s = 0;
        for (let i = 0; i < r.itlNs.length; i++) s += r.itlNs[i];
        expect(s).toBe(r.latencyNs - r.ttftNs);
        expect(r.itlNs.length).toBe(r.outputToks - 1);
        out += formatRequestRow(r);
      });
      expect(n).toBeGreaterThan(0);
      expect(out).toBe(text);
    });
  }
});

const rowArb: fc.Arbitrary<RequestRow> = fc.record({
  instanceId: fc.nat(64), requestId: fc.nat(1e9), model: fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
  inputToks: fc.nat(1e6), outputToks: fc.nat(1e6), arrivalNs: fc.nat(), endNs: fc.nat(), latencyNs: fc.nat(),
  queuingDelayNs: fc.nat(), ttftNs: fc.nat(), tpotNs: fc.nat(), itlNs: fc.array(fc.nat(), { maxLength: 6 }),
});

describe('round trip', () => {
  it('parse(format(rows)) gives the rows back', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 8 }), (rows) => {
        const text = REQUESTS_CSV_HEADER + '\n' + rows.map(formatRequestRow).join('');
        const back: RequestRow[] = [];
        parseRequestsCsv(text, 'x.csv', (r) => back.push({ ...r, itlNs: Array.from(r.itlNs) }));
        expect(back).toEqual(rows);
      }),
    );
  });
});

describe('strict parsing', () => {
  const good = '0,1,m,2,2,0,10,10,0,5,5,[5]';
  const cases: [string, RegExp][] = [
    ['instance,request\n', /bad\.csv, line 1: expected the header/],
    [`${REQUESTS_CSV_HEADER}\n${good.replace(',2,2,', ',2.5,2,')}\n`, /bad\.csv, line 2, field 'input': expected an integer, found '2\.5'/],
    [`${REQUESTS_CSV_HEADER}\n${good}\n0,1,m\n`, /line 3: expected 12 columns, found 3/],
    [`${REQUESTS_CSV_HEADER}\n${good.replace('[5]', '"[5;6]"')}\n`, /line 2, field 'ITL': expected a list of integers/],
    [`${REQUESTS_CSV_HEADER}\n${good.replace('[5]', '"[5, 6]')}\n`, /line 2: malformed CSV: unterminated/],
  ];
  for (const [text, msg] of cases) {
    it(`rejects ${JSON.stringify(text.slice(-30))}`, () => {
      let err: unknown;
      try {
        parseRequestsCsv(text, 'bad.csv', () => {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(msg);
    });
  }
});

describe('atomic writing', () => {
  it('nothing at the path until commit; abort leaves no file and no temp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-csv-'));
    const path = join(dir, 'out', 'sim.csv');
    const w = new RequestsCsvWriter(path);
    for (let i = 0; i < 3000; i++) {
      w.write({ instanceId: 0, requestId: i, model: 'm', inputToks: 1, outputToks: 2, arrivalNs: i, endNs: i + 2, latencyNs: 2, queuingDelayNs: 0, ttftNs: 1, tpotNs: 1, itlNs: [1] });
    }
    expect(existsSync(path)).toBe(false);
    w.commit();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\r\n');
    expect(lines.length).toBe(3001);
    expect(lines[3000]).toBe('0,2999,m,1,2,2999,3001,2,0,1,1,[1]');

    const path2 = join(dir, 'out', 'aborted.csv');
    const w2 = new RequestsCsvWriter(path2);
    w2.abort();
    expect(existsSync(path2)).toBe(false);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['sim.csv']);

    writeFileSync(join(dir, 'keep.json'), 'old');
    writeFileAtomic(join(dir, 'keep.json'), '{"new":true}');
    expect(readFileSync(join(dir, 'keep.json'), 'utf8')).toBe('{"new":true}');
  });
});

describe('multi-instance grouping', () => {
  const row = (instanceId: number, requestId: number, model = 'm'): RequestRow => ({
    instanceId, requestId, model, inputToks: 1, outputToks: 2, arrivalNs: 0, endNs: requestId, latencyNs: requestId,
    queuingDelayNs: 0, ttftNs: 0, tpotNs: requestId, itlNs: [requestId],
  });

  it('rows grouped by instance id, each group in completion order, as LLMServingSim writes them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-multi-'));
    const path = join(dir, 'm.csv');
    const w = new RequestsCsvWriter(path);
    const order: [number, number][] = [[1, 3], [0, 0], [2, 7], [1, 5], [0, 2], [1, 9], [2, 1]];
    for (const [inst, id] of order) w.write(row(inst, id, inst === 2 ? 'modèle-ü' : 'm'));
    w.commit();
    const got: [number, number][] = [];
    parseRequestsCsv(readFileSync(path, 'utf8'), path, (r) => got.push([r.instanceId, r.requestId]));
    expect(got).toEqual([[0, 0], [0, 2], [1, 3], [1, 5], [1, 9], [2, 7], [2, 1]]);
    expect(readFileSync(path, 'utf8')).toContain('modèle-ü');
    expect(readdirSync(dir)).toEqual(['m.csv']);
  });

  it('abort removes the segment files too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-multi-'));
    const w = new RequestsCsvWriter(join(dir, 'x.csv'));
    w.write(row(0, 0));
    w.write(row(3, 1));
    w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });
});
