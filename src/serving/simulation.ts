// The serving run: instances, a router and a request stream driven by the event loop.
// Clock (reference README §3.4, compat 'llmservingsim2'): the first wake-up is at min(first arrival, log interval);
// an idle instance wakes again every 1 ms (arrivals are routed at each wake-up, so a request arriving at an idle
// system waits up to 1 ms); a busy one wakes when its batch completes and starts the next batch at that exact ns,
// with every arrival up to then eligible. Scheduling takes zero simulated time. A lone idle instance skips the empty
// polls up to the 1 ms grid point at or after the next arrival (same result, no events for idle hours; heartbeats in
// between still go out). With several instances, an idle one
// is also polled at every event of a busy one (its batch completions and the layer-node completions inside its
// iterations), as LLMServingSim's backend does; this reproduces its multi-instance example to the ns.
// Mode 'vllm' has the same semantics except that cross-instance polling, plus the departures towards real vLLM in
// vllmMode.ts (async scheduling's one-step admission lag here; the calibrated step time is applied by simulate.ts).
// The cluster (pools, routers, pipelined instances, KV tiers, speculative decoders) is built by cluster.ts. Under P/D a
// request leaves its prefill instance with its first token (onHandoff) and reaches a decode instance when its KV lands
// (KV_ARRIVED); a pipelined instance (pp > 1) keeps up to pp batches in flight, one BATCH_DONE each. The members of a
// DP group (dpGroup.ts) step together: a group step starts when the last member's batch completes.
import { EventLoop } from '../engine/eventLoop.js';
import { InputError } from '../errors.js';
import { buildCluster } from './cluster.js';
import { kvTransferNs, TransferQueue } from './disaggregation.js';
import { DpGroups } from './dpGroup.js';
import type { Instance } from './instance.js';
import { PipelinedInstance } from './pipeline.js';
import { ServingRequest } from './request.js';
import type { RequestRecord, RunOptions, RunTotals, TickStatus } from './types.js';

const BATCH_DONE = 0; // a: instance index
const IDLE_WAKE = 1; // a: instance index; b: its wake-up generation (a superseded wake-up is dropped)
const KV_ARRIVED = 2; // P/D: a prefill instance's KV transfer lands at the decode side

interface CompatPolicy {
  idleStepNs: number;
  /**
   * Heartbeats: LLMServingSim checks after each event whether simulated time passed the next log boundary and then
   * reports (the event's tokens included) and advances the boundary by one interval: at most one tick per event.
   */
  maxTicksPerEvent: number;
  /**
   * Idle instances are also polled at every event of a busy one: its batch completions and, if the cost model
   * reports them, the layer-node completions inside its iterations (LLMServingSim's backend asks idle NPUs again
   * whenever it processes an event). Only matters with more than one instance.
   */
  pollOnOtherEvents: boolean;
  /**
   * vLLM async scheduling (vllmMode.ts): when a lone instance's batch completes, only requests that arrived before
   * it started can join the next one (vLLM scheduled that step while this one ran); later ones wait a step.
   */
  asyncScheduling: boolean;
}

const COMPAT: Record<'llmservingsim2' | 'vllm', CompatPolicy> = {
  llmservingsim2: { idleStepNs: 1_000_000, maxTicksPerEvent: 1, pollOnOtherEvents: true, asyncScheduling: false },
  vllm: { idleStepNs: 1_000_000, maxTicksPerEvent: Infinity, pollOnOtherEvents: false, asyncScheduling: true },
};

