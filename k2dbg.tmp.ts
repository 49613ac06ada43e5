import { CostModel, COUNTER } from './src/cost/costModel.ts';
import { resolveHardware } from './src/scenario/hardware.ts';
import { resolveModel } from './src/scenario/model.ts';
const model = await resolveModel('llama-3.1-8b');
const hardware = resolveHardware('RTX3090');
const base = { model, hardware, tp: 1, weightDtype: 'bf16', kvDtype: 'bf16', maxBatch: 512 } as const;
const prof = await CostModel.load({ ...base, perfCsv: '/work/shared/reference/llmservingsim/llm-profile/RTX3090/meta-llama/Llama-3.1-8B.csv' });
const roof = await CostModel.load({ ...base });
const shapes: [string, [number, number][]][] = [];
for (const n of [1, 8, 32, 128, 256]) for (const kv of [128, 1024, 4096]) shapes.push([`dec n${n} kv${kv}`, Array.from({ length: n }, () => [1, kv])]);
for (const c of [16, 64, 256, 512, 1024, 2048]) shapes.push([`pre ${c}`, [[c, 0]]]);
for (const [chunk, n] of [[512, 32], [1024, 64], [256, 128]]) shapes.push([`mix ${chunk}+${n}`, [[chunk, 512], ...Array.from({ length: n }, () => [1, 2048] as [number, number])]]);
for (const [name, s] of shapes) {
  const r: number[] = [];
  const bd: any[] = [];
  for (const cm of [prof, roof]) { s.forEach(([a, b], i) => { cm.newTokens[i] = a; cm.computedBefore[i] = b; }); cm.iterate(s.length); r.push(cm.counters[COUNTER.computeNs]); bd.push(cm.breakdown()); }
  console.log(name.padEnd(16), (r[0]/1e6).toFixed(3), (r[1]/1e6).toFixed(3), (r[0]/r[1]).toFixed(2), 'blk', bd[0].block_ns, bd[1].block_ns, 'attn', bd[0].attention_ns, bd[1].attention_ns, 'head', bd[0].lm_head_ns, bd[1].lm_head_ns);
}
