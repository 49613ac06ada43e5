// Where the bundled catalogs live, found from this file's location (works from src/ under tsx and from dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('servesim: cannot find the package root from ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const SCENARIO_PACKAGE_ROOT = findPackageRoot();
export const MODEL_CONFIGS_DIR = join(SCENARIO_PACKAGE_ROOT, 'model_configs');
export const HARDWARE_DIR = join(SCENARIO_PACKAGE_ROOT, 'perf_models', 'hardware');
