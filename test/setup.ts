// Property tests run from a fixed seed so CI is deterministic; set FC_SEED to explore other seeds locally.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261123) });
