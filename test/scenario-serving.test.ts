// Serving knobs: the defaults are LLMServingSim 2.0's command-line defaults (reference README §6),
// instance > command line > default, and the dtype rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kvDtypeOf, parseServingOverrides, resolveServingOptions, SERVING_DEFAULTS, weightDtypeOf } from '../src/scenario/serving.js';

describe('serving knobs', () => {
  it('defaults are the §6 table', () => {
    expect(SERVING_DEFAULTS).toEqual({
      maxNumSeqs: 128,
      maxNumBatchedTokens: 2048,
      longPrefillTokenThreshold: 0,
      enableChunkedPrefill: true,
      enablePrefixCaching: true,
      reserveFullIsl: true,
      npuMemoryUtilization: 0.9,
      blockSize: 16,
      dtype: 'auto',
      kvCacheDtype: 'auto',
      enableLocalOffloading: false,
      enableAttnOffloading: false,
      enableSubBatchInterleaving: false,
      enableBlockCopy: true,
    });
    expect(Object.isFrozen(SERVING_DEFAULTS)).toBe(true);
  });
  it('parses snake_case knobs, mapping dtype names', () => {
    expect(parseServingOverrides({ max_num_seqs: 0, dtype: 'bfloat16', kv_cache_dtype: 'fp8', enable_prefix_caching: false }, 'k.json')).toEqual({
      maxNumSeqs: 0,
      dtype: 'bf16',
      kvCacheDtype: 'fp8',
      enablePrefixCaching: false,
    });
    expect(parseServingOverrides({ dtype: 'Float16' }, 'k.json')).toEqual({ dtype: 'fp16' });
  });
  it('refuses bad knobs naming file and field', () => {
    expect(() => parseServingOverrides({ block_size: 0 }, 'k.json')).toThrow(/k\.json, field 'block_size'/);
    expect(() => parseServingOverrides({ npu_memory_utilization: 1.5 }, 'k.json')).toThrow(/field 'npu_memory_utilization'/);
    expect(() => parseServingOverrides({ dtype: 'float64' }, 'k.json')).toThrow(/field 'dtype': expected one of auto, bfloat16/);
    expect(() => parseServingOverrides({ kv_cache_dtype: 'int8' }, 'k.json')).toThrow(/field 'kv_cache_dtype'/);
    expect(() => parseServingOverrides({ max_num_seq: 3 }, 'k.json')).toThrow(/field 'max_num_seq': unknown field/);
  });
  it('property: instance value > command line > default, per knob', () => {
    const layer = fc.record(
      { maxNumSeqs: fc.nat(1024), blockSize: fc.integer({ min: 1, max: 64 }), enablePrefixCaching: fc.boolean() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(layer, layer, (instance, cli) => {
        const r = resolveServingOptions(instance, cli);
        for (const k of ['maxNumSeqs', 'blockSize', 'enablePrefixCaching'] as const) {
          expect(r[k]).toBe(instance[k] ?? cli[k] ?? SERVING_DEFAULTS[k]);
        }
        expect(r.npuMemoryUtilization).toBe(0.9);
      }),
    );
  });
  it('weight and KV dtypes: auto follows the weights (LLMServingSim kv_fp = fp); fp8 KV on request; int4 weights keep 16-bit KV', () => {
    const model = { torchDtype: 'bf16' as const };
    expect(weightDtypeOf({ dtype: 'auto' }, model)).toBe('bf16');
    expect(weightDtypeOf({ dtype: 'fp16' }, model)).toBe('fp16');
    expect(kvDtypeOf({ dtype: 'auto', kvCacheDtype: 'auto' }, model)).toBe('bf16');
    expect(kvDtypeOf({ dtype: 'fp32', kvCacheDtype: 'auto' }, model)).toBe('fp32');
    expect(kvDtypeOf({ dtype: 'bf16', kvCacheDtype: 'fp8' }, model)).toBe('fp8');
    expect(kvDtypeOf({ dtype: 'int8', kvCacheDtype: 'auto' }, model)).toBe('int8');
    expect(kvDtypeOf({ dtype: 'int4', kvCacheDtype: 'auto' }, model)).toBe('bf16');
    expect(kvDtypeOf({ dtype: 'int4', kvCacheDtype: 'auto' }, { torchDtype: 'fp16' })).toBe('fp16');
  });
});
