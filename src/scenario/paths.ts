// Where the bundled catalogs live (under the package root).
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../packageRoot.js';

export const MODEL_CONFIGS_DIR = join(PACKAGE_ROOT, 'model_configs');
export const HARDWARE_DIR = join(PACKAGE_ROOT, 'perf_models', 'hardware');
