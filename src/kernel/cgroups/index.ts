export { cgroup2RootIn, findCgroup2Root } from './cgroup2-root.js';
export { CgroupPaths } from './cgroup-paths.js';
