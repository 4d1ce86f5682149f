/**
 * The owner tables' layout: what bpf/build/who.bpf.o and who-seed.bpf.o were
 * compiled with (their BTF) against src/kernel/who/layout.ts, and the
 * tap's who builds: their names and their keys' owners decoded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FLOW_KEY_SIZE, FLOW_LAST_USED, FLOW_SIZE, OWNER_LAYOUT, OWNER_SIZE, SEED_OBJECT, WHO_OBJECT } from '../../src/kernel/who/layout.js';
import { BY_KEY_OWNER, BY_LAYOUT, BY_OWNER_KEY_SIZE, byObjectName, decodeByKey } from '../../src/kernel/maps/breakdown-layout.js';
import { Btf } from './btf.js';

test('both objects hold the owner structs and maps layout.ts reads', () => {
  for (const object of [WHO_OBJECT, SEED_OBJECT]) {
    const btf = new Btf(object);
    assert.deepEqual(
      btf.struct('sockex_owner'),
      { size: OWNER_SIZE, fields: [['cgroup_id', 0, 8], ['tgid', 8, 4], ['uid', 12, 4], ['comm', 16, 16], ['flags', 32, 4], ['pad', 36, 4]] },
      object,
    );
    assert.deepEqual(
      btf.struct('sockex_flow_key'),
      {
        size: FLOW_KEY_SIZE,
        fields: [['netns', 0, 8], ['local', 8, 16], ['remote', 24, 16], ['local_port', 40, 2], ['remote_port', 42, 2], ['family', 44, 1], ['protocol', 45, 1], ['pad', 46, 2]],
      },
      object,
    );
    assert.deepEqual(btf.struct('sockex_flow'), { size: FLOW_SIZE, fields: [['owner', 0, OWNER_SIZE], ['last_used_ns', FLOW_LAST_USED, 8], ['netns', FLOW_LAST_USED + 8, 8]] }, object);
    assert.deepEqual(btf.map('flows'), { maxEntries: OWNER_LAYOUT.SOCKEX_FLOWS_MAX, key: 'sockex_flow_key', value: 'sockex_flow' }, object);
    assert.deepEqual(btf.map('bound'), { maxEntries: OWNER_LAYOUT.SOCKEX_BOUND_MAX, key: 'sockex_bound_key', value: 'sockex_bound' }, object);
  }
  assert.deepEqual(new Btf(WHO_OBJECT).map('owners_lost'), { maxEntries: OWNER_LAYOUT.SOCKEX_LOST_SLOTS, key: 'unsigned int', value: 'unsigned long long' });
});

test('the flags and slots BTF cannot carry mirror bpf/owner.h', () => {
  const header = readFileSync(new URL('../../../bpf/owner.h', import.meta.url), 'utf8');
  for (const name of ['SOCKEX_OWNER_SOCKET', 'SOCKEX_OWNER_KERNEL', 'SOCKEX_OWNER_FRAGMENT', 'SOCKEX_LOST_FLOWS', 'SOCKEX_LOST_BOUND'] as const) {
    assert.equal(Number(new RegExp(`#define ${name} (\\d+)`).exec(header)?.[1]), OWNER_LAYOUT[name], name);
  }
});

test('the who builds are named by owner, then host and port, and their keys decode to the owner they split by', () => {
  assert.equal(byObjectName(['process']), 'sockex-by-process.bpf.o');
  assert.equal(byObjectName(['port', 'host', 'cgroup']), 'sockex-by-cgroup-host-port.bpf.o');
  assert.equal(byObjectName(['port', 'user']), 'sockex-by-user-port.bpf.o');
  assert.equal(byObjectName(['port', 'host']), 'sockex-by-host-port.bpf.o');

  const key = Buffer.alloc(BY_OWNER_KEY_SIZE);
  key.writeUInt8(17, 18); // UDP
  key.writeUInt8(0, 19); // tx
  key.writeUInt8(BY_LAYOUT.SOCKEX_BY_OWNER_SOCKET, 21);
  key.writeBigUInt64LE(777n, BY_KEY_OWNER);
  key.writeUInt32LE(4242, BY_KEY_OWNER + 8);
  key.writeUInt32LE(1000, BY_KEY_OWNER + 12);
  key.write('iperf3', BY_KEY_OWNER + 16, 'latin1');
  const base = { direction: 'tx', family: 'ipv4', protocol: 17 };
  assert.deepEqual(decodeByKey(key, 0, ['process']), { ...base, process: { pid: 4242, command: 'iperf3', uid: 1000 } });
  assert.deepEqual(decodeByKey(key, 0, ['user']), { ...base, user: { uid: 1000 } });
  assert.deepEqual(decodeByKey(key, 0, ['port', 'cgroup']), { ...base, port: 'none', cgroup: { id: 777n } });
  key.writeUInt8(BY_LAYOUT.SOCKEX_BY_OWNER_KERNEL, 21);
  assert.deepEqual(decodeByKey(key, 0, ['process']), { ...base, process: 'kernel' });
  key.writeUInt8(0, 21);
  assert.deepEqual(decodeByKey(key, 0, ['cgroup']), { ...base, cgroup: 'none' });
});
