// Run ids: a hash of the resolved scenario's content, so a resumed or sharded sweep finds a run by what it is, not
// by where it sits in a list. Canonical JSON (keys sorted at every depth) makes the hash independent of key order.
import { createHash } from 'node:crypto';
import { isPlainObject } from './deepMerge.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** 16 hex digits (64 bits) of SHA-256 over the canonical JSON. */
export function runIdOf(scenario: unknown): string {
  return createHash('sha256').update(canonicalJson(scenario)).digest('hex').slice(0, 16);
}
