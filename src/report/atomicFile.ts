// Moved to src/atomicFile.ts (a neutral home, so workload/ and experiment/ need not depend on report/). This re-export
// stays only for importers that are being edited elsewhere (src/cli/run.ts); point new code at '../atomicFile.js'.
export { AtomicFileWriter, writeFileAtomic } from '../atomicFile.js';
