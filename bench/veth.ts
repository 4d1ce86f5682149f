/**
 * Many interfaces for the growth benchmark and the soak: veth pairs
 * va<i>/vb<i> in a namespace (one `ip -batch`), and frames sent from both
 * ends so every interface has counters (bench/veth-frames.ts).
 */
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, run, type NetNs } from './env.js';

const FRAMES = `${ROOT}dist/bench/veth-frames.js`;

/** IP protocols whose frames veth-frames sends: one tx and one rx counter per interface each. */
export const UDP = 17;
export const TCP = 6;
export const ICMP = 1;

/**
 * pairs veth pairs, up, in ns. IPv6 is switched off in ns first: its
 * autoconfiguration would send frames of its own, at times of its own.
 */
export function addVethPairs(ns: NetNs, pairs: number): void {
  ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  if (pairs === 0) return;
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++) lines.push(`link add va${i} type veth peer name vb${i}`);
  for (let i = 0; i < pairs; i++) lines.push(`link set va${i} up`, `link set vb${i} up`);
  const file = `${tmpdir()}/sockex-veth-${process.pid}-${ns.name}.batch`;
  writeFileSync(file, `${lines.join('\n')}\n`);
  try {
    run('ip', ['-n', ns.name, '-batch', file], 120_000);
  } finally {
    rmSync(file, { force: true });
  }
}

/** One frame per protocol from each end of pairs first..first+count-1: per interface and protocol a tx and an rx counter. */
export function sendVethFrames(ns: NetNs, first: number, count: number, protocols: readonly number[]): number {
  if (count === 0) return 0;
  const { frames } = JSON.parse(ns.exec(process.execPath, [FRAMES, String(first), String(count), ...protocols.map(String)], 120_000)) as { frames: number };
  return frames;
}
