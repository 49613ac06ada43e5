// Loads the compiled addon (cmake-js and node-gyp both write build/Release/servesim.node).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../packageRoot.js';

const require = createRequire(import.meta.url);

export { PACKAGE_ROOT }; // re-exported for importers that predate src/packageRoot.ts (simulate.ts, bench/)

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NativeAddon = any;

let addon: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const candidates = [join(PACKAGE_ROOT, 'build', 'Release', 'servesim.node')];
  for (const path of candidates) {
    if (existsSync(path)) {
      addon = require(path);
      return addon;
    }
  }
  throw new Error(
    `servesim: the native addon is not built (looked for ${candidates.join(', ')}). Run \`npm install\` (or \`npm run build:native\`).`,
  );
}
