// `sim catalog models [name]` and `sim catalog hardware [name]`: list the bundled catalogs, or show one entry
// (a model's architecture with its derived sizes; a GPU's spec with sources). Parses, calls the library, prints.
import type { CommandModule } from 'yargs';
import { findHardware, listHardware, resolveHardware } from '../scenario/hardware.js';
import { listModels, resolveModel } from '../scenario/model.js';
import { kvBytesPerToken, paramCount, weightBytes } from '../scenario/modelMath.js';

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const numeric = header.map((_, c) => rows.every((r) => typeof r[c] === 'number' || r[c] === '-'));
  return cells.map((r) => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

const billions = (n: number) => Number((n / 1e9).toFixed(2));

const models: CommandModule<object, { name?: string }> = {
  command: 'models [name]',
  describe: 'List bundled models, or show one (short name, HF id or config.json path) with its parameter count and sizes',
  builder: (y) => y.positional('name', { type: 'string', describe: 'model to show' }),
  handler: async (args) => {
    if (args.name) {
      const m = await resolveModel(args.name);
      const p = paramCount(m);
      const derived = { params: p, weightBytes: weightBytes(m, m.torchDtype), kvBytesPerToken: kvBytesPerToken(m, m.torchDtype === 'int4' ? 'bf16' : m.torchDtype) };
      process.stdout.write(JSON.stringify({ ...m, derived }, null, 2) + '\n');
      return;
    }
    const rows = listModels().map((m) => {
      const p = paramCount(m);
      return [m.name, m.hfId, m.modelType, m.numLayers, m.hiddenSize, `${m.numHeads}/${m.numKvHeads}`, billions(p.total), billions(p.active), kvBytesPerToken(m, 'bf16'), m.maxPositionEmbeddings];
    });
    process.stdout.write(table(['name', 'hf id', 'type', 'layers', 'hidden', 'heads/kv', 'params B', 'active B', 'KV B/token bf16', 'max ctx'], rows));
  },
};

const hardware: CommandModule<object, { name?: string }> = {
  command: 'hardware [name]',
  describe: 'List bundled GPUs, or show one (name or alias such as H100, A100) with the source of every figure',
  builder: (y) => y.positional('name', { type: 'string', describe: 'GPU to show' }),
  handler: (args) => {
    if (args.name) {
      process.stdout.write(JSON.stringify(findHardware(args.name) ?? resolveHardware(args.name), null, 2) + '\n');
      return;
    }
    const rows = listHardware().map((h) => [
      h.name, h.class, h.peakTflops.bf16, h.peakTflops.fp8 ?? '-', h.memCapacityGiB, h.memBandwidthGBps, h.memType, h.tdpW, h.releaseYear ?? '-',
    ]);
    process.stdout.write(table(['name', 'class', 'bf16 TFLOPS', 'fp8 TFLOPS', 'mem GiB', 'GB/s', 'mem', 'TDP W', 'year'], rows));
  },
};

export const catalogCommand: CommandModule = {
  command: 'catalog',
  describe: 'Bundled model and hardware catalogs',
  builder: (y) => y.command(models).command(hardware).demandCommand(1, 'Give `models` or `hardware`.'),
  handler: () => {},
};
