// Reads an LLMServingSim v0.2.1 perf model / casys-kaist llm-profile CSV:
//   hardware,model,layer_name,input,kv_cache,latency(ns)
// What the data holds (RTX3090.csv): per layer, rows (input = 1..2048, kv_cache = 0) and (input = 1,
// kv_cache = 1..2047). Its ORCA trace example (trace_test/.../Llama-3.1-8B-Instruct_batch0.txt) shows how an
// iteration is composed: embedding; per block input_layernorm, q/k/v_proj, then one `rope` + `attn` pair per
// request (an ATTENTION i section each), o_proj, post_layernorm, gate/up_proj, act_fn, down_proj; finally
// final_layernorm and lm_head. In that trace the per-token layers (incl. lm_head: its output is 95 x vocab x 2
// bytes) carry the values of input = 95, the batch's token count, and each request's rope/attn carries the value
// of (input = its context length, kv_cache = 0): e.g. rope_8 = rope(316, 0) = 155660 ns for a 316-token request.
// Our lookup (documented choice; the format has no chunked-prefill rows):
//   * per-token layers: 1-D over `input` on the kv_cache = 0 rows, keyed on total_len;
//   * rope/attn of a prefill chunk: 1-D over `input` (kv_cache = 0 rows) at its context length after the step
//     (computed_before + new tokens), as in the trace;
//   * rope/attn of a decode: 1-D over kv_cache on the input = 1 rows (kv_cache = 0 included) at its
//     computed_before; keys are stored as kv_cache + 1 because the 1-D rule clamps queries at 1 (README §2.3).
// All 1-D lookups use the LLMServingSim 2.0 rule (linear, clamp below, extrapolate from the last two points).
// TP: the CSV holds one GPU's times as profiled; tp > 1 adds the all-reduces but does not rescale the layers.
// There is no sampler layer in this format.
import { InputError } from '../errors.js';
import type { ModelArch } from '../scenario/types.js';
import { readCsvFile } from './csv.js';

export interface V021Table {
  keys: Float64Array;
  timeNs: Float64Array;
}

export interface V021Model {
  file: string;
  model: string;
  hardware: string;
  prologue: V021Table[];
  block: V021Table[];
  head: V021Table[];
  ropePrefill: V021Table;
  ropeDecode: V021Table;
  attnPrefill: V021Table;
  attnDecode: V021Table;
  blockLayers: string[];
}

const PROLOGUE = ['embedding'];
const HEAD = ['final_layernorm', 'lm_head'];
const PER_REQUEST = ['rope', 'attn'];

export function loadV021Csv(file: string, model: ModelArch): V021Model {
  const t = readCsvFile(file, [
    { name: 'hardware', kind: 'string' },
    { name: 'model', kind: 'string' },
    { name: 'layer_name', kind: 'string' },
    { name: 'input', kind: 'number', nonNegative: true, integer: true },
    { name: 'kv_cache', kind: 'number', nonNegative: true, integer: true },
    { name: 'latency(ns)', kind: 'number', nonNegative: true },
  ]);
  const models = [...new Set(t.strings.model)];
  const chosen = pickModel(models, model);
  if (chosen === undefined) {
    throw new InputError(
      `no rows for model '${model.hfId}' (${model.name}); the file holds ${models.map((m) => `'${m}'`).join(', ')}`,
      { file, field: 'model' },
    );
  }
  // layer -> (prefill rows: input -> ns at kv 0, decode rows: kv -> ns at input 1)
  const prefill = new Map<string, [number[], number[]]>();
  const decode = new Map<string, [number[], number[]]>();
  let hardware = '';
  for (let r = 0; r < t.rowCount; r++) {
    if (t.strings.model[r] !== chosen) continue;
    hardware = t.strings.hardware[r];
    const layer = t.strings.layer_name[r];
    const input = t.numbers.input[r];
    const kv = t.numbers.kv_cache[r];
    const ns = t.numbers['latency(ns)'][r];
    // (input 1, kv_cache 0) appears twice per layer: first in the prefill sweep, then as the first point of
    // the decode sweep. The prefill table keeps the first, the decode table the second (its own sweep).
    if (kv === 0 && !(input === 1 && prefill.get(layer)?.[0].includes(1))) push(prefill, layer, input, ns);
    if (input === 1) push(decode, layer, kv + 1, ns, kv === 0);
    if (kv > 0 && input !== 1) {
      throw new InputError(`rows with kv_cache > 0 must have input 1 (a decode), got input ${input}`, {
        file,
        line: t.lines[r],
        field: 'input',
      });
    }
  }
  const table = (m: Map<string, [number[], number[]]>, layer: string): V021Table => {
    const rows = m.get(layer);
    if (!rows || rows[0].length === 0) throw new InputError(`no rows for layer '${layer}'`, { file, field: 'layer_name' });
    return { keys: Float64Array.from(rows[0]), timeNs: Float64Array.from(rows[1]) };
  };
  const layers = [...prefill.keys()];
  const blockLayers = layers.filter((l) => !PROLOGUE.includes(l) && !HEAD.includes(l) && !PER_REQUEST.includes(l));
  return {
    file,
    model: chosen,
    hardware,
    prologue: PROLOGUE.map((l) => table(prefill, l)),
    block: blockLayers.map((l) => table(prefill, l)),
    head: HEAD.map((l) => table(prefill, l)),
    ropePrefill: table(prefill, 'rope'),
    ropeDecode: table(decode, 'rope'),
    attnPrefill: table(prefill, 'attn'),
    attnDecode: table(decode, 'attn'),
    blockLayers,
  };
}

function push(m: Map<string, [number[], number[]]>, layer: string, key: number, ns: number, replace = false): void {
  let rows = m.get(layer);
  if (!rows) m.set(layer, (rows = [[], []]));
  const at = replace ? rows[0].indexOf(key) : -1;
  if (at >= 0) {
    rows[1][at] = ns;
    return;
  }
  rows[0].push(key);
  rows[1].push(ns);
}

// One model in the file: use it. Several: the one whose name is the HF id, or ends with the model's name.
function pickModel(models: string[], model: ModelArch): string | undefined {
  if (models.length === 1) return models[0];
  const lower = (s: string) => s.toLowerCase();
  return (
    models.find((m) => m === model.hfId) ??
    models.find((m) => lower(m) === lower(model.hfId)) ??
    models.find((m) => lower(m).endsWith('/' + lower(model.name)))
  );
}
