// Token counting for dataset conversion, with a real tokenizer whose vocabulary ships inside an npm package
// (nothing is downloaded at run time). Loaded on first use: the Llama 3 vocabulary is a 3 MB module.
import { closestNames, InputError } from '../errors.js';

export interface Tokenizer {
  readonly name: string;
  /** Token ids of `text` without BOS/EOS (LLMServingSim's ShareGPT trace has none either). */
  encode(text: string): number[];
  decode(ids: number[]): string;
}

export const TOKENIZER_NAMES = ['llama3'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

export async function loadTokenizer(name: string): Promise<Tokenizer> {
  if (name === 'llama3') {
    // llama3-tokenizer-js (MIT, belladoreai): Llama 3 / 3.1 BPE with the vocabulary and merges baked in.
    const mod = await import('llama3-tokenizer-js');
    const llama3 = mod.default;
    return { name, encode: (text) => llama3.encode(text, { bos: false, eos: false }), decode: (ids) => llama3.decode(ids) };
  }
  const near = closestNames(name, TOKENIZER_NAMES, 1);
  throw new InputError(`unknown tokenizer '${name}' (did you mean '${near[0]}'?); expected one of ${TOKENIZER_NAMES.join(', ')}`, { field: 'tokenizer' });
}
