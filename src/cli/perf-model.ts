// `sim perf-model build` writes a roofline profile bundle in LLMServingSim 2.0's layout;
// `sim perf-model show` lists the bundles ServeSim can find. Parses, calls the library, prints.
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { PACKAGE_ROOT } from '../cost/native.js';
import { calibrateRoofline } from '../cost/calibrate.js';
import { buildRooflineBundle, listPerfBundles } from '../cost/perfModelBuild.js';
import { resolveHardware } from '../scenario/hardware.js';
import { resolveModel } from '../scenario/model.js';
import type { Dtype } from '../scenario/types.js';

const DTYPES = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4'] as const;
const DEFAULT_ROOT = join(PACKAGE_ROOT, 'perf_models');

interface BuildArgs {
  hardware: string;
  model: string;
  tp: number;
  dtype: Dtype;
  'kv-dtype'?: Dtype;
  out: string;
  'calibrate-from'?: string;
}

const build: CommandModule<object, BuildArgs> = {
  command: 'build',
  describe: 'Write a roofline perf model (meta.yaml, tpN/dense.csv, per_sequence.csv, attention.csv) for a GPU and model',
  builder: (y) =>
    y
      .option('hardware', { type: 'string', demandOption: true, describe: 'GPU name or alias (sim catalog hardware)' })
      .option('model', { type: 'string', demandOption: true, describe: 'model short name, HF id or config.json path' })
      .option('tp', { type: 'number', default: 1, describe: 'tensor-parallel degree' })
      .option('dtype', { choices: DTYPES, default: 'bf16' as Dtype, describe: 'weight dtype (variant folder name)' })
      .option('kv-dtype', { choices: DTYPES, describe: 'KV-cache dtype (default: the weight dtype; int4 weights keep a bf16 KV)' })
      .option('out', { type: 'string', default: DEFAULT_ROOT, describe: 'root folder: <out>/<hardware>/<org>/<model>/<variant>' })
      .option('calibrate-from', {
        type: 'string',
        describe: 'a measured LLMServingSim 2.0 bundle (variant folder) of this GPU and model: fit the roofline constants to it first',
      }),
  handler: async (args) => {
    const model = await resolveModel(args.model);
    const hardware = resolveHardware(args.hardware);
    const kvDtype = args['kv-dtype'] ?? (args.dtype === 'int4' ? 'bf16' : args.dtype);
    const common = { model, hardware, tp: args.tp, weightDtype: args.dtype, kvDtype };
    let fitted: Awaited<ReturnType<typeof calibrateRoofline>> | undefined;
    if (args['calibrate-from']) {
      fitted = await calibrateRoofline({ ...common, perfBundle: args['calibrate-from'] });
      const t = fitted.tuning;
      process.stdout.write(
        `calibrated on ${fitted.shapes} batch shapes: compute efficiency ${t.computeEfficiency}, memory efficiency ${t.memoryEfficiency}, ` +
          `launch overhead ${t.launchOverheadNs} ns; rms log error ${fitted.rmsLogError.toFixed(3)} (uncalibrated ${fitted.rmsLogErrorDefault.toFixed(3)})\n`,
      );
    }
    const r = await buildRooflineBundle({
      ...common,
      outRoot: args.out,
      roofline: fitted?.tuning,
      calibration: fitted && { from: args['calibrate-from']!, rmsLogError: fitted.rmsLogError, rmsLogErrorDefault: fitted.rmsLogErrorDefault },
    });
    process.stdout.write(
      `wrote ${r.variantDir}/tp${args.tp}: ${r.rows.dense} dense, ${r.rows.perSequence} per-sequence, ${r.rows.attention} attention rows\n`,
    );
  },
};

const show: CommandModule<object, { 'perf-models'?: string }> = {
  command: 'show',
  describe: 'List the perf-model bundles under perf_models/ and under --perf-models',
  builder: (y) => y.option('perf-models', { type: 'string', describe: 'another root folder to list' }),
  handler: (args) => {
    const roots = [DEFAULT_ROOT, ...(args['perf-models'] ? [args['perf-models']] : [])];
    const rows = roots.flatMap((root) => listPerfBundles(root));
    if (rows.length === 0) {
      process.stdout.write(`no bundles under ${roots.join(', ')}\n`);
      return;
    }
    const cells = [['hardware', 'model', 'variant', 'tp', 'generator', 'path'], ...rows.map((r) => [r.hardware, r.model, r.variant, r.tpDegrees.join(','), r.generator, r.variantDir])];
    const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
    process.stdout.write(cells.map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n');
  },
};

export const perfModelCommand: CommandModule = {
  command: 'perf-model <command>',
  describe: 'Build or list perf models (profile bundles)',
  builder: (y) => y.command(build).command(show).demandCommand(1),
  handler: () => {},
};
