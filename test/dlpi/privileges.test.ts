import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookupUser } from '../../src/dlpi/privileges.js';

const dir = mkdtempSync(join(tmpdir(), 'dls-priv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lookupUser', () => {
  it('reads uid, gid and supplementary groups from passwd/group files', () => {
    const passwd = join(dir, 'passwd');
    const group = join(dir, 'group');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\n# comment\nsnoopy:x:1234:200::/home/snoopy:/bin/sh\n');
    writeFileSync(group, 'staff:x:200:\nnetdump:x:300:alice,snoopy\nother:x:400:alice\n');
    expect(lookupUser('snoopy', passwd, group)).toEqual({ user: 'snoopy', uid: 1234, gid: 200, groups: [200, 300] });
    expect(lookupUser('nobody-here', passwd, group)).toBeNull();
  });
});

// Dropping privileges is for good, so it happens in a child process running our TypeScript
// through vite-node; it prints what it became and what opening a link then says.
const root = resolve(import.meta.dirname, '../..');
function runChild(body: string, env: NodeJS.ProcessEnv = {}): { uid: number; gid: number; groups: number[]; open: string } {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    script,
    `import { dropPrivileges } from '${root}/src/dlpi/privileges.ts';
import { dlpiOpen } from '${root}/src/dlpi/dlpi.ts';
${body}
let open = 'opened';
try { dlpiOpen('lo').close(); } catch (e) { open = (e as Error).message; }
console.log(JSON.stringify({ uid: process.getuid!(), gid: process.getgid!(), groups: process.getgroups!(), open }));
`,
  );
  const r = spawnSync(join(root, 'node_modules/.bin/vite-node'), [script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe.runIf(process.getuid?.() === 0)('dropPrivileges (as root)', () => {
  it('switches to the -Z user, after which raw sockets are refused with a clear message', () => {
    const nobody = lookupUser('nobody')!;
    const r = runChild(`dropPrivileges({ user: 'nobody' });`);
    expect(r.uid).toBe(nobody.uid);
    expect(r.gid).toBe(nobody.gid);
    expect(r.groups).toEqual(nobody.groups);
    expect(r.open).toBe("dlsnoop needs root or CAP_NET_RAW to open link 'lo'");
  });

  it('goes back to the sudo user when there is no -Z', () => {
    const r = runChild(`dropPrivileges();`, { SUDO_UID: '4321', SUDO_GID: '4322', SUDO_USER: 'nosuchsudoer' });
    expect([r.uid, r.gid, r.groups]).toEqual([4321, 4322, [4322]]);
  });

  it('does nothing for root without -Z or sudo', () => {
    const r = runChild(`dropPrivileges({}, {});`);
    expect(r.uid).toBe(0);
    expect(r.open).toBe('opened');
  });
});
