/**
 * Who sockex becomes after attaching: the sudo user, else nobody.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nobodyFromPasswd, targetIdentity } from '../../src/kernel/privileges.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65533:nobody:/nonexistent:/usr/sbin/nologin\n';

test('through sudo: the invoking user and group', () => {
  assert.deepEqual(targetIdentity({ SUDO_UID: '1000', SUDO_GID: '1001' }, PASSWD), { uid: 1000, gid: 1001, source: 'sudo user' });
});

test('not through sudo, or sudo from root: nobody, as /etc/passwd has it', () => {
  assert.deepEqual(targetIdentity({}, PASSWD), { uid: 65534, gid: 65533, source: 'nobody' });
  assert.deepEqual(targetIdentity({ SUDO_UID: '0', SUDO_GID: '0' }, PASSWD), { uid: 65534, gid: 65533, source: 'nobody' });
});

test('malformed SUDO_UID/SUDO_GID are ignored, never half-used', () => {
  for (const env of [
    { SUDO_UID: '1000' },
    { SUDO_UID: '-1', SUDO_GID: '1000' },
    { SUDO_UID: '1000x', SUDO_GID: '1000' },
    { SUDO_UID: '4294967295', SUDO_GID: '1000' },
    { SUDO_UID: '', SUDO_GID: '' },
  ]) {
    assert.equal(targetIdentity(env, PASSWD).source, 'nobody', JSON.stringify(env));
  }
});

test('no nobody in /etc/passwd: the conventional 65534', () => {
  assert.equal(nobodyFromPasswd('root:x:0:0::/root:/bin/sh\n'), undefined);
  assert.deepEqual(targetIdentity({}, ''), { uid: 65534, gid: 65534, source: 'nobody' });
});
