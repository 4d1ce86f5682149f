/**
 * Runs with a lot of output and a reader that does not read yet, for the
 * tests of what sockex delivers (and of stopping while it waits to).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { killOnEnd } from './cli-run.js';
import { CLI, RunningSockex, counter, type JsonSample, type NetNs } from './harness.js';

/** EtherTypes no protocol table names: each is a counter of its own, in each direction. */
const FIRST_ETHERTYPE = 0x9000;
const FRAME_SIZE = 60;

/** One frame of each of `how` EtherTypes on lo (each seen tx and rx): about 110 bytes of JSON each. */
function sendEtherTypes(ns: NetNs, how: number): void {
  const last = FIRST_ETHERTYPE + how - 1;
  ns.tool('raw-frames', ['lo', `${FIRST_ETHERTYPE}-${last}`, '1', String(FRAME_SIZE)]);
}

export function assertEachEtherTypeOnce(sample: JsonSample, how: number): void {
  for (let ethertype = FIRST_ETHERTYPE; ethertype < FIRST_ETHERTYPE + how; ethertype++) {
    for (const direction of ['tx', 'rx'] as const) {
      const seen = counter(sample, { interface: 'lo', direction, family: 'other', protocol: ethertype });
      assert.deepEqual(seen, { bytes: FRAME_SIZE, packets: 1 }, `${direction} 0x${ethertype.toString(16)}`);
    }
  }
}

/**
 * sockex (program: default the bundled bin, CLI) in the namespace, its reader
 * stalled until stdout.resume(), killed when the test ends; once it is
 * attached, one frame of each of `etherTypes` EtherTypes sent on lo.
 */
export async function stalledWithTraffic(t: TestContext, ns: NetNs, args: string[], etherTypes: number, program = CLI): Promise<RunningSockex> {
  const sockex = killOnEnd(t, new RunningSockex(ns.spawn(process.execPath, [program, ...args])));
  sockex.child.stdout?.pause();
  await sockex.attached();
  sendEtherTypes(ns, etherTypes);
  return sockex;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
