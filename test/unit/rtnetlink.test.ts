/**
 * The rtnetlink encoding and parsing, on byte buffers laid out as the kernel
 * sends them (nlmsghdr, ifinfomsg, rtattrs padded to 4 bytes, several
 * messages per datagram).
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { encodeLinkDumpRequest, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, parseLinkMessages } from '../../src/kernel/links/rtnetlink.js';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_MULTI = 2;
const AF_BRIDGE = 7;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;

function rtattr(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(4 + value.length, 0);
  header.writeUInt16LE(type, 2);
  return pad(Buffer.concat([header, value]));
}

const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
const cstring = (s: string): Buffer => Buffer.from(`${s}\0`);
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

function nlmsg(type: number, seq: number, body: Buffer, flags = 0): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + body.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt32LE(seq, 8);
  return pad(Buffer.concat([header, body]));
}

function ifinfo(o: { family?: number; type: number; ifindex: number; flags: number }, attributes: Buffer[]): Buffer {
  const info = Buffer.alloc(16);
  info.writeUInt8(o.family ?? 0, 0);
  info.writeUInt16LE(o.type, 2);
  info.writeInt32LE(o.ifindex, 4);
  info.writeUInt32LE(o.flags, 8);
  info.writeUInt32LE(0xffffffff, 12);
  return Buffer.concat([info, ...attributes]);
}

test('the dump request: RTM_GETLINK, NLM_F_REQUEST|NLM_F_DUMP, its sequence number, an empty ifinfomsg', () => {
  assert.equal(encodeLinkDumpRequest(7).toString('hex'), '20000000' + '1200' + '0103' + '07000000' + '00000000' + '00'.repeat(16));
});

test('a dump batch: several links, attributes before and after the name, then done', () => {
  const up = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
  const datagram = Buffer.concat([
    nlmsg(RTM_NEWLINK, 9, ifinfo({ type: 772, ifindex: 1, flags: up | 0x8 }, [rtattr(IFLA_IFNAME, cstring('lo')), rtattr(IFLA_MTU, u32(65536))]), NLM_F_MULTI),
    nlmsg(
      RTM_NEWLINK,
      9,
      ifinfo({ type: 1, ifindex: 12, flags: IFF_UP | 0x1002 }, [rtattr(IFLA_ADDRESS, Buffer.from([2, 0, 0, 0, 0, 0xa])), rtattr(IFLA_IFNAME, cstring('veth-long-name1'))]),
      NLM_F_MULTI,
    ),
    nlmsg(NLMSG_DONE, 9, u32(0), NLM_F_MULTI),
  ]);
  assert.deepEqual(parseLinkMessages(datagram), [
    { kind: 'link', seq: 9, link: { ifindex: 1, name: 'lo', type: 772, flags: up | 0x8 } },
    { kind: 'link', seq: 9, link: { ifindex: 12, name: 'veth-long-name1', type: 1, flags: IFF_UP | 0x1002 } },
    { kind: 'done', seq: 9 },
  ]);
});

test('notifications: a new link, a deleted one; only the length given is read', () => {
  const gone = nlmsg(RTM_DELLINK, 0, ifinfo({ type: 1, ifindex: 5, flags: 0 }, [rtattr(IFLA_IFNAME, cstring('va'))]));
  const tun = nlmsg(RTM_NEWLINK, 0, ifinfo({ type: 65534, ifindex: 6, flags: IFF_UP }, [rtattr(IFLA_IFNAME, cstring('tun0'))]));
  const buffer = Buffer.alloc(4096, 0xee);
  Buffer.concat([gone, tun]).copy(buffer);
  assert.deepEqual(parseLinkMessages(buffer, gone.length + tun.length), [
    { kind: 'gone', seq: 0, ifindex: 5 },
    { kind: 'link', seq: 0, link: { ifindex: 6, name: 'tun0', type: 65534, flags: IFF_UP } },
  ]);
});

test('a bridge port leaving its bridge (AF_BRIDGE RTM_DELLINK) is not a link gone', () => {
  const port = nlmsg(RTM_DELLINK, 0, ifinfo({ family: AF_BRIDGE, type: 1, ifindex: 5, flags: IFF_UP }, [rtattr(IFLA_IFNAME, cstring('va'))]));
  assert.deepEqual(parseLinkMessages(port), []);
});

test('errors carry the errno; an acknowledgement (0) is no error', () => {
  const error = (errno: number): Buffer => {
    const body = Buffer.alloc(4 + 16);
    body.writeInt32LE(-errno, 0);
    return nlmsg(NLMSG_ERROR, 3, body);
  };
  const { EINVAL } = constants.errno;
  assert.deepEqual(parseLinkMessages(Buffer.concat([error(0), error(EINVAL)])), [{ kind: 'error', seq: 3, errno: EINVAL }]);
});

test('truncated input: what is whole is read, the rest is left', () => {
  const whole = nlmsg(RTM_NEWLINK, 0, ifinfo({ type: 1, ifindex: 3, flags: 0 }, [rtattr(IFLA_IFNAME, cstring('eth0'))]));
  const cut = nlmsg(RTM_NEWLINK, 0, ifinfo({ type: 1, ifindex: 4, flags: 0 }, [rtattr(IFLA_IFNAME, cstring('eth1'))]));
  const messages = parseLinkMessages(Buffer.concat([whole, cut.subarray(0, 30)]));
  assert.deepEqual(messages, [{ kind: 'link', seq: 0, link: { ifindex: 3, name: 'eth0', type: 1, flags: 0 } }]);
  // An attribute whose length runs past its message: the message has no usable name.
  const bad = nlmsg(RTM_NEWLINK, 0, ifinfo({ type: 1, ifindex: 4, flags: 0 }, [Buffer.from([0xff, 0x00, IFLA_IFNAME, 0x00])]));
  assert.deepEqual(parseLinkMessages(bad), []);
});
