/**
 * The container and Kubernetes pod a cgroup v2 path names, read from the
 * path alone (no runtime or API call). The shapes the runtimes write:
 *   systemd driver  /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid, _ for ->.slice/cri-containerd-<id>.scope
 *                   /system.slice/docker-<id>.scope, crio-<id>.scope, libpod-<id>.scope
 *   cgroupfs driver /kubepods/burstable/pod<uid>/<id>, /docker/<id>
 * where <id> is the container's 64 hex digits. The innermost segment that
 * names one wins (a container nested in another is the inner one).
 */

export interface ContainerPlace {
  /** The container id: 64 lowercase hex digits, as `docker ps --no-trunc` and `crictl ps` show it. */
  readonly container?: string;
  /** The pod's UID with dashes, as the Kubernetes API (and kube_pod_info's `uid` label) writes it. */
  readonly podUid?: string;
}

/** A scope or directory named for a container: the runtime's prefix (or none, cgroupfs), the id, and .scope. */
const CONTAINER_SEGMENT = /^(?:(?:cri-containerd|containerd|docker|crio|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;
/** A pod's slice or directory: pod<uid> after the QoS prefixes; the systemd driver writes the dashes as _. */
const POD_SEGMENT = /^(?:[a-z]+-)*pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;

export function containerPlace(path: string): ContainerPlace {
  const segments = path.split('/');
  // A pod's UID only under the kubelet's hierarchy, so a user's "pod..." directory is not taken for one.
  const kubernetes = segments.some((s) => s.includes('kubepods'));
  let container: string | undefined;
  let podUid: string | undefined;
  for (const segment of segments) {
    container = CONTAINER_SEGMENT.exec(segment)?.[1] ?? container;
    const pod = kubernetes ? POD_SEGMENT.exec(segment)?.[1] : undefined;
    if (pod !== undefined) podUid = pod.replaceAll('_', '-');
  }
  return { ...(container === undefined ? {} : { container }), ...(podUid === undefined ? {} : { podUid }) };
}
