/**
 * One JSON object per snapshot (NDJSON). Counts are written as exact JSON
 * integers even past 2^53: JSON has no size limit, and JSON.stringify cannot
 * write a BigInt, so numbers are spliced in as digits.
 */
import type { CounterSnapshot, Snapshot } from '../model/snapshot.js';

// The sampler hands on the same CounterSnapshot while a counter does not
// change: its text is made once, not at every sample.
const counterTexts = new WeakMap<CounterSnapshot, string>();

function counterJson(c: CounterSnapshot): string {
  let text = counterTexts.get(c);
  if (text === undefined) {
    text =
      `{"interface":${JSON.stringify(c.interface)},"ifindex":${c.ifindex},"direction":"${c.direction}","family":"${c.family}",` +
      `"protocol":${c.protocol},"name":${JSON.stringify(c.name)},"bytes":${c.bytes},"packets":${c.packets}}`;
    counterTexts.set(c, text);
  }
  return text;
}

export function renderJson(snapshot: Snapshot): string {
  const counters = snapshot.counters.map(counterJson);
  const time = JSON.stringify(new Date(snapshot.time).toISOString());
  return `{"time":${time},"elapsed":${round(snapshot.elapsed)},"counters":[${counters.join(',')}]}\n`;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