export function runServing(opts: RunOptions): RunTotals {
  const { source, observer } = opts;
  if (opts.instances.length === 0) throw new Error('runServing: no instances');
  const policy = COMPAT[opts.compat ?? 'vllm'];
  const logIntervalNs = opts.logIntervalNs ?? 1_000_000_000;
  if (!(logIntervalNs > 0) || !Number.isSafeInteger(logIntervalNs)) throw new Error(`runServing: logIntervalNs must be a positive integer, got ${logIntervalNs}`);

  const { instances, roles, decodePool, router, decodeRouter, kvLink, tiersOf, specOf } = buildCluster(opts);
  const itlSink = opts.itlSink;
  if (itlSink !== undefined) {
    for (const inst of instances) {
      const id = inst.id;
      inst.scheduler.state.sink = (gapNs, count) => itlSink(id, gapNs, count);
    }
  }
  const transfers = new TransferQueue();
  const dp = new DpGroups(opts.instances);
  const hashForRouting = (opts.router ?? 'load') === 'prefix-aware';
  const entryPool0 = router.firstInPool;
  let pdHandoffs = 0;
  const loop = new EventLoop();

  // Pooled request objects; a finished one is reused by the next arrival.
  const pool: ServingRequest[] = [];
  const freeSlots: number[] = [];

  const totals: RunTotals = {
    finishedRequests: 0,
    makespanNs: 0,
    inputTokens: 0,
    outputTokens: 0,
    preemptions: 0,
    recomputedTokens: 0,
    peakKvBlocks: 0,
    kvBlocksTotal: 0,
    prefixRequestedTokens: 0,
    prefixHitTokens: 0,
    iterations: 0,
  };
  const n = instances.length;
  const polling = new Uint8Array(n); // 1 while an instance still has wake-ups scheduled
  const idleGen = new Int32Array(n); // bumped whenever an instance's pending idle wake-up is superseded
  const idleWakeNs = new Float64Array(n).fill(Infinity); // its pending idle wake-up, Infinity if none
  const lastPollNs = new Float64Array(n);
  /** Supersede an instance's pending idle wake-up (it started a batch or stopped polling). */
  const cancelIdleWake = (index: number): void => {
    idleGen[index]++;
    idleWakeNs[index] = Infinity;
  };
  const crossPoll = policy.pollOnOtherEvents && n > 1;
  if (crossPoll) for (const inst of instances) inst.trackInternalEvents = true;
  // LLMServingSim's pipelined instance (README §2.5): its start NPU, idle, is polled at the events of its own stages.
  if (policy.pollOnOtherEvents) {
    for (const inst of instances) {
      if (inst instanceof PipelinedInstance) {
        inst.startNpuRule = true;
        inst.trackInternalEvents = true;
      }
    }
  }

  const routeArrivals = (nowNs: number): void => {
    while (source.peekArrivalNs() <= nowNs) {
      const spec = source.pop();
      const slot = freeSlots.length > 0 ? freeSlots.pop()! : pool.length;
      if (slot === pool.length) pool.push(new ServingRequest(slot));
      const req = pool[slot];
      // Hash as the first pool instance would (the prefix-aware router matches these hashes against every instance).
      const k0 = instances[entryPool0].scheduler.knobs;
      const hashing = k0.enablePrefixCaching || hashForRouting;
      req.reset(spec, k0.blockSize, hashing);
      const index = router.pick(req, k0.blockSize);
      const inst = instances[index];
      const k = inst.scheduler.knobs;
      if (k.blockSize !== k0.blockSize || (k.enablePrefixCaching && !hashing)) req.reset(spec, k.blockSize, k.enablePrefixCaching);
      // A request longer than the whole KV pool would preempt itself forever: refuse it up front.
      const kv = inst.scheduler.kv;
      const needBlocks = Math.ceil((spec.inputToks + spec.outputToks - 1) / kv.blockSize);
      if (needBlocks > kv.numBlocks) {
        throw new InputError(
          `request ${spec.id} (${spec.inputToks} + ${spec.outputToks} tokens) needs ${needBlocks} KV blocks; instance ${inst.id} has ${kv.numBlocks}`,
          { field: 'input_toks' },
        );
      }
      router.assign(index, req);
      inst.addRequest(req);
      // An instance that stopped polling (nothing could come any more) would not see this request: wake it.
      if (!polling[index]) wake(index, nowNs + policy.idleStepNs);
    }
  };

  const wake = (index: number, atNs: number): void => {
    polling[index] = 1;
    idleWakeNs[index] = atNs;
    loop.schedule(atNs, IDLE_WAKE, index, ++idleGen[index]);
  };

  let finishingInstance: Instance = instances[0];
  let finishingIndex = 0;
  const onFinished = (req: ServingRequest): void => {
    const endNs = loop.now;
    (roles[finishingIndex] === 'decode' ? decodeRouter! : router).release(finishingIndex, req);
    const latencyNs = endNs - req.arrivalNs;
    const record: RequestRecord = {
      instanceId: finishingInstance.id,
      requestId: req.id,
      model: finishingInstance.modelName,
      inputToks: req.inputToks,
      outputToks: req.outputToks,
      arrivalNs: req.arrivalNs,
      endNs,
      latencyNs,
      queuingDelayNs: req.queuingDelayNs,
      ttftNs: req.ttftNs,
      tpotNs: req.outputToks > 1 ? Math.floor((latencyNs - req.ttftNs) / (req.outputToks - 1)) : 0,
      itlNs: req.itlNs,
      preemptions: req.preemptions,
      prefixHitTokens: req.prefixHitTokens,
    };
    totals.finishedRequests++;
    totals.inputTokens += req.inputToks;
    totals.outputTokens += req.outputToks;
    freeSlots.push(req.slot);
    observer?.onRequest?.(record);
    source.onFinish(req.id, endNs);
  };

  // Heartbeats, reported after the event that passes each log boundary (labelled with the boundary).
  const onTick = observer?.onTick;
  let nextTickNs = logIntervalNs;
  let lastPrompt = 0;
  let lastGenerated = 0;
  const status: TickStatus = { promptTokens: 0, generatedTokens: 0, running: 0, waiting: 0, kvBlocksUsed: 0, kvBlocksResident: 0, prefixRequestedTokens: 0, prefixHitTokens: 0 };
  const emitTicks = (nowNs: number, maxTicks = policy.maxTicksPerEvent): void => {
    for (let k = 0; k < maxTicks && nowNs > nextTickNs; k++) {
      let prompt = 0;
      let generated = 0;
      status.running = status.waiting = status.kvBlocksUsed = status.kvBlocksResident = status.prefixRequestedTokens = status.prefixHitTokens = 0;
      for (const inst of instances) {
        const s = inst.scheduler;
        prompt += s.promptTokensDone;
        generated += s.generatedTokens;
        status.running += s.numRunning;
        status.waiting += s.waiting.length;
        status.kvBlocksUsed += s.kv.usedBlocks;
        status.kvBlocksResident += s.kv.residentBlocks;
        status.prefixRequestedTokens += s.prefixRequestedTokens;
        status.prefixHitTokens += s.prefixHitTokens;
      }
      status.promptTokens = prompt - lastPrompt;
      status.generatedTokens = generated - lastGenerated;
      lastPrompt = prompt;
      lastGenerated = generated;
      onTick!(nextTickNs, status);
      nextTickNs += logIntervalNs;
    }
  };

  /** The next internal event of any other (busy) instance after nowNs, or Infinity. */
  const nextOtherEventNs = (index: number, nowNs: number): number => {
    let t = Infinity;
    for (let b = 0; b < n; b++) if (b !== index) t = Math.min(t, instances[b].nextInternalEventNs(nowNs));
    return t;
  };

  /** Schedule an idle instance's next wake-up: 1 ms after its last poll, or a busy instance's next event if earlier. */
  const armIdle = (index: number, nowNs: number): void => {
    const step = policy.idleStepNs;
    let t = lastPollNs[index] + step;
    if (crossPoll) t = Math.min(t, nextOtherEventNs(index, nowNs));
    else if (n === 1 && instances[index].scheduler.isIdle) {
      // Nothing to do until the next arrival: skip the empty 1 ms polls in between, landing on the same grid point.
      // (Completions are the only other thing that can change the state, and an idle lone instance has none.)
      const nextArrival = source.peekArrivalNs();
      if (Number.isFinite(nextArrival) && nextArrival > t) t = lastPollNs[index] + Math.ceil((nextArrival - lastPollNs[index]) / step) * step;
    }
    const self = instances[index];
    if (self instanceof PipelinedInstance && self.startNpuRule) t = Math.min(t, self.nextInternalEventNs(nowNs));
    if (t === idleWakeNs[index]) return;
    idleWakeNs[index] = t;
    loop.schedule(t, IDLE_WAKE, index, ++idleGen[index]);
  };

  /** Poll an instance at nowNs (arrivals already routed): start a batch, or keep it polling while work may come. */
  const serve = (index: number, nowNs: number): void => {
    if (dp.groupOf[index] >= 0) return serveGroup(dp.groupOf[index], nowNs);
    const inst = instances[index];
    lastPollNs[index] = nowNs;
    const endNs = inst.startBatch(nowNs);
    if (endNs >= 0) {
      cancelIdleWake(index);
      if (observer?.onIteration) observer.onIteration(inst.iteration);
      loop.schedule(endNs, BATCH_DONE, index);
      if (inst instanceof PipelinedInstance) {
        // Fill the pipeline: more batches from requests not already in flight, while it has room.
        let e: number;
        while (inst.hasRoom && (e = inst.startBatch(nowNs)) >= 0) {
          if (observer?.onIteration) observer.onIteration(inst.iteration);
          loop.schedule(e, BATCH_DONE, index);
        }
        // With room left, keep polling for arrivals (as an idle instance does); a full pipeline waits for a completion.
        if (inst.hasRoom) armIdle(index, nowNs);
      }
      if (crossPoll) pullIdleWakeUps(index, nowNs);
      return;
    }
    idle(index, nowNs);
  };

  // Its internal events may come before the idle instances' next wake-ups.
  const pullIdleWakeUps = (index: number, nowNs: number): void => {
    for (let j = 0; j < n; j++) {
      if (j === index || !polling[j] || instances[j].busyUntilNs >= 0) continue;
      const t = nextOtherEventNs(j, nowNs);
      if (t < idleWakeNs[j]) {
        idleWakeNs[j] = t;
        loop.schedule(t, IDLE_WAKE, j, ++idleGen[j]);
      }
    }
  };

  const onMemberStarted = (m: number, endNs: number, dummy: boolean): void => {
    polling[m] = 1;
    cancelIdleWake(m);
    if (!dummy && observer?.onIteration) observer.onIteration(instances[m].iteration);
    loop.schedule(endNs, BATCH_DONE, m);
  };

  /** A DP group steps when all its members are idle (the slowest one's completion serves it again); dpGroup.ts. */
  const serveGroup = (g: number, nowNs: number): void => {
    if (!dp.allIdle(g, instances)) return;
    const members = dp.members[g];
    for (const m of members) lastPollNs[m] = nowNs;
    if (dp.step(g, nowNs, instances, onMemberStarted)) {
      if (crossPoll) for (const m of members) pullIdleWakeUps(m, nowNs);
      return;
    }
    for (const m of members) idle(m, nowNs);
  };

  /** An instance with nothing to run at nowNs: keep it polling while work may come, or stop it. */
  const idle = (index: number, nowNs: number): void => {
    const inst = instances[index];
    const sched = inst.scheduler;
    if (inst instanceof PipelinedInstance && inst.batchesInFlight > 0) {
      // Batches still in the pipeline: their completions serve it again; with room, poll for arrivals meanwhile.
      if (inst.hasRoom) armIdle(index, nowNs);
      return;
    }
    if (sched.isIdle && source.done()) {
      // Nothing can come any more: this instance stops polling.
      polling[index] = 0;
      cancelIdleWake(index);
      return;
    }
    if (sched.admissionRan && sched.numRunning === 0 && sched.waiting.length > 0) {
      // Nothing runs and the head of the queue was refused by an empty instance: it never will be admitted.
      throw new InputError(`instance ${inst.id} can never serve the workload: ${sched.whyStuck()}`, { field: 'npu_mem.mem_util / max_num_batched_tokens' });
    }
    armIdle(index, nowNs);
  };

  loop.on(BATCH_DONE, (nowNs, index) => {
    const inst = instances[index];
    // Route first, then complete the batch (LLMServingSim's order): a follow-up released by a completion now
    // (an agentic sub-request with no tool time) is routed at the next wake-up.
    routeArrivals(policy.asyncScheduling && n === 1 ? inst.iteration.startNs : nowNs);
    finishingInstance = inst;
    finishingIndex = index;
    inst.finishBatch(nowNs, onFinished, onHandoff);
    if (nowNs > totals.makespanNs) totals.makespanNs = nowNs;
    serve(index, nowNs);
    if (crossPoll) {
      for (let j = 0; j < n; j++) if (j !== index && polling[j] && instances[j].busyUntilNs < 0) serve(j, nowNs);
    }
    if (onTick && nowNs > nextTickNs) emitTicks(nowNs);
  });

  // P/D: a request whose first token came out of a prefill instance sends its prompt KV to the decode side.
  // LLMServingSim streams it layer by layer during the prefill and hands the request over when the prefill ends (its
  // P/D example's first decode step starts right then), so compat 'llmservingsim2' charges no transfer after it;
  // 'vllm' charges the whole transfer (bytes / bandwidth + latency) before the decode side may start.
  const overlapTransfer = opts.compat === 'llmservingsim2';
  const onHandoff = (req: ServingRequest): void => {
    const nowNs = loop.now;
    router.release(finishingIndex, req);
    pdHandoffs++;
    const bytes = req.inputToks * opts.instances[finishingIndex].kvBytesPerToken!;
    const readyNs = nowNs + (overlapTransfer ? 0 : kvTransferNs(bytes, kvLink));
    transfers.push(readyNs, req);
    loop.schedule(readyNs, KV_ARRIVED, 0, 0);
  };

  loop.on(KV_ARRIVED, (nowNs) => {
    while (transfers.peekReadyNs() <= nowNs) {
      const req = transfers.pop();
      const index = decodeRouter!.pick(req, instances[decodePool[0]].scheduler.knobs.blockSize);
      const inst = instances[index];
      const kv = inst.scheduler.kv;
      const needBlocks = Math.ceil((req.inputToks + req.outputToks - 1) / kv.blockSize);
      if (needBlocks > kv.numBlocks) {
        throw new InputError(`request ${req.id} (${req.inputToks} + ${req.outputToks} tokens) needs ${needBlocks} KV blocks; decode instance ${inst.id} has ${kv.numBlocks}`, {
          field: 'input_toks',
        });
      }
      req.kvReadyTokens = req.inputToks;
      req.numComputed = 0;
      decodeRouter!.assign(index, req);
      inst.addRequest(req);
      if (!polling[index]) wake(index, nowNs + policy.idleStepNs);
      // LLMServingSim polls its idle instances at every event of a busy one: the decode side starts at once.
      else if (crossPoll && inst.busyUntilNs < 0) serve(index, nowNs);
    }
  });

  loop.on(IDLE_WAKE, (nowNs, index, gen) => {
    if (gen !== idleGen[index]) return;
    idleWakeNs[index] = Infinity;
    // Heartbeats that skipped polls would have reported (idle, nothing happened) go out first, as they would have.
    if (onTick) {
      const step = policy.idleStepNs;
      const last = lastPollNs[index];
      while (nextTickNs < nowNs && last + (Math.floor((nextTickNs - last) / step) + 1) * step < nowNs) emitTicks(nowNs, 1);
    }
    routeArrivals(nowNs);
    serve(index, nowNs);
    if (onTick && nowNs > nextTickNs) emitTicks(nowNs);
  });

  const firstArrival = source.peekArrivalNs();
  if (Number.isFinite(firstArrival) || !source.done()) {
    const firstWakeNs = Math.min(Number.isFinite(firstArrival) ? firstArrival : 0, logIntervalNs);
    for (let i = 0; i < instances.length; i++) wake(i, firstWakeNs);
    loop.run();
  }

  for (const inst of instances) {
    const s = inst.scheduler;
    totals.preemptions += s.preemptions;
    totals.recomputedTokens += s.recomputedTokens;
    totals.peakKvBlocks += s.kv.peakUsedBlocks;
    totals.kvBlocksTotal += s.kv.numBlocks;
    totals.prefixRequestedTokens += s.prefixRequestedTokens;
    totals.prefixHitTokens += s.prefixHitTokens;
    totals.iterations += inst.iterations;
  }
  const grouped = instances.reduce((a, inst) => a + inst.scheduler.groupedTokens, 0);
  if (grouped > 0) totals.groupedDecodeTokens = grouped;
  if (tiersOf.some((t) => t !== undefined)) {
    totals.kvSwapOuts = tiersOf.reduce((a, t) => a + (t?.swapOuts ?? 0), 0);
    totals.kvTierHitTokens = tiersOf.reduce((a, t) => a + (t?.tierHitTokens ?? 0), 0);
  }
  if (decodePool.length > 0) totals.pdHandoffs = pdHandoffs;
  if (specOf.some((t) => t !== undefined)) {
    totals.specProposedTokens = specOf.reduce((a, t) => a + (t?.proposedTokens ?? 0), 0);
    totals.specAcceptedTokens = specOf.reduce((a, t) => a + (t?.acceptedTokens ?? 0), 0);
  }
  return totals;
}
