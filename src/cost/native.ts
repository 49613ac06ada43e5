// Loads the compiled addon (cmake-js and node-gyp both write build/Release/servesim.node).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('servesim: cannot find the package root from ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = packageRoot();

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
