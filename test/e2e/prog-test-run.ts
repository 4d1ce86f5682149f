/**
 * The kernel's test-run facility (BPF_PROG_TEST_RUN through libbpf's
 * bpf_prog_test_run_opts): runs the loaded filter once on a frame we craft,
 * without any network. For a socket filter the kernel builds an skb from the
 * frame, sets skb->protocol and pkt_type with eth_type_trans() on the
 * namespace's loopback device, and pulls the Ethernet header first, so
 * skb->len is the frame's length minus 14.
 */
import type { Native } from '../../src/kernel/libbpf/native.js';

/** sizeof(struct bpf_test_run_opts) in /usr/include/bpf/bpf.h (libbpf 1.x, 64-bit). */
const OPTS_SIZE = 80;
const OFFSET = { sz: 0, dataIn: 8, dataSizeIn: 24, retval: 56, repeat: 60 } as const;

export interface TestRunResult {
  /** 0, or the negative errno libbpf returned (e.g. -EINVAL for a runt). */
  err: number;
  /** The program's return value (meaningful when err is 0). */
  retval: number;
}

export function testRun(native: Native, programFd: number, frame: Buffer): TestRunResult {
  const { koffi, libbpf } = native;
  // The kernel copies data_in by address: it must live in memory koffi owns.
  const data = koffi.alloc('uint8_t', Math.max(frame.length, 1));
  try {
    if (frame.length > 0) koffi.encode(data, 'uint8_t', [...frame], frame.length);
    const opts = Buffer.alloc(OPTS_SIZE);
    opts.writeBigUInt64LE(BigInt(OPTS_SIZE), OFFSET.sz);
    opts.writeBigUInt64LE(koffi.address(data), OFFSET.dataIn);
    opts.writeUInt32LE(frame.length, OFFSET.dataSizeIn);
    opts.writeInt32LE(1, OFFSET.repeat);
    const err = libbpf.progTestRun(programFd, opts);
    return { err, retval: opts.readUInt32LE(OFFSET.retval) };
  } finally {
    koffi.free(data);
  }
}
