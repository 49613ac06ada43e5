// The event loop: pops events in (timeNs, seq) order and dispatches each to the handler registered for its kind.
// It knows nothing about what the events mean. Time is integer nanoseconds and never goes backwards.
import { EventHeap } from './eventHeap.js';

/** Handles one event; may schedule more through the loop. */
export type EventHandler = (timeNs: number, a: number, b: number) => void;

export class EventLoop {
  private readonly heap = new EventHeap();
  private readonly handlers: (EventHandler | undefined)[] = [];
  private nowNs = 0;
  private stopped = false;
  private dispatched = 0;

  /** Current simulated time: the time of the event being handled (or last handled). */
  get now(): number {
    return this.nowNs;
  }

  /** Number of events dispatched so far. */
  get eventsDispatched(): number {
    return this.dispatched;
  }

  get pending(): number {
    return this.heap.size;
  }

  /** Register the handler for an event kind (a small non-negative integer). */
  on(kind: number, handler: EventHandler): void {
    if (!Number.isInteger(kind) || kind < 0) throw new Error(`event kind must be a non-negative integer, got ${kind}`);
    this.handlers[kind] = handler;
  }

  /** Schedule an event; timeNs must be an integer not earlier than now. */
  schedule(timeNs: number, kind: number, a = 0, b = 0): void {
    if (!(timeNs >= this.nowNs) || !Number.isSafeInteger(timeNs)) {
      throw new Error(`event at ${timeNs} ns is before now (${this.nowNs} ns) or not an integer`);
    }
    this.heap.push(timeNs, kind, a, b);
  }

  /** Stop after the current handler returns. */
  stop(): void {
    this.stopped = true;
  }

  /** Run until no events remain, stop() is called, or the next event is later than untilNs. */
  run(untilNs = Infinity): void {
    this.stopped = false;
    const heap = this.heap;
    while (!this.stopped && heap.size > 0 && heap.peekTimeNs() <= untilNs) {
      heap.pop();
      this.nowNs = heap.poppedTimeNs;
      const handler = this.handlers[heap.poppedKind];
      if (!handler) throw new Error(`no handler registered for event kind ${heap.poppedKind}`);
      this.dispatched++;
      handler(heap.poppedTimeNs, heap.poppedA, heap.poppedB);
    }
  }
}
