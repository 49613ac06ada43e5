// Public library API. Nothing else is public.
export { loadAddon } from './cost/native.js';
