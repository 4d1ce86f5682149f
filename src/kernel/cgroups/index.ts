export { cgroup2RootIn, cgroup2RootProblem, findCgroup2Root } from './cgroup2-root.js';
export { CgroupPaths } from './cgroup-paths.js';
