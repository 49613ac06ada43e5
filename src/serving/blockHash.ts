// Chained prefix-cache block hashes (as vLLM and LLMServingSim 2.0 key their KV blocks, reference README §3.2):
// hash_i = H(hash_{i-1}, tokens of block i), over input_tok_ids + output_tok_ids, full blocks only.
// Chaining makes a hash name the whole prefix up to its block, so a lookup walks blocks until the first miss.
// H here is our own 53-bit mix (two 32-bit lanes); values are exact doubles, usable as Map keys. A false hit would need
// two different prefixes to collide in 53 bits, which is negligible at the block counts a simulation sees.

import { fmix32 } from '../rng.js';

const SEED_HI = 0x9e3779b9;
const SEED_LO = 0x7f4a7c15;

function mix32(h: number, v: number): number {
  // murmur3-style round: multiply, rotate, multiply, fold into h.
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Chained hashes of the full `blockSize`-token blocks of `inputIds ++ outputIds`.
 * Empty when there are no input ids (such a request never hits, as in LLMServingSim).
 */
export function chainedBlockHashes(
  inputIds: readonly number[] | undefined,
  outputIds: readonly number[] | undefined,
  blockSize: number,
): Float64Array {
  if (!inputIds || inputIds.length === 0) return new Float64Array(0);
  const nIn = inputIds.length;
  const total = nIn + (outputIds ? outputIds.length : 0);
  const numBlocks = Math.floor(total / blockSize);
  const out = new Float64Array(numBlocks);
  let parentHi = SEED_HI;
  let parentLo = SEED_LO;
  for (let b = 0; b < numBlocks; b++) {
    let hi = mix32(0x41c64e6d ^ parentHi, parentLo);
    let lo = mix32(0x6c078965 ^ parentLo, parentHi);
    for (let j = b * blockSize, end = j + blockSize; j < end; j++) {
      const tok = j < nIn ? inputIds[j] : outputIds![j - nIn];
      hi = mix32(hi, tok);
      lo = mix32(lo, tok ^ 0x5bd1e995);
    }
    parentHi = fmix32(hi ^ blockSize);
    parentLo = fmix32(lo ^ b);
    // 21 high bits + 32 low bits = a 53-bit exact integer.
    out[b] = (parentHi >>> 11) * 4294967296 + parentLo;
  }
  return out;
}
