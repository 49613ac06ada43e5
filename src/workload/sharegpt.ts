// ShareGPT JSON as users download it: one top-level array of {"id", "conversations": [{"from", "value"}, ...]}.
// The common dump is ~640 MB, past V8's longest string, so the array is split into its elements byte by byte
// (UTF-8 continuation bytes are >= 0x80 and never look like JSON punctuation) and each element is parsed alone.
// Like vLLM's benchmark sampler, a conversation gives one request: turn 0 is the prompt, turn 1 the reply;
// conversations with fewer than two turns are skipped.
import { closeSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { jsonPath } from '../scenario/zodInput.js';

export interface ShareGptPair {
  /** 0-based index of the conversation in the array. */
  index: number;
  /** 1-based line where the conversation starts. */
  line: number;
  id?: string;
  prompt: string;
  completion: string;
}

const turnSchema = z.object({ from: z.string(), value: z.string() });
const conversationSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  conversations: z.array(turnSchema),
});

const CHUNK_BYTES = 1 << 20;
const [LBRACE, RBRACE, LBRACKET, RBRACKET, QUOTE, BACKSLASH, COMMA, NEWLINE] = [...'{}[]"\\,\n'].map((c) => c.charCodeAt(0));

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Every conversation with at least two turns, streamed from the file. */
export function* readShareGpt(file: string): Generator<ShareGptPair> {
  for (const element of splitTopLevelArray(file)) {
    let value: unknown;
    try {
      value = JSON.parse(element.text);
    } catch (err) {
      throw new InputError(`bad JSON in conversation ${element.index} (${(err as Error).message})`, { file, line: element.line });
    }
    const parsed = conversationSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = jsonPath([element.index, ...issue.path]);
      throw new InputError(`${issue.message}; expected {id, conversations: [{from: string, value: string}, ...]}`, { file, line: element.line, field });
    }
    const turns = parsed.data.conversations;
    if (turns.length < 2) continue;
    const id = parsed.data.id;
    yield { index: element.index, line: element.line, id: id === undefined ? undefined : String(id), prompt: turns[0].value, completion: turns[1].value };
  }
}

interface ArrayElement {
  index: number;
  line: number;
  text: string;
}

function* splitTopLevelArray(file: string): Generator<ArrayElement> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new InputError(`cannot read ShareGPT JSON: ${(err as Error).message}`, { file });
  }
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let depth = 0; // 0: before '[', 1: between elements, >= 2: inside an element
  let inString = false;
  let escaped = false;
  let line = 1;
  let index = 0;
  let startLine = 0;
  let parts: Buffer[] = [];
  let ended = false;
  let first = true;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      const from = first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // UTF-8 BOM
      first = false;
      let elementStart = depth >= 2 ? 0 : -1;
      for (let i = from; i < n; i++) {
        const b = buf[i];
        if (b === NEWLINE) line++;
        if (depth >= 2) {
          if (inString) {
            if (escaped) escaped = false;
            else if (b === BACKSLASH) escaped = true;
            else if (b === QUOTE) inString = false;
          } else if (b === QUOTE) inString = true;
          else if (b === LBRACE || b === LBRACKET) depth++;
          else if (b === RBRACE || b === RBRACKET) {
            depth--;
            if (depth === 1) {
              parts.push(Buffer.from(buf.subarray(elementStart, i + 1)));
              yield { index: index++, line: startLine, text: Buffer.concat(parts).toString('utf8') };
              parts = [];
              elementStart = -1;
            }
          }
        } else if (isSpace(b)) {
          continue;
        } else if (depth === 0) {
          if (ended) throw new InputError(`unexpected text after the closing ']'`, { file, line });
          if (b !== LBRACKET) throw new InputError(`expected a JSON array of conversations, found '${String.fromCharCode(b)}'`, { file, line });
          depth = 1;
        } else if (b === COMMA) {
          continue;
        } else if (b === RBRACKET) {
          depth = 0;
          ended = true;
        } else if (b === LBRACE) {
          depth = 2;
          elementStart = i;
          startLine = line;
        } else {
          throw new InputError(`expected a conversation object '{', found '${String.fromCharCode(b)}'`, { file, line, field: `[${index}]` });
        }
      }
      if (depth >= 2 && elementStart >= 0) parts.push(Buffer.from(buf.subarray(elementStart, n)));
    }
  } finally {
    closeSync(fd);
  }
  if (!ended) throw new InputError(depth === 0 && index === 0 ? 'empty file; expected a JSON array of conversations' : "unexpected end of file; expected the array's closing ']'", { file, line });
}
