/**
 * examples/kubernetes, checked without a cluster: `kubectl kustomize` renders
 * it offline, every object it renders is valid against the Kubernetes API's
 * schemas (kubernetes-models), the DaemonSet grants what docs/fleet.md says,
 * and its container's arguments run sockex as the pod would: root holding
 * exactly the container's capabilities, no new privileges, the node's
 * cgroup2 hierarchy where the volume puts it, a pod's container named. The image cannot
 * be built here (no container engine): what its Containerfile copies must be
 * what `npm pack` makes, and its default command must be the DaemonSet's (on
 * every address), as docs/fleet.md runs it by hand, and run so.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { parseAllDocuments } from 'yaml';
import { VERSION } from '../../src/cli.js';
import { ExitCode } from '../../src/errors.js';
import { bindCgroup2Root, TestCgroup } from './cgroups.js';
import { CLI, NetNs, ROOT, TOOLS, requireRoot, run, vethPair } from './harness.js';
import { udp4Frame } from './frames.js';
import { scrapeUntil, startService } from './metrics-service.js';
import { unitEnvironment } from './unit-file.js';

const EXAMPLE = `${ROOT}examples/kubernetes`;
/** What the container is given, no more: docs/fleet.md names each as CAP_<name>. */
const CAPABILITIES = ['BPF', 'NET_ADMIN', 'PERFMON', 'NET_RAW', 'SETUID', 'SETGID'];
const ARGS = ['--quiet', '--interface', 'any', '--by', 'cgroup', '--cgroup2', '/host/sys/fs/cgroup', '--metrics', '$(HOST_IP):9469'];

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** A model per kind the example holds; a kind without one fails the test until it gets one. */
const MODELS: Record<string, (object: KubeObject) => { validate(): void }> = {
  'v1 Namespace': (o) => new Namespace(o),
  'apps/v1 DaemonSet': (o) => new DaemonSet(o as DaemonSet),
  'monitoring.coreos.com/v1 PodMonitor': (o) => new PodMonitor(o as PodMonitor),
};

function validate(object: KubeObject): void {
  const model = MODELS[`${object.apiVersion} ${object.kind}`];
  assert.ok(model, `no schema here for ${object.apiVersion} ${object.kind}: add its model to MODELS`);
  model(object).validate();
}

function rendered(): KubeObject[] {
  const docs = parseAllDocuments(run('kubectl', ['kustomize', EXAMPLE]));
  return docs.map((doc) => doc.toJS() as KubeObject);
}

function daemonSet(): DaemonSet {
  const found = rendered().find((o) => o.kind === 'DaemonSet');
  assert.ok(found, 'the example has a DaemonSet');
  return new DaemonSet(found as DaemonSet);
}

function container(set: DaemonSet): NonNullable<NonNullable<DaemonSet['spec']>['template']['spec']>['containers'][number] {
  const only = set.spec?.template.spec?.containers;
  assert.equal(only?.length, 1, 'one container');
  return only[0]!;
}

test('kubectl kustomize renders the example offline, and every object is valid against the API schemas', () => {
  const objects = rendered();
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['DaemonSet/sockex', 'Namespace/sockex', 'PodMonitor/sockex']);
  for (const object of objects) {
    validate(object);
    if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, 'sockex', `${object.kind} is put in the namespace`);
  }
  // The validation bites: a port given as a string is refused.
  const broken = structuredClone(daemonSet().toJSON()) as DaemonSet;
  container(broken).ports![0]!.containerPort = '9469' as unknown as number;
  assert.throws(() => validate(broken as unknown as KubeObject), /containerPort/);
});

