// How many KV-cache blocks fit on one rank, as LLMServingSim 2.0 plans it (reference README §3.1):
//
//   num_blocks = (floor(mem_size · 2^30 · mem_util) − weight_bytes) // (kv_bytes_per_token · block_size)
//
// mem_size is GiB; weight_bytes and kv_bytes_per_token are per rank. vLLM's activation peak and CUDA context are
// not subtracted (LLMServingSim does not), so saturating runs calibrate mem_util to vLLM's block count.
import { InputError } from '../errors.js';

export interface MemoryPlanInput {
  memSizeGiB: number; // npu_mem.mem_size
  memUtil: number; // npu_mem.mem_util, fraction in (0, 1]
  weightBytes: number; // per rank
  kvBytesPerToken: number; // per rank
  blockSize: number; // tokens per block
  where?: string; // named in errors, e.g. "instance 0 (RTX4090, Llama-3.1-8B)"
}

export function planKvBlocks(p: MemoryPlanInput): number {
  const usableBytes = Math.floor(p.memSizeGiB * 2 ** 30 * p.memUtil);
  const blockBytes = p.kvBytesPerToken * p.blockSize;
  const numBlocks = Math.floor((usableBytes - p.weightBytes) / blockBytes);
  if (!(numBlocks > 0)) {
    const gib = (b: number) => (b / 2 ** 30).toFixed(2);
    throw new InputError(
      `no room for the KV cache${p.where ? ` on ${p.where}` : ''}: the weights need ${p.weightBytes} B (${gib(p.weightBytes)} GiB) ` +
        `per rank, and ${usableBytes} B (${gib(usableBytes)} GiB = ${p.memSizeGiB} GiB × mem_util ${p.memUtil}) is usable; ` +
        `one KV block needs ${blockBytes} B more. Use more GPUs (tp/pp), a smaller dtype, or a higher mem_util.`,
      { field: 'npu_mem.mem_util' },
    );
  }
  return numBlocks;
}
