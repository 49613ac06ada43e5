// The serving run: instances, a router and a request stream driven by the event loop.
// Clock (reference README §3.4, compat 'llmservingsim2'): the first wake-up is at min(first arrival, log interval);
// an idle instance wakes again every 1 ms (arrivals are routed at each wake-up, so a request arriving at an idle
// system waits up to 1 ms); a busy one wakes when its batch completes and starts the next batch at that exact ns,
// with every arrival up to then eligible. Scheduling takes zero simulated time.
// Mode 'vllm' has the same semantics for now; it is where departures towards real vLLM (e.g. per-step CPU time,
// TTFT at delivery) will go.
import { EventLoop } from '../engine/eventLoop.js';
import { InputError } from '../errors.js';
import { Instance } from './instance.js';
import { ServingRequest } from './request.js';
import { Router } from './router.js';
import type { RequestRecord, RunOptions, RunTotals, TickStatus } from './types.js';

const STEP = 0; // a: instance index; b: 1 if its batch completes now, 0 for an idle wake-up

interface CompatPolicy {
  idleStepNs: number;
  /**
   * Heartbeats: LLMServingSim checks after each event whether simulated time passed the next log boundary and then
   * reports (the event's tokens included) and advances the boundary by one interval: at most one tick per event.
   */
  maxTicksPerEvent: number;
}

const COMPAT: Record<'llmservingsim2' | 'vllm', CompatPolicy> = {
  llmservingsim2: { idleStepNs: 1_000_000, maxTicksPerEvent: 1 },
  vllm: { idleStepNs: 1_000_000, maxTicksPerEvent: Infinity },
};

export function runServing(opts: RunOptions): RunTotals {
  const { source, observer } = opts;
  if (opts.instances.length === 0) throw new Error('runServing: no instances');
  const policy = COMPAT[opts.compat ?? 'vllm'];
  const logIntervalNs = opts.logIntervalNs ?? 1_000_000_000;
  if (!(logIntervalNs > 0) || !Number.isSafeInteger(logIntervalNs)) throw new Error(`runServing: logIntervalNs must be a positive integer, got ${logIntervalNs}`);

  const instances = opts.instances.map((s) => new Instance(s, opts.counterIndex));
  const router = new Router(instances, opts.router ?? 'load');
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
  const polling = new Uint8Array(instances.length); // 1 while an instance still has wake-ups scheduled

  const routeArrivals = (nowNs: number): void => {
    while (source.peekArrivalNs() <= nowNs) {
      const spec = source.pop();
      const index = router.pick();
      const inst = instances[index];
      // A request longer than the whole KV pool would preempt itself forever: refuse it up front.
      const kv = inst.scheduler.kv;
      const needBlocks = Math.ceil((spec.inputToks + spec.outputToks - 1) / kv.blockSize);
      if (needBlocks > kv.numBlocks) {
        throw new InputError(
          `request ${spec.id} (${spec.inputToks} + ${spec.outputToks} tokens) needs ${needBlocks} KV blocks; instance ${inst.id} has ${kv.numBlocks}`,
          { field: 'input_toks' },
        );
      }
      const slot = freeSlots.length > 0 ? freeSlots.pop()! : pool.length;
      if (slot === pool.length) pool.push(new ServingRequest(slot));
      const req = pool[slot];
      req.reset(spec, inst.scheduler.knobs.blockSize, inst.scheduler.knobs.enablePrefixCaching);
      inst.addRequest(req);
      // An instance that stopped polling (nothing could come any more) would not see this request: wake it.
      if (!polling[index]) wake(index, nowNs + policy.idleStepNs);
    }
  };

  const wake = (index: number, atNs: number): void => {
    polling[index] = 1;
    loop.schedule(atNs, STEP, index, 0);
  };

  let finishingInstance: Instance = instances[0];
  const onFinished = (req: ServingRequest): void => {
    const endNs = loop.now;
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
  const status: TickStatus = { promptTokens: 0, generatedTokens: 0, running: 0, waiting: 0, kvBlocksUsed: 0, prefixRequestedTokens: 0, prefixHitTokens: 0 };
  const emitTicks = (nowNs: number): void => {
    for (let k = 0; k < policy.maxTicksPerEvent && nowNs > nextTickNs; k++) {
      let prompt = 0;
      let generated = 0;
      status.running = status.waiting = status.kvBlocksUsed = status.prefixRequestedTokens = status.prefixHitTokens = 0;
      for (const inst of instances) {
        const s = inst.scheduler;
        prompt += s.promptTokensDone;
        generated += s.generatedTokens;
        status.running += s.running.length;
        status.waiting += s.waiting.length;
        status.kvBlocksUsed += s.kv.usedBlocks;
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

  loop.on(STEP, (nowNs, index, batchDone) => {
    const inst = instances[index];
    // Route first, then complete the batch (LLMServingSim's order): a follow-up released by a completion now
    // (an agentic sub-request with no tool time) is routed at the next wake-up.
    routeArrivals(nowNs);
    if (batchDone) {
      finishingInstance = inst;
      inst.finishBatch(nowNs, onFinished);
      if (nowNs > totals.makespanNs) totals.makespanNs = nowNs;
    }
    const endNs = inst.startBatch(nowNs);
    if (endNs >= 0) {
      if (observer?.onIteration) observer.onIteration(inst.iteration);
      loop.schedule(endNs, STEP, index, 1);
    } else if (inst.scheduler.isIdle && source.done()) {
      // Nothing can come any more: this instance stops polling.
      polling[index] = 0;
    } else {
      const sched = inst.scheduler;
      if (sched.admissionRan && sched.running.length === 0 && sched.waiting.length > 0) {
        // Nothing runs and the head of the queue was refused by an empty instance: it never will be admitted.
        throw new InputError(`instance ${inst.id} can never serve the workload: ${sched.whyStuck()}`, { field: 'npu_mem.mem_util / max_num_batched_tokens' });
      }
      loop.schedule(nowNs + policy.idleStepNs, STEP, index, 0);
    }
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
  return totals;
}