test('the DaemonSet: host network, never privileged, just the capabilities, read-only cgroup2, downward API, resources, a metrics port', () => {
  const set = daemonSet();
  const pod = set.spec?.template.spec;
  assert.ok(pod);
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.hostPID, undefined);
  assert.deepEqual(set.spec?.selector.matchLabels, set.spec?.template.metadata?.labels);

  const sockex = container(set);
  const security = sockex.securityContext;
  assert.equal(security?.privileged, false);
  assert.equal(security?.allowPrivilegeEscalation, false);
  assert.equal(security?.readOnlyRootFilesystem, true);
  assert.deepEqual(security?.capabilities, { drop: ['ALL'], add: CAPABILITIES });
  assert.equal(security?.seccompProfile?.type, 'RuntimeDefault');

  const cgroup = pod.volumes?.find((v) => v.hostPath?.path === '/sys/fs/cgroup');
  assert.ok(cgroup, 'the node\'s cgroup2 hierarchy is a volume');
  assert.deepEqual(sockex.volumeMounts, [{ name: cgroup.name, mountPath: '/host/sys/fs/cgroup', readOnly: true }]);

  const fromField = Object.fromEntries((sockex.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
  assert.deepEqual(fromField, { HOST_IP: 'status.hostIP', NODE_NAME: 'spec.nodeName' });
  assert.deepEqual(sockex.args, ARGS);
  // No bpffs: sockex pins nothing, so the node's /sys/fs/bpf is not mounted.
  assert.deepEqual(pod.volumes?.map((v) => v.hostPath?.path), ['/sys/fs/cgroup']);
  assert.deepEqual(sockex.ports, [{ name: 'metrics', containerPort: 9469 }]);
  assert.equal(sockex.image, `registry.example/sockex:${VERSION}`, 'kustomization.yaml names the image of this version');

  for (const kind of ['requests', 'limits'] as const) {
    assert.ok(sockex.resources?.[kind]?.cpu, `cpu ${kind}`);
    assert.ok(sockex.resources?.[kind]?.memory, `memory ${kind}`);
  }

  const monitor = rendered().find((o) => o.kind === 'PodMonitor') as PodMonitor | undefined;
  assert.deepEqual(monitor?.spec.selector.matchLabels, set.spec?.template.metadata?.labels, 'the PodMonitor selects the pods');
  assert.deepEqual(monitor?.spec.podMetricsEndpoints?.map((e) => e.port), ['metrics']);
});

test('docs/fleet.md says what the DaemonSet runs: its arguments, its capabilities, the cgroup2 mount', () => {
  const docs = readFileSync(`${ROOT}docs/fleet.md`, 'utf8');
  const sockex = container(daemonSet());
  assert.ok(docs.includes(`sockex ${(sockex.args ?? []).join(' ')}`), 'the arguments, as one command line');
  for (const name of CAPABILITIES) assert.match(docs, new RegExp(`CAP_${name}\\b`), `CAP_${name}`);
  assert.match(docs, /hostPath.*\/sys\/fs\/cgroup.*read-only at `\/host\/sys\/fs\/cgroup`/s);
});

/**
 * The container's arguments as the kubelet hands them over: $(NAME) from the
 * downward API (this namespace's lo standing for the node's address), and
 * the node's cgroup2 hierarchy at a bind mount of this host's where the
 * volume's mountPath is.
 */
function podArgs(t: TestContext, sockex: ReturnType<typeof container>): string[] {
  const downward: Record<string, string> = { HOST_IP: '127.0.0.1' };
  const pod = daemonSet().spec?.template.spec;
  const mounts = (sockex.volumeMounts ?? []).map((m) => {
    const volume = pod?.volumes?.find((v) => v.name === m.name);
    assert.equal(volume?.hostPath?.path, '/sys/fs/cgroup', `${m.name}: only the cgroup2 hierarchy is mounted`);
    return [m.mountPath, bindCgroup2Root(t)] as const;
  });
  return (sockex.args ?? []).map((a) => {
    const filled = a.replace(/\$\((\w+)\)/g, (_, name: string) => downward[name] ?? assert.fail(`no value for $(${name})`));
    return mounts.reduce((arg, [from, to]) => (arg === from || arg.startsWith(`${from}/`) ? to + arg.slice(from.length) : arg), filled);
  });
}

/** setpriv arguments for what a container runtime gives this container: root, exactly these capabilities, no new privileges. */
function asContainer(capabilities: string[]): string[] {
  const caps = ['-all', ...capabilities.map((c) => `+${c.toLowerCase()}`)].join(',');
  return ['setpriv', '--inh-caps=-all', `--bounding-set=${caps}`, '--no-new-privs'];
}

function processStatus(pid: number): { uid: string; capEff: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { uid: /^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '', capEff: /^CapEff:\s+(\S+)$/m.exec(status)?.[1] ?? '' };
}

test('the container as the pod runs it: counts served on the host address, a pod\'s container by its cgroup, then nobody with no capability', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const sockex = container(daemonSet());
  const capabilities = sockex.securityContext?.capabilities?.add ?? [];
  const args = podArgs(t, sockex);

  const ns = NetNs.create(t, 'pod');
  const pod = await startService(t, ns, asContainer(capabilities), args);
  // A pod's container as the kubelet (systemd driver) and containerd name its cgroup, under the host's real root.
  const podUid = randomUUID();
  const containerId = randomBytes(32).toString('hex');
  const cgroup = TestCgroup.createPath(
    t,
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${podUid.replaceAll('-', '_')}.slice/cri-containerd-${containerId}.scope`,
  );
  const sent = spawnSync('nsenter', [`--net=/run/netns/${ns.name}`, ...cgroup.wrap([process.execPath, `${TOOLS}udp.js`, '4', '100,200'])], { encoding: 'utf8' });
  assert.equal(sent.status, 0, sent.stderr);
  const bytes = udp4Frame(100) + udp4Frame(200); // 384 each way
  await scrapeUntil(ns, pod, `sockex_bytes_total{device="lo",direction="receive",family="ipv4",protocol="udp"} ${bytes}`, 10_000);
  const owner = `cgroup="${cgroup.path}",container="${containerId}",pod_uid="${podUid}"`;
  await scrapeUntil(ns, pod, `sockex_breakdown_bytes_total{device="lo",direction="transmit",family="ipv4",protocol="udp",${owner}} ${bytes}`, 10_000);

  // Attached, then nobody: every uid 65534, no capability left.
  const pid = pod.child.pid ?? assert.fail('no pid');
  assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /sockex\.js/, 'the pid is sockex itself (ip netns exec and setpriv exec)');
  assert.deepEqual(processStatus(pid), { uid: '65534\t65534\t65534\t65534', capEff: '0000000000000000' });
  assert.equal(await pod.stop(), 0);
  assert.equal(pod.stdout, '');
  assert.equal(pod.stderr, '', 'nothing to say: attached and dropped quietly');

  // Why CAP_SETUID and CAP_SETGID: without them sockex counts but stays root, and says so.
  const attachOnly = capabilities.filter((c) => c !== 'SETUID' && c !== 'SETGID');
  const rootOnly = spawnSync('ip', ['netns', 'exec', ns.name, ...asContainer(attachOnly), process.execPath, CLI, ...args, '--count', '1'], { encoding: 'utf8' });
  assert.equal(rootOnly.status, ExitCode.ok, rootOnly.stderr);
  assert.match(rootOnly.stderr, /^sockex: keeping root privileges: cannot change user .*CAP_SETUID/m);
});

test('a pod in its own network namespace: its frames on the node\'s end of its veth carry its cgroup, container and pod_uid', { timeout: 60_000 }, async (t) => {
  if (!requireRoot(t)) return;
  const sockex = container(daemonSet());
  const { a: node, b: podNetwork } = vethPair(t, 'podns');
  const service = await startService(t, node, asContainer(sockex.securityContext?.capabilities?.add ?? []), podArgs(t, sockex));
  const podUid = randomUUID();
  const containerId = randomBytes(32).toString('hex');
  const cgroup = TestCgroup.createPath(t, `/kubepods.slice/kubepods-pod${podUid.replaceAll('-', '_')}.slice/cri-containerd-${containerId}.scope`);
  const send = "const s=require('node:dgram').createSocket('udp4');let n=0;const go=()=>n++<3?s.send(Buffer.alloc(100),9,'192.0.2.1',go):s.close();go()";
  const sent = spawnSync('nsenter', [`--net=/run/netns/${podNetwork.name}`, ...cgroup.wrap([process.execPath, '-e', send])], { encoding: 'utf8' });
  assert.equal(sent.status, 0, sent.stderr);
  // No socket of the node's namespace sent or takes them: the pod's flow, filed under no namespace, names it.
  const owner = `cgroup="${cgroup.path}",container="${containerId}",pod_uid="${podUid}"`;
  await scrapeUntil(node, service, `sockex_breakdown_bytes_total{device="veth-a",direction="receive",family="ipv4",protocol="udp",${owner}} ${3 * udp4Frame(100)}`, 10_000);
});

/** The image's default command: the Containerfile's CMD (exec form). */
function imageCommand(): string[] {
  const recipe = readFileSync(join(EXAMPLE, 'Containerfile'), 'utf8');
  return JSON.parse(/^CMD\s+(.+)$/m.exec(recipe)?.[1] ?? 'null') as string[];
}

test('the image runs the DaemonSet\'s command by default, on every address; docs/fleet.md says it and runs it by hand with what the pod gets', () => {
  const set = daemonSet();
  const sockex = container(set);
  // The one difference: no downward API outside a pod, so every address instead of the node's.
  const byHand = (sockex.args ?? []).map((a) => a.replace('$(HOST_IP)', '0.0.0.0'));
  assert.notDeepEqual(byHand, sockex.args, 'the DaemonSet listens on $(HOST_IP)');
  assert.deepEqual(imageCommand(), byHand);

  const docs = readFileSync(`${ROOT}docs/fleet.md`, 'utf8');
  assert.ok(docs.includes(`\`sockex ${byHand.join(' ')}\``), 'docs/fleet.md names the default command');
  // The docker run command line, its continuation lines joined.
  const lines = docs.split('\n');
  const first = lines.findIndex((line) => line.trimStart().startsWith('docker run '));
  assert.ok(first >= 0, 'docs/fleet.md runs the image by hand');
  const last = lines.findIndex((line, i) => i >= first && !line.endsWith('\\'));
  const run = lines.slice(first, last + 1).map((line) => line.replace(/\\$/, '')).join(' ').trim().split(/\s+/);
  const values = (flag: string): string[] => run.flatMap((w, i) => (w === flag ? [run[i + 1] ?? ''] : []));
  assert.equal(run.at(-1), `registry.example/sockex:${VERSION}`, 'the image, with no arguments after it: the default command');
  assert.deepEqual(values('--network'), [set.spec?.template.spec?.hostNetwork ? 'host' : '']);
  assert.deepEqual(values('--cap-drop'), ['ALL']);
  assert.deepEqual(values('--cap-add').sort(), [...(sockex.securityContext?.capabilities?.add ?? [])].sort(), 'the pod\'s capabilities');
  const mount = sockex.volumeMounts?.[0];
  const volume = set.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name);
  assert.deepEqual(values('-v'), [`${volume?.hostPath?.path}:${mount?.mountPath}:${mount?.readOnly ? 'ro' : 'rw'}`], 'the pod\'s cgroup2 volume');
});

