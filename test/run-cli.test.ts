// `sim run` end to end through the real CLI process: defaults, outputs, synthetic load, v0.2.1 flags, the README §8
// drop-in command, and bad input (exit code 2, a clear message, no output file).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sim } from './cli-harness.js';
import { PACKAGE_ROOT } from '../src/cost/native.js';
import { parseRequestsCsv, type RequestRow } from '../src/report/requestsCsv.js';

const REF2 = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2');
const REF1 = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim', 'v0.2.1');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a real child process (slow: used once, to check the real exit code). */
function simProcess(args: string[]): Promise<Ran> {
  const script = `import('./src/cli/index.ts').then((m) => m.main(${JSON.stringify(args)}))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: PACKAGE_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function rowsOf(file: string): RequestRow[] {
  const rows: RequestRow[] = [];
  parseRequestsCsv(readFileSync(file, 'utf8'), file, (r) => rows.push({ ...r, itlNs: Array.from(r.itlNs) }));
  return rows;
}

let dir: string;
let tsv: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'servesim-cli-'));
  // 30 short requests, one every 50 ms: runs in milliseconds, spans more than one 1-s heartbeat.
  const lines = ['input_toks\toutput_toks\tarrival_time_ns'];
  for (let i = 0; i < 30; i++) lines.push(`${40 + ((i * 37) % 200)}\t${5 + ((i * 11) % 30)}\t${i * 50_000_000}`);
  tsv = join(dir, 'small.tsv');
  writeFileSync(tsv, lines.join('\n') + '\n');
});

describe('sim run', () => {
  it('runs with only --model/--hardware/--dataset at vLLM defaults; writes the CSV and summary; heartbeats on stderr', async () => {
    const out = join(dir, 'a.csv');
    const sum = join(dir, 'a.json');
    const r = await sim(['run', '--model', 'llama-3.1-8b', '--hardware', 'RTX3090', '--dataset', tsv, '--output', out, '--summary', sum]);
    expect(r.stderr).not.toMatch(/^sim:/m);
    expect(r.code).toBe(0);
    // 24 GiB × 0.9 = 23,192,823,398 B; − 16,060,522,496 B of bf16 weights = 7,132,300,902 B; / (131,072 B × 16) → 3400 blocks.
    expect(r.stdout).toMatch(/Instance \[0\] : 54400 tokens \/ 3400 blocks \(6\.64 GiB\/rank at util 0\.90\)/);
    expect(r.stdout).toMatch(/max_num_seqs 256, max_num_batched_tokens 2048, block 16/);
    expect(r.stdout).toMatch(/^Total requests:\s+30$/m);
    expect(r.stderr).toMatch(/^\[1\.0s\] Avg prompt throughput: [\d.]+ tokens\/s, Avg generation throughput: [\d.]+ tokens\/s/m);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((x) => x.requestId)).size).toBe(30);
    expect(rows[0].model).toBe('meta-llama/Llama-3.1-8B-Instruct');
    const summary = JSON.parse(readFileSync(sum, 'utf8'));
    expect(summary.requests).toBe(30);
    expect(summary.outputTokens).toBe(rows.reduce((s, x) => s + x.outputToks, 0));
    expect(summary.e2eMs.mean).toBeCloseTo(rows.reduce((s, x) => s + x.latencyNs, 0) / 30 / 1e6, 6);
  });

  it('--log-level INFO adds a state line under each heartbeat; --log-interval sets the spacing', async () => {
    const r = await sim(['run', '--model', 'llama-3.1-8b', '--hardware', 'RTX3090', '--dataset', tsv, '--log-level', 'INFO', '--log-interval', '0.5']);
    expect(r.code, r.stderr).toBe(0);
    const beats = [...r.stderr.matchAll(/^\[([\d.]+)s\] Avg prompt throughput/gm)].map((m) => Number(m[1]));
    expect(beats.slice(0, 3)).toEqual([0.5, 1, 1.5]);
    const details = r.stderr.match(/^ +└─Running: \d+ reqs, Waiting: \d+ reqs, KV blocks \d+ \/ 3400 \([\d.]+ % Used\)/gm) ?? [];
    expect(details.length).toBe(beats.length);
  });

  it('open loop: --arrival poisson --rate --num-reqs is seeded and reproducible; --quiet silences heartbeats', async () => {
    const args = (seed: number, out: string) => ['run', '--model', 'llama-3.1-8b', '--hardware', 'H100', '--dataset', tsv, '--arrival', 'poisson', '--rate', '20', '--num-reqs', '40', '--seed', String(seed), '--output', out, '--quiet'];
    const a = await sim(args(7, join(dir, 'p1.csv')));
    const b = await sim(args(7, join(dir, 'p2.csv')));
    const c = await sim(args(8, join(dir, 'p3.csv')));
    for (const r of [a, b, c]) expect(r.code).toBe(0);
    expect(a.stderr).not.toMatch(/Avg prompt throughput/);
    const p1 = readFileSync(join(dir, 'p1.csv'));
    expect(p1.equals(readFileSync(join(dir, 'p2.csv')))).toBe(true);
    expect(p1.equals(readFileSync(join(dir, 'p3.csv')))).toBe(false);
    const rows = rowsOf(join(dir, 'p1.csv'));
    expect(rows.map((x) => x.requestId).sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
    // Lengths are resampled from the dataset: every (input, output) pair is one of its lines.
    const pairs = new Set(readFileSync(tsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 2).join(',')));
    for (const x of rows) expect(pairs.has(`${x.inputToks},${x.outputToks}`)).toBe(true);
  });

  it('closed loop: --users 3 never has more than 3 requests in flight', async () => {
    const out = join(dir, 'c.csv');
    const r = await sim(['run', '--model', 'llama-3.1-8b', '--hardware', 'H100', '--dataset', tsv, '--users', '3', '--think-time', '0.2', '--num-reqs', '12', '--output', out, '--quiet']);
    expect(r.code).toBe(0);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(12);
    const events = rows.flatMap((x) => [[x.arrivalNs, 1], [x.endNs, -1]] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    let inFlight = 0;
    let peak = 0;
    for (const [, d] of events) peak = Math.max(peak, (inFlight += d));
    expect(peak).toBe(3);
  });

  it('bad input: exit code 2, a message naming the problem, and no output file', async () => {
    const out = join(dir, 'bad.csv');
    const badTsv = join(dir, 'bad.tsv');
    writeFileSync(badTsv, 'input_toks\toutput_toks\tarrival_time_ns\n10\t5\t0\n10\t-5\t100\n');
    const base = ['run', '--dataset', tsv, '--output', out];
    const cases: [string[], RegExp][] = [
      [['--model', 'llama-3.1-8b', '--hardware', 'RTX3090', '--max-num-seqz', '8'], /Unknown arguments?: max-num-seqz/],
      [['--model', 'llama-3.1-8b', '--hardware', 'RTX309'], /unknown hardware 'RTX309'; did you mean 'RTX3090'/],
      [['--model', 'llama-3.1-8x', '--hardware', 'RTX3090'], /unknown model 'llama-3.1-8x'; did you mean .*'llama-3.1-8b'/],
      [['--model', 'llama-3.1-70b', '--hardware', 'RTX3090'], /no room for the KV cache .* the weights need 141107412992 B \(131\.42 GiB\)/],
      [['--model', 'llama-3.1-8b', '--hardware', 'RTX3090', '--arrival', 'poisson', '--num-reqs', '5'], /--arrival needs --rate/],
      [['--model', 'llama-3.1-8b', '--hardware', 'RTX3090', '--network-backend', 'ns3'], /--network-backend ns3 is not supported/],
    ];
    const runs: Ran[] = [];
    for (const [extra] of cases) runs.push(await sim([...base, ...extra]));
    // The last one as a real process: the exit code the shell sees.
    runs.push(await simProcess(['run', '--model', 'llama-3.1-8b', '--hardware', 'RTX3090', '--dataset', badTsv, '--output', out]));
    cases.forEach(([, msg], i) => {
      expect(runs[i].code, runs[i].stderr).toBe(2);
      expect(runs[i].stderr).toMatch(msg);
    });
    const last = runs[runs.length - 1];
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/bad\.tsv, line 3, field 'output_toks'/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.bad.csv'))).toEqual([]);
  });
});

describe.skipIf(!existsSync(REF2))('drop-in for LLMServingSim 2.0 (reference ../shared absent → skipped)', () => {
  const runs = [
    { hw: 'RTX4090', maxNumSeqs: '256', banner: /Instance \[0\] : 41408 tokens \/ 2588 blocks \(5\.05 GiB\/rank at util 0\.83\)/, preemptions: /^Preemptions:\s+194$/m },
    { hw: 'RTXPRO6000', maxNumSeqs: '128', banner: /Instance \[0\] : 585248 tokens \/ 36578 blocks \(71\.44 GiB\/rank at util 0\.90\)/, preemptions: undefined },
  ];
  for (const run of runs) {
    it(`the README §8 ${run.hw} command reproduces the published sim.csv byte for byte`, async () => {
      const ex = join(REF2, 'bench', 'examples', run.hw, 'Llama-3.1-8B');
      const out = join(dir, `${run.hw}.csv`);
      const r = await sim([
        'run', '--cluster-config', join(ex, 'config.json'), '--dataset', join(REF2, 'workloads', 'sharegpt-llama-3.1-8b-300-sps10.jsonl'),
        '--output', out, '--num-reqs', '300', '--dtype', 'bfloat16', '--kv-cache-dtype', 'auto', '--block-size', '16',
        '--max-num-seqs', run.maxNumSeqs, '--max-num-batched-tokens', '2048', '--log-level', 'WARNING', '--network-backend', 'analytical',
        '--perf-models', join(REF2, 'profiler', 'perf'), '--compat', 'llmservingsim2', '--quiet',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(run.banner);
      if (run.preemptions) expect(r.stdout).toMatch(run.preemptions);
      else expect(r.stdout).not.toMatch(/Preemptions/);
      expect(readFileSync(out).equals(readFileSync(join(ex, 'outputs', 'sim.csv')))).toBe(true);
    });
  }

  it('the 10-request example on one RTXPRO6000 (outputs/example_single_run.csv) byte for byte', async () => {
    const out = join(dir, 'single.csv');
    const r = await sim([
      'run', '--cluster-config', join(REF2, 'configs', 'cluster', 'single_node_single_instance.json'), '--dataset', join(REF2, 'workloads', 'example_trace.jsonl'),
      '--dtype', 'bfloat16', '--block-size', '16', '--num-reqs', '10', '--perf-models', join(REF2, 'profiler', 'perf'), '--compat', 'llmservingsim2',
      '--output', out, '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(join(REF2, 'outputs', 'example_single_run.csv')))).toBe(true);
  });
});

describe.skipIf(!existsSync(REF1))('LLMServingSim v0.2.1 flags (reference ../shared absent → skipped)', () => {
  it('--model_name --npu_num --npu_mem --fp --block_size --req_num with a v0.2.1 perf-model CSV', async () => {
    const perf = join(dir, 'perf021');
    mkdirSync(perf, { recursive: true });
    symlinkSync(join(REF1, 'perf_model', 'RTX3090.csv'), join(perf, 'RTX3090.csv'));
    const out = join(dir, 'v021.csv');
    const r = await sim([
      'run', '--model_name', 'meta-llama/Llama-3.1-8B-Instruct', '--hardware', 'RTX3090', '--npu_num', '1', '--npu_group', '1',
      '--npu_mem', '24', '--fp', '16', '--block_size', '16', '--req_num', '10', '--dataset', join(REF1, 'dataset', 'share-gpt-req100-rate10.tsv'),
      '--perf-models', perf, '--output', out, '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/weights fp16, KV fp16, cost v0\.2\.1-csv/);
    expect(rowsOf(out)).toHaveLength(10);
  });
});
