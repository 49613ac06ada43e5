// What a run prints before it starts: the instances and their KV capacity, as LLMServingSim's
// "KV Cache Initialization" block (reference README §7.2):  Instance [0] : 41408 tokens / 2588 blocks (5.05 GiB/rank at util 0.83)

/** The fields the banner shows (a structural subset of simulate's InstanceInfo). */
export interface InstanceBannerInfo {
  instanceId: number;
  model: string;
  hardware: string;
  tp: number;
  weightDtype: string;
  kvDtype: string;
  memUtil: number;
  kvBytesPerToken: number;
  numKvBlocks: number;
  kvTokens: number;
  costSource: string;
  knobs: { maxNumSeqs: number; maxNumBatchedTokens: number; blockSize: number; enablePrefixCaching: boolean; enableChunkedPrefill: boolean };
}

export function kvInitLine(i: InstanceBannerInfo): string {
  const gib = (i.kvTokens * i.kvBytesPerToken) / 2 ** 30;
  return `Instance [${i.instanceId}] : ${i.kvTokens} tokens / ${i.numKvBlocks} blocks (${gib.toFixed(2)} GiB/rank at util ${i.memUtil.toFixed(2)})`;
}

export function formatRunStart(instances: readonly InstanceBannerInfo[], compat: string): string {
  const lines: string[] = [];
  for (const i of instances) {
    const k = i.knobs;
    lines.push(
      `Instance [${i.instanceId}] : ${i.model} on ${i.hardware} tp${i.tp}, weights ${i.weightDtype}, KV ${i.kvDtype}, ` +
        `cost ${i.costSource}; max_num_seqs ${k.maxNumSeqs}, max_num_batched_tokens ${k.maxNumBatchedTokens}, ` +
        `block ${k.blockSize}, prefix caching ${k.enablePrefixCaching ? 'on' : 'off'}, chunked prefill ${k.enableChunkedPrefill ? 'on' : 'off'}`,
    );
  }
  lines.push(`KV Cache Initialization (compat ${compat})`);
  for (const i of instances) lines.push('  ' + kvInitLine(i));
  return lines.join('\n') + '\n';
}
