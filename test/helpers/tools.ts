import { spawnSync } from 'node:child_process';

/** True when `name` is on PATH. Tests that compare with tshark/tcpdump use it. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * For comparisons with external tools: in CI they must run (.ci/run installs the tools), so a
 * missing tool fails there instead of silently skipping.
 */
export function requireCommandInCi(name: string): boolean {
  const present = hasCommand(name);
  if (!present && process.env.CI === 'true') throw new Error(`${name} is required in CI but is not installed`);
  if (!present) console.warn(`skipping ${name} comparisons: ${name} is not installed`);
  return present;
}
