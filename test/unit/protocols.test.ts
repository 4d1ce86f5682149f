import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVERFLOW_PROTOCOL } from '../../src/model/counters.js';
import { parseProtocolsFile, protocolName } from '../../src/model/protocols.js';

test('the headline protocols have fixed names on every machine', () => {
  assert.deepEqual(protocolName('ipv4', 6), { name: 'TCP', keyword: 'tcp', named: true });
  assert.deepEqual(protocolName('ipv6', 17), { name: 'UDP', keyword: 'udp', named: true });
  assert.deepEqual(protocolName('ipv4', 1), { name: 'ICMP', keyword: 'icmp', named: true });
  assert.deepEqual(protocolName('ipv6', 58), { name: 'IPv6-ICMP', keyword: 'ipv6-icmp', named: true });
  assert.equal(protocolName('ipv4', 47).name, 'GRE');
  assert.equal(protocolName('ipv4', 132).name, 'SCTP');
});

test('EtherTypes are named for the family "other", unknown ones in hex', () => {
  assert.equal(protocolName('other', 0x0806).name, 'ARP');
  assert.equal(protocolName('other', 0x88cc).name, 'LLDP');
  assert.equal(protocolName('other', 0x0800).name, 'IPv4-malformed');
  assert.equal(protocolName('other', 0x88b5).name, '0x88b5');
  assert.equal(protocolName('other', 0).name, '0x0000');
  assert.equal(protocolName('other', OVERFLOW_PROTOCOL).name, 'other-overflow');
});

test('an IP protocol in no table gets a numeric name', () => {
  assert.equal(protocolName('ipv4', 253).name, 'IP-253');
});

test('/etc/protocols is parsed for its IANA aliases, comments and blanks ignored', () => {
  const names = parseProtocolsFile(
    ['# comment', '', 'ip\t0\tIP\t\t# internet protocol', 'xtp\t36\tXTP', 'weird 300 W', 'nonum x Y', 'ddp 37 DDP', 'ddp2 37 DUP', 'bare 99'].join('\n'),
  );
  assert.equal(names.get(0), 'IP');
  assert.equal(names.get(36), 'XTP');
  assert.equal(names.get(37), 'DDP', 'the first line for a number wins');
  assert.equal(names.get(99), 'bare', 'without an alias the keyword is the name');
  assert.equal(names.has(300), false);
  assert.equal(names.size, 4);
});

test('unnamed protocols say so, so labels can fall back to the number', () => {
  assert.equal(protocolName('ipv4', 253).named, false);
  assert.equal(protocolName('other', 0x88b5).named, false);
});
