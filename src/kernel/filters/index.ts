/** The filters room: a filter loaded, attached to an AF_PACKET socket on an interface (or all), and read. */
export { attachFilter } from './filter.js';
export type { AttachedFilter } from './types.js';
