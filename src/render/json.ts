/**
 * One JSON object per snapshot (NDJSON). Counts are written as exact JSON
 * integers even past 2^53: JSON has no size limit, and JSON.stringify cannot
 * write a BigInt, so numbers are spliced in as digits.
 */
import type { Snapshot } from '../model/snapshot.js';

export function renderJson(snapshot: Snapshot): string {
  const counters = snapshot.counters.map(
    (c) =>
      `{"interface":${JSON.stringify(c.interface)},"ifindex":${c.ifindex},"direction":"${c.direction}","family":"${c.family}",` +
      `"protocol":${c.protocol},"name":${JSON.stringify(c.name)},"bytes":${c.bytes},"packets":${c.packets}}`,
  );
  const time = JSON.stringify(new Date(snapshot.time).toISOString());
  return `{"time":${time},"elapsed":${round(snapshot.elapsed)},"counters":[${counters.join(',')}]}\n`;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
