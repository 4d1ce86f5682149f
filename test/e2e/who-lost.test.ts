/**
 * A full owner table (owners_lost), for real: more UDP flows than the flows
 * table holds (65,536 entries, a UDP flow takes two: bpf/owner.h), one
 * datagram each. Every insert that found it full is counted in owners_lost
 * and the frames of the flows not recorded go to "none"; the parts still add up to the protocol counters exactly; JSON carries the count and
 * stderr warns once. The hooks at the cgroup2 root see every namespace, so
 * other flows on the host may fill the table too: the failed inserts are at
 * least the flows that went to "none" here, never fewer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { udp4Frame } from './frames.js';
import { counter, NetNs, requireRoot, startSockex, type JsonBreakdownCounter } from './harness.js';

const UDP = 17;
const PAYLOAD = 8;
/** 2 x 34,000 flows: more than the table holds. */
const PORTS = 34_000;
const ADDRESSES = ['127.0.0.1', '127.0.0.2'];

interface OwnerPart extends JsonBreakdownCounter {
  pid?: number;
  command?: string;
  owner?: string;
}

test('more UDP flows than the flows table holds: owners_lost counts the failed inserts, the frames are "none", the parts add up exactly, stderr warns once', async (t) => {
  if (!requireRoot(t)) return;
  const ns = NetNs.create(t, 'wholost');
  const sockex = await startSockex(ns, ['--json', '--interval', '0.5', '-i', 'lo', '--by', 'process'], true);
  t.after(() => sockex.child.kill());
  const { sent, pid } = JSON.parse(ns.tool('udp-flows', [String(PAYLOAD), '40000', String(PORTS), ...ADDRESSES])) as { sent: number; pid: number };
  assert.equal(sent, PORTS * ADDRESSES.length, 'every datagram was sent');
  const txUdp = { direction: 'tx', family: 'ipv4', protocol: UDP } as const;
  await sockex.sampleShowing((s) => counter(s, txUdp).packets === sent && s.owners_lost !== undefined);
  assert.equal(await sockex.stop(), 0, sockex.stderr);

  const sample = sockex.lastSample();
  assert.deepEqual(counter(sample, txUdp), { bytes: sent * udp4Frame(PAYLOAD), packets: sent });
  const parts = (sample.breakdown?.counters ?? []).filter((c) => c.direction === 'tx' && c.family === 'ipv4' && c.protocol === UDP) as OwnerPart[];
  const mine = parts.find((p) => p.pid === pid);
  const none = parts.find((p) => p.owner === 'none');
  assert.equal(parts.length, 2, JSON.stringify(parts));
  assert.ok(mine && none, JSON.stringify(parts));
  // Each flow is one datagram: a flow recorded is the sender's, a flow lost is "none".
  assert.equal(mine.packets + none.packets, sent);
  assert.equal(mine.bytes + none.bytes, sent * udp4Frame(PAYLOAD));
  assert.equal(none.bytes, none.packets * udp4Frame(PAYLOAD));
  assert.ok(mine.packets <= 65_536 / 2, `at most half the table's entries recorded (two per flow): ${mine.packets}`);
  const lost = sample.owners_lost;
  t.diagnostic(`sent ${sent}: the sender's ${mine.packets}, "none" ${none.packets}, owners_lost ${JSON.stringify(lost)}`);
  assert.ok(lost && lost.flows >= none.packets, `owners_lost ${JSON.stringify(lost)} counts at least one failed insert for each of the ${none.packets} flows that went to "none"`);
  // Every sample, also those taken while the table filled, adds up to the byte.
  for (const s of sockex.samples()) {
    for (const c of s.counters.filter((x) => x.family === 'ipv4')) {
      const split = (s.breakdown?.counters ?? []).filter((b) => b.direction === c.direction && b.family === c.family && b.protocol === c.protocol);
      const total = split.reduce((a, b) => ({ bytes: a.bytes + b.bytes, packets: a.packets + b.packets }), { bytes: 0, packets: 0 });
      assert.deepEqual(total, { bytes: c.bytes, packets: c.packets });
    }
    if (s.owners_lost) assert.ok(s.owners_lost.flows > 0 || s.owners_lost.bound > 0, 'owners_lost only once something was lost');
  }
  const warnings = sockex.stderr.split('\n').filter((line) => line.startsWith('sockex: the owner table "flows" is full'));
  assert.equal(warnings.length, 1, sockex.stderr);
  assert.match(
    warnings[0]!,
    /^sockex: the owner table "flows" is full \(65,536 entries: 32,768 flows, each filed twice; fixed at build\): \d+ inserts failed so far \(.*\), and the frames of what was not recorded count as owner "none" \(a flow is deleted once idle for 60 s;/,
  );
});
