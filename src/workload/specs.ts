// zod schemas for the generator specs (arrival process, lengths, think time), for scenario files and flags to
// validate at the edge. Their outputs are exactly the ArrivalSpec / LengthSpec / ThinkTimeSpec the generators take.
import { z } from 'zod';
import type { ArrivalSpec } from './arrivals.js';
import type { ThinkTimeSpec } from './closedLoop.js';
import type { LengthSpec } from './lengths.js';

// Bounds keep every arrival a safe integer of ns (< 9e15 ns ≈ 104 days): a mean gap of at most 1000 s, and with
// 0.01 <= cv <= 10 a Gamma gap rarely exceeds ~4000 mean gaps; the generators still throw if one ever overflows.
const rateRps = z.number().min(1e-3, 'expected at least 0.001 requests per second').max(1e9);
const toks = z.number().int().positive();

export const arrivalSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('poisson'), rateRps }),
  z.strictObject({ kind: z.literal('gamma'), rateRps, cv: z.number().min(0.01).max(10) }),
  z.strictObject({ kind: z.literal('constant'), rateRps }),
  z
    .strictObject({ kind: z.literal('bursts'), rateRps, onS: z.number().min(0.001), offS: z.number().nonnegative().max(1e6) })
    .refine((b) => (b.rateRps * b.onS) / (b.onS + b.offS) >= 1e-3, {
      message: 'expected a long-run rate rateRps × onS / (onS + offS) of at least 0.001 requests per second',
    }),
]);

const range = z.tuple([toks, toks]).readonly().refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' });
const lognormalAxis = z
  .strictObject({ mu: z.number().finite(), sigma: z.number().nonnegative().finite(), min: toks, max: toks })
  .refine((a) => a.min <= a.max, { message: 'expected min <= max' });

export const lengthSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), inputToks: toks, outputToks: toks }),
  z.strictObject({ kind: z.literal('uniform'), input: range, output: range }),
  z.strictObject({ kind: z.literal('lognormal'), input: lognormalAxis, output: lognormalAxis }),
]);

export const thinkTimeSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ns: z.number().int().nonnegative() }),
  z.strictObject({ kind: z.literal('exponential'), meanNs: z.number().nonnegative().finite() }),
]);

// Compile-time check that the schemas produce the generators' own types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTypes: [
  Same<z.output<typeof arrivalSpecSchema>, ArrivalSpec>,
  Same<z.output<typeof lengthSpecSchema>, LengthSpec>,
  Same<z.output<typeof thinkTimeSpecSchema>, ThinkTimeSpec>,
] = [true, true, true];
void schemasMatchTypes;
