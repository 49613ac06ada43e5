export { EventHeap } from './eventHeap.js';
export { EventLoop, type EventHandler } from './eventLoop.js';
