// Where the bundled catalogs live (under the package root).
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../packageRoot.js';

export const SCENARIO_PACKAGE_ROOT = PACKAGE_ROOT;
export const MODEL_CONFIGS_DIR = join(SCENARIO_PACKAGE_ROOT, 'model_configs');
export const HARDWARE_DIR = join(SCENARIO_PACKAGE_ROOT, 'perf_models', 'hardware');
