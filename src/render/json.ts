/**
 * One JSON object per snapshot (NDJSON). Counts are written as exact JSON
 * integers even past 2^53: JSON has no size limit, and JSON.stringify cannot
 * write a BigInt, so numbers are spliced in as digits. Beside each count, its
 * rate over the snapshot's "interval" (seconds since the previous sample), so
 * a script need not diff samples.
 */
import type { Breakdown, BreakdownCounter } from '../model/breakdown.js';
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';
import { ownerDetailFields, ownerKeyFields } from './owner-fields.js';

// The sampler hands on the same CounterSnapshot while a counter does not
// change: its text is made once, not at every sample.
const counterTexts = new WeakMap<CounterSnapshot, string>();

function counterJson(c: CounterSnapshot): string {
  let text = counterTexts.get(c);
  if (text === undefined) {
    text = `{${keyFields(c)},${countFields(c)}}`;
    counterTexts.set(c, text);
  }
  return text;
}

export function renderJson(snapshot: Snapshot): string {
  const counters = snapshot.counters.map(counterJson);
  const time = JSON.stringify(new Date(snapshot.time).toISOString());
  const breakdown = snapshot.breakdown ? `,"breakdown":${renderBreakdown(snapshot.breakdown)}` : '';
  const interval = Math.round(snapshot.interval * 1e6) / 1e6;
  const lost = snapshot.breakdown?.ownersLost;
  const ownersLost = lost ? `,"owners_lost":{"flows":${lost.flows},"bound":${lost.bound}}` : '';
  return `{"time":${time},"elapsed":${round(snapshot.elapsed)},"interval":${interval},"counters":[${counters.join(',')}]${breakdown}${ownersLost}}\n`;
}

/**
 * {"by":["port"],"counters":[...]}: each counter keyed like a protocol
 * counter plus "port" (a number, "none" or "other"; "service" beside a
 * named one) and/or "host" (an address, "none" or "other"); split by owner,
 * the kernel's flat fields: "pid", "command", "uid" (process), "uid" (user),
 * "cgroup_id" (cgroup), or "owner": "kernel", "fragment", "none" or "other"; and the
 * owner's details where known (both in owner-fields.ts).
 */
function renderBreakdown(breakdown: Breakdown): string {
  const counters = breakdown.counters.map((c) => {
    const port = c.port === undefined ? '' : `,"port":${JSON.stringify(c.port)}${c.service === undefined ? '' : `,"service":${JSON.stringify(c.service)}`}`;
    const host = c.host === undefined ? '' : `,"host":${JSON.stringify(c.host)}`;
    return `{${keyFields(c)}${ownerKeyFields(c)}${port}${host}${ownerDetailFields(c)},${countFields(c)}}`;
  });
  return `{"by":${JSON.stringify(breakdown.by)},"counters":[${counters.join(',')}]}`;
}

/** What a counter is keyed by, as every counter (protocol or breakdown) starts. */
function keyFields(c: CounterSnapshot | BreakdownCounter): string {
  return (
    `"interface":${JSON.stringify(c.interface)},"ifindex":${c.ifindex},${generationField(c)}"direction":"${c.direction}","family":"${c.family}",` +
    `"protocol":${c.protocol},"name":${JSON.stringify(c.name)}`
  );
}

/** "generation" only for a link that took the ifindex of one before it (-i any). */
function generationField(c: CounterSnapshot | BreakdownCounter): string {
  return 'generation' in c && c.generation !== undefined ? `"generation":${c.generation},` : '';
}

function countFields(c: { bytes: bigint; packets: bigint; bytesPerSecond: number; packetsPerSecond: number }): string {
  return `"bytes":${c.bytes},"packets":${c.packets},"bytesPerSecond":${round(c.bytesPerSecond)},"packetsPerSecond":${round(c.packetsPerSecond)}`;
}

/** Three decimals: milliseconds of elapsed time, thousandths of a byte or packet per second. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
