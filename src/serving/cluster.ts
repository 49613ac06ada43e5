// Builds the serving cluster of a run from its instance setups: each instance (pipelined when pp > 1; a P/D prefill
// instance's cost model wrapped for its KV send in compat 'llmservingsim2'), its optional KV tiers and speculative
// decoder, and the routers over the pools (reference README §2.8, §3.3): new requests go to the prefill-capable
// instances; requests leaving a prefill instance go to the decode instances, by the same policy.
import { InputError } from '../errors.js';
import { DEFAULT_KV_LINK, withTrailingSend, type KvLink } from './disaggregation.js';
import { Instance } from './instance.js';
import { KvTiers } from './kvTiers.js';
import { PipelinedInstance } from './pipeline.js';
import { Router } from './router.js';
import { SpeculativeDecoder } from './speculative.js';
import type { InstanceSetup, RunOptions } from './types.js';

export interface Cluster {
  instances: Instance[];
  roles: (InstanceSetup['pdRole'] | undefined)[];
  /** Indices of the decode instances (empty without P/D). */
  decodePool: number[];
  /** Routes new requests over the prefill-capable instances. */
  router: Router;
  /** Routes requests leaving a prefill instance over the decode instances (P/D only). */
  decodeRouter: Router | undefined;
  kvLink: KvLink;
  tiersOf: (KvTiers | undefined)[];
  specOf: (SpeculativeDecoder | undefined)[];
}

export function buildCluster(opts: RunOptions): Cluster {
  const kvLink = opts.kvTransferLink ?? DEFAULT_KV_LINK;
  // compat 'llmservingsim2': a P/D prefill iteration ends with its last layer's KV send (see disaggregation.ts).
  const trailingSend = opts.compat === 'llmservingsim2';
  const instances = opts.instances.map((s) => {
    if (s.pipeline) {
      if (s.pdRole) throw new InputError(`instance ${s.instanceId}: pipeline parallelism with pd_type is not supported yet`, { field: 'pp_size' });
      return new PipelinedInstance(s, s.pipeline, opts.counterIndex);
    }
    if (s.pdRole !== 'prefill' || !trailingSend) return new Instance(s, opts.counterIndex);
    if (!(s.kvBytesPerToken! > 0) || !(s.numLayers! > 0)) throw new Error(`runServing: prefill instance ${s.instanceId} needs kvBytesPerToken and numLayers`);
    return new Instance({ ...s, cost: withTrailingSend(s.cost, kvLink, s.kvBytesPerToken! / s.numLayers!) }, opts.counterIndex);
  });

  const routerPolicy = opts.router ?? 'load';
  const roles = opts.instances.map((s) => s.pdRole);
  const entryPool = roles.flatMap((r, i) => (r === 'decode' ? [] : [i]));
  const decodePool = roles.flatMap((r, i) => (r === 'decode' ? [i] : []));
  const hasPrefillRole = roles.includes('prefill');
  if (entryPool.length === 0) throw new InputError('every instance has pd_type decode: at least one prefill instance is needed', { field: 'pd_type' });
  if (hasPrefillRole !== decodePool.length > 0) {
    throw new InputError(`P/D disaggregation needs both prefill and decode instances; got ${hasPrefillRole ? 'no decode' : 'no prefill'} instance`, { field: 'pd_type' });
  }
  const router = new Router(instances, entryPool, routerPolicy, opts.seed ?? 0);
  const decodeRouter = decodePool.length > 0 ? new Router(instances, decodePool, routerPolicy, opts.seed ?? 0, 'routing-decode') : undefined;
  for (let i = 0; i < instances.length; i++) {
    if (roles[i] !== 'prefill') continue;
    instances[i].scheduler.prefillOnly = true;
    const bs = instances[i].scheduler.knobs.blockSize;
    for (const d of decodePool) {
      const other = instances[d].scheduler.knobs.blockSize;
      if (other !== bs) {
        throw new InputError(`P/D instances must share block_size: prefill instance ${instances[i].id} has ${bs}, decode instance ${instances[d].id} ${other}`, { field: 'block_size' });
      }
    }
    if (!(opts.instances[i].kvBytesPerToken! > 0)) throw new Error(`runServing: prefill instance ${instances[i].id} needs kvBytesPerToken for its KV transfer`);
  }

  const tiersOf = opts.instances.map((s, i) => {
    if (!s.kvTiers) return undefined;
    const tiers = new KvTiers(s.kvTiers);
    const sched = instances[i].scheduler;
    sched.tiers = tiers;
    if (s.kvTiers.prefix) sched.kv.onEvict = (hash) => tiers.offer(hash);
    return tiers;
  });
  const specOf = opts.instances.map((s, i) => {
    if (!s.speculative) return undefined;
    const spec = new SpeculativeDecoder(s.speculative);
    instances[i].scheduler.spec = spec;
    return spec;
  });
  // Decode groups need one plain batch per step from a cost model that ignores row order (see enableDecodeGroup).
  if (opts.groupDecodes !== false) {
    opts.instances.forEach((s, i) => {
      if (!(instances[i] instanceof PipelinedInstance) && s.dpGroup === undefined && s.cost.rowOrderFree === true) instances[i].scheduler.enableDecodeGroup();
    });
  }
  return { instances, roles, decodePool, router, decodeRouter, kvLink, tiersOf, specOf };
}
