/**
 * What user space adds to the owners the kernel recorded (model/owners.ts),
 * once per sample: the user name of a uid, the cgroup path of a cgroup id
 * with the container and pod it names, and whether a process is gone.
 * Everything it reads comes through injected functions, so it is pure
 * under test; main.ts gives it the real /proc, /etc/passwd and cgroup tree.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import type { BreakdownReading } from './breakdown.js';
import { containerPlace } from './container-ids.js';
import type { CgroupOwner, CgroupValue, OwnerWord, ProcessOwner, ProcessValue, UserOwner, UserValue } from './owners.js';
import { UserNames } from './user-names.js';

/** Cgroup paths by id, looked up together once per sample (kernel/cgroups/cgroup-paths.ts). */
export interface CgroupPathSource {
  paths(ids: ReadonlySet<bigint>): ReadonlyMap<bigint, string>;
}

/** A process's command name now (/proc/<pid>/comm without its newline), or undefined when there is no such pid. */
export type ReadCommand = (pid: number) => string | undefined;

function procCommand(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

/** The initial pid namespace's inode (PROC_PID_INIT_INO): the one whose pids the kernel records. */
const INITIAL_PID_NAMESPACE = 'pid:[4026531836]';

/**
 * /proc's command reader where its pids are the kernel's (sockex in the
 * initial pid namespace); elsewhere (a pod without hostPID) /proc shows
 * other pids, and no process can be told gone: undefined.
 */
function hostCommandReader(): ReadCommand | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid') === INITIAL_PID_NAMESPACE ? procCommand : undefined;
  } catch {
    return undefined;
  }
}

export interface OwnerDetailsOptions {
  readonly userNames?: { name(uid: number): string | undefined };
  readonly cgroups?: CgroupPathSource;
  /** undefined: whether a process is gone cannot be told (no process is marked exited). Default: /proc where its pids are the kernel's. */
  readonly readCommand?: ReadCommand | undefined;
}

export class OwnerDetails {
  private readonly userNames: { name(uid: number): string | undefined };
  private readonly cgroups: CgroupPathSource | undefined;
  private readonly readCommand: ReadCommand | undefined;
  /**
   * Processes found gone, by pid/command/uid, among the last sample's
   * owners: gone stays gone, though a new process may take the pid with the
   * same command. Only those still counted are remembered, so it stays as
   * small as the kernel's table.
   */
  private exited = new Set<string>();
  /**
   * The last sample's owners with their details, one frozen object each by
   * what they show, and what each reading was filled to: a reading whose
   * owner shows the same keeps its filled reading (and downstream its
   * counter), as a reading handed on does.
   */
  private owners = new Map<string, ProcessOwner | UserOwner | CgroupOwner>();
  private filled = new WeakMap<BreakdownReading, BreakdownReading>();

  constructor(options: OwnerDetailsOptions = {}) {
    this.userNames = options.userNames ?? new UserNames();
    this.cgroups = options.cgroups;
    this.readCommand = 'readCommand' in options ? options.readCommand : hostCommandReader();
  }

  /** The readings with their owners' details added (readings without owners are handed back as they are). */
  fill(readings: readonly BreakdownReading[]): BreakdownReading[] {
    const ids = new Set<bigint>();
    for (const r of readings) if (r.cgroup !== undefined && typeof r.cgroup !== 'string') ids.add(r.cgroup.id);
    const paths = ids.size > 0 && this.cgroups ? this.cgroups.paths(ids) : new Map<bigint, string>();
    // One look at /proc per process per sample, however many counters it has.
    const alive = new Map<string, boolean>();
    const owners = new Map<string, ProcessOwner | UserOwner | CgroupOwner>();
    const one = <T extends ProcessOwner | UserOwner | CgroupOwner>(value: T | OwnerWord): T | OwnerWord => {
      if (typeof value === 'string') return value;
      const text = ownerText(value);
      const known = (owners.get(text) ?? this.owners.get(text)) as T | undefined;
      const out = known ?? Object.freeze(value);
      owners.set(text, out);
      return out;
    };
    const filled = readings.map((r) => {
      if (r.process === undefined && r.user === undefined && r.cgroup === undefined) return r;
      const process = r.process === undefined ? undefined : one(this.processDetails(r.process, alive));
      const user = r.user === undefined ? undefined : one(this.userDetails(r.user));
      const cgroup = r.cgroup === undefined ? undefined : one(cgroupDetails(r.cgroup, paths));
      const last = this.filled.get(r);
      if (last && last.process === process && last.user === user && last.cgroup === cgroup) return last;
      const out: BreakdownReading = Object.freeze({
        ...r,
        ...(process === undefined ? {} : { process }),
        ...(user === undefined ? {} : { user }),
        ...(cgroup === undefined ? {} : { cgroup }),
      });
      this.filled.set(r, out);
      return out;
    });
    this.exited = new Set([...alive].filter(([, isAlive]) => !isAlive).map(([key]) => key));
    this.owners = owners;
    return filled;
  }

  private processDetails(p: ProcessValue, alive: Map<string, boolean>): ProcessValue {
    if (typeof p === 'string') return p;
    const user = this.userNames.name(p.uid);
    const key = `${p.pid}/${p.command}/${p.uid}`;
    let isAlive = alive.get(key);
    if (isAlive === undefined) {
      // The kernel may have seen the exit itself; else /proc tells, where it can.
      isAlive = p.exited !== true && !this.exited.has(key) && (this.readCommand === undefined || this.readCommand(p.pid) === p.command);
      alive.set(key, isAlive);
    }
    const out: ProcessOwner = { pid: p.pid, command: p.command, uid: p.uid, ...(user === undefined ? {} : { user }), ...(isAlive ? {} : { exited: true }) };
    return out;
  }

  private userDetails(u: UserValue): UserValue {
    if (typeof u === 'string') return u;
    const user = this.userNames.name(u.uid);
    const out: UserOwner = { uid: u.uid, ...(user === undefined ? {} : { user }) };
    return out;
  }
}

function cgroupDetails(c: CgroupValue, paths: ReadonlyMap<bigint, string>): CgroupValue {
  if (typeof c === 'string') return c;
  const path = paths.get(c.id);
  if (path === undefined) return { id: c.id };
  const out: CgroupOwner = { id: c.id, path, ...containerPlace(path) };
  return out;
}

/** Everything an owner with its details shows, as text: equal texts, equal owners. */
function ownerText(o: ProcessOwner | UserOwner | CgroupOwner): string {
  if ('pid' in o) return `process\0${o.pid}\0${o.command}\0${o.uid}\0${o.user ?? ''}\0${o.exited === true}`;
  if ('id' in o) return `cgroup\0${o.id}\0${o.path ?? ''}`;
  return `user\0${o.uid}\0${o.user ?? ''}`;
}
