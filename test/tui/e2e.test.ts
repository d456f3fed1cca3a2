// The TUI as a person sees it: `dlsnoop --tui -i FILE` in a detached tmux session, driven with
// send-keys and read back with capture-pane. Needs the built CLI (dist/cli.js) and the demo
// fixture; in CI both must exist, elsewhere the suite says why it is not running.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, requireCommandInCi } from '../helpers/tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const FIXTURE = join(ROOT, 'fixtures/ipmp-demo.pcapng');

function missing(): string | null {
  if (!hasCommand('tmux')) return 'tmux is not installed';
  if (!existsSync(CLI)) return `${CLI} is missing (run npm run build)`;
  if (!existsSync(FIXTURE)) return `${FIXTURE} is missing (run npm run fixtures)`;
  return null;
}

const reason = missing();
if (reason && process.env.CI === 'true') throw new Error(`TUI end-to-end tests cannot run in CI: ${reason}`);
if (reason) console.warn(`skipping TUI end-to-end tests: ${reason}`);

// A private tmux server per run: never touches the user's sessions.
const SOCKET = `dls-tui-${process.pid}`;
let sessionCount = 0;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

class Terminal {
  readonly name = `dls-tui-${process.pid}-${++sessionCount}`;

  constructor(command: string) {
    // The shell stays after dlsnoop exits so we can see what it left behind.
    tmux('new-session', '-d', '-s', this.name, '-x', '100', '-y', '30', `${command}; echo "dlsnoop exited with $?"; sleep 60`);
  }

  screen(colours = false): string {
    return tmux('capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', this.name);
  }

  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  type(text: string): void {
    tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** Wait until the screen satisfies `ok`; fail with the screen shown. */
  async until(ok: (screen: string) => boolean, what: string, timeoutMs = 5000, colours = false): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen(colours);
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
  }

  kill(): void {
    spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', this.name], { stdio: 'ignore' });
  }
}

/** The packet rows on screen: lines starting with a packet number. */
function rows(screen: string): string[] {
  return screen.split('\n').filter((l) => /^\s+\d+\s+\d+[.:]\d/.test(l));
}

function counts(screen: string): { shown: number; captured: number } {
  const m = /(\d+) shown \/ (\d+) captured/.exec(screen);
  if (!m) throw new Error(`no counts on the status bar:\n${screen}`);
  return { shown: Number(m[1]), captured: Number(m[2]) };
}

function openTui(): Terminal {
  return new Terminal(`cd ${ROOT} && LANG=C.UTF-8 node bin/dlsnoop --tui -i ${FIXTURE}`);
}

async function loaded(t: Terminal): Promise<string> {
  return t.until((s) => /end of capture/.test(s) && rows(s).length > 0, 'the capture to load');
}

