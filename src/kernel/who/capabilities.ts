/**
 * What attaching the socket hooks needs, checked before anything is loaded,
 * so a refusal names every missing capability at once (measured on 6.18):
 * CAP_NET_ADMIN to load and attach cgroup programs, CAP_PERFMON for the
 * creator's command name (bpf_get_current_comm) and the seed's iterators,
 * CAP_BPF for all of it; CAP_SYS_ADMIN alone covers the three.
 */
import { readFileSync } from 'node:fs';

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

const NEEDED = [
  ['CAP_BPF', CAP_BPF],
  ['CAP_NET_ADMIN', CAP_NET_ADMIN],
  ['CAP_PERFMON', CAP_PERFMON],
] as const;

/** The capabilities the hooks need that the effective set (CapEff of /proc/self/status) lacks. */
export function missingWhoCapabilities(status: string): string[] {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) return []; // no such line: let the kernel say
  const effective = BigInt(`0x${hex}`);
  const has = (bit: number): boolean => ((effective >> BigInt(bit)) & 1n) === 1n;
  if (has(CAP_SYS_ADMIN)) return [];
  return NEEDED.filter(([, bit]) => !has(bit)).map(([name]) => name);
}

export function missingWhoCapabilitiesHere(): string[] {
  try {
    return missingWhoCapabilities(readFileSync('/proc/self/status', 'latin1'));
  } catch {
    return [];
  }
}