/** The sources of the Containerfile's COPY and ADD instructions (flags and destination left out). */
function copiedSources(containerfile: string): string[] {
  return [...containerfile.matchAll(/^(?:COPY|ADD)\s+(.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));
}

test('the Containerfile: Node 20 with libbpf1, its COPY sources are what npm pack makes, its command runs as docs/fleet.md runs it and is refused without the cgroup2 mount', { timeout: 60_000 }, (t) => {
  if (!requireRoot(t)) return;
  const recipe = readFileSync(join(EXAMPLE, 'Containerfile'), 'utf8');
  assert.match(recipe, /^FROM docker\.io\/library\/node:20-\S+$/m);
  assert.match(recipe, /apt-get install .*\blibbpf1\b/);

  // The build context, as docs/fleet.md makes it.
  const context = mkdtempSync(join(tmpdir(), 'sockex-image-'));
  t.after(() => rmSync(context, { recursive: true, force: true }));
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', context], 60_000);
  const files = readdirSync(context);
  const sources = copiedSources(recipe);
  assert.ok(sources.length > 0, 'the image copies the package in');
  for (const source of sources) {
    const pattern = new RegExp(`^${source.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    assert.equal(files.filter((f) => pattern.test(f)).length, 1, `${source} names one file of ${files.join(' ')}`);
  }

  // ENTRYPOINT is the package's bin, found on the image's PATH after npm install -g.
  const bin = Object.keys((JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: Record<string, string> }).bin);
  const entrypoint = JSON.parse(/^ENTRYPOINT\s+(.+)$/m.exec(recipe)?.[1] ?? 'null') as string[];
  assert.deepEqual(entrypoint, bin);
  const cmd = imageCommand();
  // The image's environment is the systemd unit's (node must take its NODE_OPTIONS).
  const environment = [...recipe.matchAll(/^ENV\s+(\S+=\S+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(environment, unitEnvironment);
  const ns = NetNs.create(t, 'image');
  const inContainer = (args: string[]): SpawnSyncReturns<string> =>
    spawnSync('ip', ['netns', 'exec', ns.name, ...asContainer(CAPABILITIES), 'env', ...environment, process.execPath, CLI, ...args, '--count', '1'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
  // The host's cgroup2 hierarchy where `-v /sys/fs/cgroup:/host/sys/fs/cgroup:ro` puts it.
  const cgroup2 = bindCgroup2Root(t);
  const ran = inContainer(cmd.map((a) => (a === '/host/sys/fs/cgroup' ? cgroup2 : a)));
  assert.equal(ran.status, ExitCode.ok, ran.stderr);
  assert.equal(ran.stdout, '', '--quiet');
  // Run without the volume: one line, exit 2, not a container counting its own cgroup alone.
  const bare = inContainer(cmd);
  assert.equal(bare.status, ExitCode.usage, bare.stderr);
  assert.match(bare.stderr, /^sockex: .*--cgroup2.*\n$/);
});