describe.runIf(reason === null)('dlsnoop --tui under tmux', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dls-tui-'));
  });
  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists packets with a header, opens the selected probe and quits restoring the shell', async () => {
    const t = openTui();
    try {
      const first = await loaded(t);
      expect(first).toMatch(/No\.\s+Time \(rel\)\s+(Link\s+)?Source\s+Destination\s+Proto\s+Summary/);
      const shown = rows(first);
      expect(shown.length).toBeGreaterThan(5);
      expect(shown[0]).toMatch(/^\s+1\s+0\.000000 /);
      const { shown: all, captured } = counts(first);
      expect(all).toBe(captured);

      // Narrow to probes and open the first one: its decode and the IPMP annotation section.
      t.keys('/');
      t.type('probe');
      t.keys('Enter');
      const probes = await t.until((s) => /filter: probe/.test(s) && rows(s).every((r) => /PROBE|ICMP/.test(r)), 'the probe filter');
      expect(counts(probes).shown).toBeGreaterThan(0);
      expect(counts(probes).shown).toBeLessThan(captured);
      t.keys('g', 'Enter');
      const detail = await t.until((s) => /ICMP/.test(s) && /Packet \d+: \d+ of \d+ bytes/.test(s), 'the probe detail');
      expect(detail).toMatch(/ETHER:\s+----- Ether Header -----/);
      t.keys('G'); // last line of the decode: the annotation sections end it
      await t.until((s) => /IPMP:/.test(s), 'the IPMP annotation section');

      t.keys('q');
      const after = await t.until((s) => /dlsnoop exited with 0/.test(s), 'dlsnoop to exit');
      expect(after).not.toMatch(/No\.\s+Time/);
    } finally {
      t.kill();
    }
  });

  it('shows an invalid filter in red with a caret at the error, and a valid one in green', async () => {
    const t = openTui();
    try {
      await loaded(t);
      t.keys('/');
      t.type('icmp and (host');
      const bad = await t.until((s) => /\^/.test(s), 'the error caret', 5000, true);
      expect(bad).toMatch(/\x1b\[41mFilter: icmp and \(host/);
      const plain = t.screen();
      const barLine = plain.split('\n').find((l) => l.startsWith('Filter: '));
      const caretLine = plain.split('\n').find((l) => /^\s*\^ /.test(l));
      expect(barLine).toBeDefined();
      expect(caretLine).toBeDefined();
      expect(caretLine!.indexOf('^')).toBeGreaterThanOrEqual('Filter: icmp and '.length);
      expect(caretLine!.indexOf('^')).toBeLessThanOrEqual('Filter: icmp and (host'.length);
      t.type(' 192.0.2.1)');
      await t.until((s) => /\x1b\[42mFilter: icmp and \(host 192\.0\.2\.1\)/.test(s), 'the bar to turn green', 5000, true);
      t.keys('Escape');
      await t.until((s) => /no filter/.test(s), 'the bar to close');
      t.keys('q');
      await t.until((s) => /dlsnoop exited with 0/.test(s), 'dlsnoop to exit');
    } finally {
      t.kill();
    }
  });

  it('w saves the packets shown to a file tshark reads back', async () => {
    const tshark = requireCommandInCi('tshark');
    const t = openTui();
    const out = join(dir, 'saved.pcapng');
    try {
      await loaded(t);
      t.keys('/');
      t.type('icmp');
      t.keys('Enter');
      const filtered = await t.until((s) => /filter: icmp/.test(s), 'the icmp filter');
      const { shown } = counts(filtered);
      expect(shown).toBeGreaterThan(0);
      t.keys('w', 'C-u');
      t.type(out);
      t.keys('Enter');
      await t.until((s) => new RegExp(`saved ${shown} packets? to `).test(s), 'the save message');
      t.keys('q');
      await t.until((s) => /dlsnoop exited with 0/.test(s), 'dlsnoop to exit');
      expect(existsSync(out)).toBe(true);
      if (tshark) {
        const r = spawnSync('tshark', ['-r', out, '-T', 'fields', '-e', 'icmp.type', '-e', 'icmpv6.type'], { encoding: 'utf8' });
        expect(r.status).toBe(0);
        const lines = r.stdout.trim().split('\n');
        expect(lines).toHaveLength(shown);
        expect(lines.every((l) => /\d/.test(l))).toBe(true);
      }
    } finally {
      t.kill();
    }
  });

  it('moves with j/k, pages, switches time format and side tabs, and shows the help', async () => {
    const t = openTui();
    try {
      await loaded(t);
      t.keys('j', 'j');
      await t.until((s) => /Packet 3: /.test(s), 'packet 3 selected');
      t.keys('k');
      await t.until((s) => /Packet 2: /.test(s), 'packet 2 selected');
      t.keys('t');
      await t.until((s) => /\s+No\.\s+Time\s+(Link\s+)?Source/.test(s) && /\d\d:\d\d:\d\d\.\d{6}/.test(s), 'absolute times');
      t.keys('t');
      await t.until((s) => /\s+No\.\s+Delta\s+(Link\s+)?Source/.test(s), 'delta times');
      t.keys('4');
      await t.until((s) => /\[4 Links\]/.test(s) && /captured \d+/.test(s), 'the links tab');
      t.keys('1');
      await t.until((s) => /\[1 IPMP targets\]/.test(s) && /INTERFACE/.test(s), 'the IPMP targets tab');
      // ESC and '?' in one write would read as Meta-?; let the escape arrive on its own.
      t.keys('Escape');
      await new Promise((r) => setTimeout(r, 300));
      t.keys('?');
      const help = await t.until((s) => /dlsnoop keys/.test(s), 'the help');
      for (const key of ['j / ↓', 'PgDn', 'Tab', 'space', 'w ', 'q / ^C']) expect(help).toContain(key);
      t.keys('x');
      await t.until((s) => !/dlsnoop keys/.test(s), 'the help to close');
      t.keys('q');
      await t.until((s) => /dlsnoop exited with 0/.test(s), 'dlsnoop to exit');
    } finally {
      t.kill();
    }
  });
});
