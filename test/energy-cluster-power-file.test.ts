// clusterPowerBlock: the `power` block read from a cluster config file (moved from the CLI into the energy room).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterPowerBlock } from '../src/energy/llmServingSimPower.js';
import { InputError } from '../src/errors.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { DEFAULT_KNOBS } from '../src/serving/types.js';
import { SERVING_DEFAULTS } from '../src/scenario/serving.js';

const REF = join(PACKAGE_ROOT, '..', 'shared', 'reference', 'llmservingsim2', 'configs', 'cluster');

describe('clusterPowerBlock', () => {
  it.skipIf(!existsSync(REF))("reads the reference power config's block; a config without one gives undefined", () => {
    const p = clusterPowerBlock(join(REF, 'single_node_power_instance.json'));
    expect(p).toBeDefined();
    expect(p!.instancesPerNode.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(clusterPowerBlock(join(REF, 'single_node_single_instance.json'))).toBeUndefined();
  });

  it('an unreadable file is an InputError naming it', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'servesim-pw-')), 'bad.json');
    writeFileSync(f, '{ not json');
    expect(() => clusterPowerBlock(f)).toThrow(InputError);
    expect(() => clusterPowerBlock(f)).toThrow(/bad\.json/);
  });
});

describe('DEFAULT_KNOBS', () => {
  it("are the scenario's serving defaults for every knob the loop reads", () => {
    for (const [k, v] of Object.entries(DEFAULT_KNOBS)) expect(v).toBe((SERVING_DEFAULTS as unknown as Record<string, unknown>)[k]);
  });
});
