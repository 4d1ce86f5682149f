/**
 * What a compiled filter was built with, read from its BTF (bpftool btf dump
 * file X, as JSON): struct layouts and map sizes. The layout tests compare
 * src/kernel/maps/ with these rather than with the text of bpf/sockex.h.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../../bpf/build/', import.meta.url));

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: { name: string; type_id: number; bits_offset: number }[];
}

/** A struct as [field, byte offset, byte size] in order, and its size. */
export interface StructLayout {
  size: number;
  fields: [string, number, number][];
}

export class Btf {
  private readonly types: Map<number, BtfType>;

  /** object: a file name in bpf/build/, e.g. sockex.bpf.o. */
  constructor(object: string) {
    const dump = JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', `${BUILD}${object}`], { encoding: 'utf8' })) as { types: BtfType[] };
    this.types = new Map(dump.types.map((t) => [t.id, t]));
  }

  struct(name: string): StructLayout {
    const struct = [...this.types.values()].find((t) => t.kind === 'STRUCT' && t.name === name);
    if (!struct) throw new Error(`no struct ${name} in the BTF`);
    return {
      size: struct.size ?? 0,
      fields: (struct.members ?? []).map((m) => [m.name, m.bits_offset / 8, this.sizeOf(m.type_id)]),
    };
  }

  /** The element count of an array member of a struct (struct sockex_ip_table's slot). */
  arrayLength(structName: string, member: string): number {
    const struct = [...this.types.values()].find((t) => t.kind === 'STRUCT' && t.name === structName);
    const array = this.type(struct?.members?.find((m) => m.name === member)?.type_id ?? 0);
    if (array.kind !== 'ARRAY') throw new Error(`${structName}.${member} is not an array`);
    return array.nr_elems ?? 0;
  }

  /** A map's max_entries, and the names of its key and value types (typedefs resolved: __u32 is unsigned int). */
  map(name: string): { maxEntries: number; key: string; value: string } {
    const variable = [...this.types.values()].find((t) => t.kind === 'VAR' && t.name === name);
    if (!variable) throw new Error(`no map ${name} in the BTF`);
    const members = this.type(variable.type_id ?? 0).members ?? [];
    // libbpf's __uint(max_entries, N) is "int (*max_entries)[N]", __type(key, T) is "T *key".
    const pointee = (member: string): BtfType => this.type(this.type(members.find((m) => m.name === member)?.type_id ?? 0).type_id ?? 0);
    return { maxEntries: pointee('max_entries').nr_elems ?? 0, key: this.named(pointee('key')), value: this.named(pointee('value')) };
  }

  private type(id: number): BtfType {
    const type = this.types.get(id);
    if (!type) throw new Error(`no BTF type ${id}`);
    return type;
  }

  private named(type: BtfType): string {
    return type.kind === 'TYPEDEF' ? this.named(this.type(type.type_id ?? 0)) : type.name;
  }

  private sizeOf(id: number): number {
    const type = this.type(id);
    if (type.kind === 'ARRAY') return (type.nr_elems ?? 0) * this.sizeOf(type.type_id ?? 0);
    if (type.size !== undefined) return type.size;
    return this.sizeOf(type.type_id ?? 0); // typedef, const, volatile
  }
}
