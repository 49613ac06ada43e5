import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { convertShareGpt } from '../src/workload/convert.js';
import { flatRows } from '../src/workload/loadedWorkload.js';
import { readWorkloadFile } from '../src/workload/load.js';
import { readShareGpt } from '../src/workload/sharegpt.js';
import { loadTokenizer, type Tokenizer } from '../src/workload/tokenizer.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = join(ROOT, 'test', 'fixtures', 'sharegpt-tiny.json');
const REF_TRACE = join(ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl');

let llama3: Tokenizer;
beforeAll(async () => {
  llama3 = await loadTokenizer('llama3');
});

describe('Llama 3 tokenizer (llama3-tokenizer-js, vocabulary inside the package)', () => {
  it("reproduces the package's documented examples without BOS/EOS", () => {
    expect(llama3.encode('Hello world!')).toEqual([9906, 1917, 0]); // its README
    expect(llama3.encode('This is a test sentence.')).toEqual([2028, 374, 264, 1296, 11914, 13]); // its test suite
    expect(llama3.encode('grabbed')).toEqual([59312, 2788]);
    expect(llama3.encode('Hello world')).toHaveLength(2);
  });

  it.skipIf(!existsSync(REF_TRACE))('re-encodes the reference ShareGPT prompts to the exact ids LLMServingSim stored (first 40 lines)', () => {
    // The reference ids come from Hugging Face's Llama-3.1 tokenizer; decode them, encode again, compare.
    const lines = readFileSync(REF_TRACE, 'utf8').split('\n').slice(0, 40);
    for (const line of lines) {
      const { input_tok_ids: ids } = JSON.parse(line) as { input_tok_ids: number[] };
      expect(llama3.encode(llama3.decode(ids))).toEqual(ids);
    }
  });

  it('names an unknown tokenizer with a suggestion', async () => {
    await expect(loadTokenizer('llama-3')).rejects.toThrow(/did you mean 'llama3'/);
  });
});

describe('ShareGPT JSON reader', () => {
  it('yields turn 0 / turn 1 of each conversation with two or more turns, with its start line', () => {
    const pairs = [...readShareGpt(FIXTURE)];
    expect(pairs.map((p) => [p.id, p.line, p.prompt, p.completion])).toEqual([
      ['a', 2, 'Hello world!', 'This is a test sentence.'],
      ['c', 13, 'grabbed', '🦙'],
      ['d', 21, ' grabbed', 'Hello world'],
    ]);
  });

  it('splits elements across read chunks and escaped quotes/brackets inside strings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-sg-'));
    const big = 'x'.repeat(1_500_000); // longer than one 1 MiB read
    const tricky = 'he said "}]" \\ and left {';
    const file = join(dir, 'big.json');
    writeFileSync(file, `\uFEFF[\n${JSON.stringify({ id: 1, conversations: [{ from: 'human', value: big }, { from: 'gpt', value: tricky }] })},\n${JSON.stringify({ id: 2, conversations: [{ from: 'human', value: 'é' }, { from: 'gpt', value: '镇' }] })}\n]\n`);
    const pairs = [...readShareGpt(file)];
    expect(pairs.map((p) => [p.id, p.line, p.prompt.length, p.completion])).toEqual([
      ['1', 2, big.length, tricky],
      ['2', 3, 1, '镇'],
    ]);
  });

  it.each([
    ['{"a": 1}', 1, undefined, 'JSON array'],
    ['[\n{"id": "x", "conversations": [{"from": "human"}]}\n]', 2, '[0].conversations[0].value', 'expected {id, conversations'],
    ['[\n{"id": "x", "conversations": []},\n{"id": "y", "conversations": [{"from": "human", "value": 1e}]}\n]', 3, undefined, 'bad JSON in conversation 1'],
    ['[\n{"id": "x", "conversations": []},\n7\n]', 3, '[1]', 'conversation object'],
    ['[\n{"id": "x", "conversations": []}\n', 3, undefined, 'end of file'],
  ])('rejects %j at line %i, field %s', (text, line, field, words) => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-sg-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    let err: unknown;
    try {
      [...readShareGpt(file)];
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect([e.file, e.line, e.field]).toEqual([file, line, field]);
    expect(e.message).toContain(words);
  });
});

describe('sim dataset convert (library side)', () => {
  it('writes JSONL with token counts and ids from the Llama 3 tokenizer and seeded Poisson arrivals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-cv-'));
    const out = join(dir, 'tiny.jsonl');
    const stats = await convertShareGpt(FIXTURE, out, { rateRps: 2, seed: 4 });
    // Token counts: "Hello world!" 3, "This is a test sentence." 6, "grabbed" 2, "🦙" 3 (bytes of one emoji), " grabbed" 1, "Hello world" 2.
    expect(stats).toEqual({ conversations: 3, written: 3, skippedEmpty: 0, skippedTooLong: 0, sumInputToks: 6, sumOutputToks: 11 });
    const rows = flatRows(await readWorkloadFile(out));
    expect(rows.map((r) => [r.inputToks, r.outputToks])).toEqual([
      [3, 6],
      [2, 3],
      [1, 2],
    ]);
    expect(rows[0].inputTokIds).toEqual([9906, 1917, 0]);
    expect(rows[1].outputTokIds).toEqual([9468, 99, 247]);
    for (let i = 1; i < rows.length; i++) expect(rows[i].arrivalNs).toBeGreaterThan(rows[i - 1].arrivalNs);
    // Same seed → byte-identical file; TSV carries the same counts and arrivals without ids.
    const again = join(dir, 'again.jsonl');
    await convertShareGpt(FIXTURE, again, { rateRps: 2, seed: 4 });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
    const tsv = join(dir, 'tiny.tsv');
    await convertShareGpt(FIXTURE, tsv, { rateRps: 2, seed: 4, maxInputToks: 2 });
    // Only written rows draw arrivals, so the i-th kept row gets the i-th arrival of the same stream.
    expect(flatRows(await readWorkloadFile(tsv))).toEqual(
      rows.filter((r) => r.inputToks <= 2).map((r, i) => ({ inputToks: r.inputToks, outputToks: r.outputToks, arrivalNs: rows[i].arrivalNs })),
    );
  });

  it('leaves no file (and no temp file) behind when the input is bad or nothing converts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'servesim-cv-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"id": 1, "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}, {"id": 2}]');
    await expect(convertShareGpt(bad, join(dir, 'out.tsv'))).rejects.toThrow(InputError);
    await expect(convertShareGpt(FIXTURE, join(dir, 'none.tsv'), { maxOutputToks: 1 })).rejects.toThrow(/no request converted/);
    await expect(convertShareGpt(FIXTURE, join(dir, 'out.csv'))).rejects.toThrow(/\.tsv or \.jsonl/);
    expect(readdirSync(dir)).toEqual(['bad.json']);
  });
});
