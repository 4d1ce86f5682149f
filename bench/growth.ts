/**
 * Section 6: the cost of one sample as interfaces are added (measured, on
 * veth interfaces in a namespace) and as CPUs are added (on paper: per-CPU
 * maps copy one value per possible CPU).
 */
import { NetNs } from './env.js';
import { PROBE } from './env.js';
import { count, fixed, table, type SectionResult } from './stats.js';
import { ARRAY_SLOTS, COUNTER_SIZE, TABLE_SIZE } from '../src/kernel/layout.js';

interface ReadCost {
  interfaces: number;
  cpus: number;
  syscalls: number;
  bytes: number;
  ms: number;
}

export async function growth(options: { samples: number }): Promise<SectionResult> {
  const ns = new NetNs('growth');
  const rows: string[][] = [];
  let cpus = 0;
  try {
    const names: string[] = [];
    for (let i = 0; i < 16; i++) {
      ns.exec('ip', ['link', 'add', `va${i}`, 'type', 'veth', 'peer', 'name', `vb${i}`]);
      ns.exec('ip', ['link', 'set', `va${i}`, 'up']);
      ns.exec('ip', ['link', 'set', `vb${i}`, 'up']);
      names.push(`va${i}`);
    }
    for (const n of [1, 4, 16]) {
      const cost = JSON.parse(ns.exec(process.execPath, [PROBE, 'read-cost', String(options.samples), ...names.slice(0, n)])) as ReadCost;
      cpus = cost.cpus;
      rows.push([String(n), String(cost.syscalls), count(cost.bytes), fixed(cost.ms, 3), fixed(cost.ms / n, 3)]);
    }
  } finally {
    ns.delete();
  }
  // The array map returns every slot each time (key and per-CPU values); the hash map only the EtherTypes seen (none here).
  const perInterface = (c: number): number => 4 + c * TABLE_SIZE;
  const paper = [2, 8, 32, 128, 512].map((c) => [String(c), count(perInterface(c)), count(perInterface(c) * 16)]);
  const text = [
    '### 6. Growth: the cost of one sample',
    '',
    `Measured: sockex's filter attached to N veth interfaces in a namespace (${cpus} possible CPUs), one sample = per interface one lookup of the IP table and one batched lookup of the EtherType hash, + summing + the Sampler, median of ${options.samples}.`,
    '',
    table(['interfaces', 'syscalls', 'bytes copied', 'ms per sample', 'ms per interface'], rows),
    '',
    `On paper, as CPUs grow: per-CPU values are copied for every possible CPU, so one interface's IP table costs 4 + CPUs x ${TABLE_SIZE} bytes per sample (${ARRAY_SLOTS} slots of ${COUNTER_SIZE} bytes; the EtherType hash adds 4 + CPUs x ${COUNTER_SIZE} bytes per EtherType seen). Syscalls stay 2 per interface; the copy and the zero scan grow with the CPUs.`,
    '',
    table(['possible CPUs', 'bytes per interface', 'bytes for 16 interfaces'], paper),
  ].join('\n');
  return { text, goals: [] };
}
