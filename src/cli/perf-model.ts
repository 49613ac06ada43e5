// `sim perf-model build` writes a roofline profile bundle in LLMServingSim 2.0's layout;
// `sim perf-model show` lists the bundles ServeSim can find. Parses, calls the library, prints.
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { PACKAGE_ROOT } from '../packageRoot.js';
import { calibrateWithProvenance } from '../cost/calibrate.js';
import { buildRooflineBundle, listPerfBundles, readRooflineTuning } from '../cost/perfModelBuild.js';
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
  'calibrate-hardware'?: string;
  'roofline-from'?: string;
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
        describe: 'a measured profile of this model (LLMServingSim 2.0 variant folder, or v0.2.1 / llm-profile CSV): fit the roofline constants to it first',
      })
      .option('calibrate-hardware', {
        type: 'string',
        describe: 'the GPU the --calibrate-from measurements are of, when it is not --hardware (its fitted efficiencies are then applied to --hardware)',
      })
      .option('roofline-from', {
        type: 'string',
        describe: "a ServeSim bundle's meta.yaml: reuse its roofline constants and calibration provenance (rebuilds a shipped bundle exactly)",
      })
      .conflicts('calibrate-from', 'roofline-from'),
  handler: async (args) => {
    const model = await resolveModel(args.model);
    const hardware = resolveHardware(args.hardware);
    const kvDtype = args['kv-dtype'] ?? (args.dtype === 'int4' ? 'bf16' : args.dtype);
    const common = { model, hardware, tp: args.tp, weightDtype: args.dtype, kvDtype };
    let tuning: Parameters<typeof buildRooflineBundle>[0]['roofline'];
    let calibration: Parameters<typeof buildRooflineBundle>[0]['calibration'];
    if (args['calibrate-from']) {
      const measuredHardware = args['calibrate-hardware'] ? resolveHardware(args['calibrate-hardware']) : hardware;
      const { fit, provenance } = await calibrateWithProvenance({ ...common, profile: args['calibrate-from'], measuredHardware });
      const t = fit.tuning;
      process.stdout.write(
        `calibrated on ${fit.shapes} batch shapes of ${measuredHardware.name} (${fit.objective}): compute efficiency ${t.computeEfficiency}, ` +
          `memory efficiency ${t.memoryEfficiency}, launch overhead ${t.launchOverheadNs} ns; rms log error ${fit.rmsLogError.toFixed(3)} ` +
          `(uncalibrated ${fit.rmsLogErrorDefault.toFixed(3)})\n`,
      );
      tuning = t;
      calibration = provenance;
    } else if (args['roofline-from']) {
      ({ roofline: tuning, calibration } = readRooflineTuning(args['roofline-from']));
    }
    const r = await buildRooflineBundle({ ...common, outRoot: args.out, roofline: tuning, calibration });
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
