// `dlsnoop --ipmpstat p` streams the way ipmpstat -p does: one header, then a row per probe as it
// resolves (acked or lost), in the order the probes resolve. Runs bin/dlsnoop (the built dist/)
// over fixtures/ipmp-demo.pcapng and checks it against an in-process replay of the same file, so
// nothing here depends on the exact counts of a particular recording.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import { PR } from '../../src/annotate/ipmp/instance.js';
import { probeRowHeader } from '../../src/annotate/ipmp/views.js';
import { openFileSource } from '../../src/capture/file-source.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { Packet } from '../../src/decode/packet.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'dlsnoop');
const DEMO = join(ROOT, 'fixtures', 'ipmp-demo.pcapng');

interface Expected {
  /** `iface seq acked|lost` per resolution, in the order the observer resolved them. */
  resolutions: string[];
  /** UNI requests in the file, and those still unresolved (within their deadline) at its end. */
  uniSent: number;
  unresolved: number;
}

/** Replay the file through the TS sources, noting every probe resolution as it happens. */
async function replay(): Promise<Expected> {
  const source = await openFileSource(DEMO);
  const ipmp = new IpmpObserver();
  const pkt = new Packet();
  const resolutions: string[] = [];
  let uniSent = 0;
  let number = 0;
  const note = (json: Record<string, unknown>): void => {
    if (json.state === 'sent' && json.kind === 'UNI') uniSent++;
    if (json.kind === 'UNI' && (json.state === 'acked' || json.state === 'late' || json.state === 'lost')) {
      resolutions.push(`${json.iface as string} ${json.seq as number} ${json.state === 'lost' ? 'lost' : 'acked'}`);
    }
  };
  try {
    for await (const batch of source.batches()) {
      for (let i = 0; i < batch.count; i++) {
        const link = source.links[batch.link[i]];
        decodeFrame(pkt, batch, i, link.linkType, ++number);
        for (const a of ipmp.observe(pkt, link.name)) note(a.json);
      }
    }
  } finally {
    await source.close();
  }
  for (const a of ipmp.finishAtLastPacket()) note(a.json);
  let unresolved = 0;
  for (const p of ipmp.interfaces()) for (const inst of p.instances()) for (const s of inst.ring) if (s.status === PR.UNACKED) unresolved++;
  return { resolutions, uniSent, unresolved };
}

/** A printed row as `iface seq acked|lost` (NETRTT is "--" exactly for a lost probe). */
function resolutionOf(line: string): string {
  const [, iface, seq, netrtt] = line.trim().split(/\s+/);
  return `${iface} ${seq} ${netrtt === '--' ? 'lost' : 'acked'}`;
}

/** The newest mtime of the .ts files under src/, against the bundle bin/dlsnoop runs. */
function distIsStale(): boolean {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  return statSync(join(ROOT, 'dist', 'bundle', 'cli.js')).mtimeMs < newest(join(ROOT, 'src', 'annotate', 'ipmp'));
}

describe('dlsnoop --ipmpstat p', () => {
  it('dist/ is built from the current ipmp sources (these tests run bin/dlsnoop)', () => {
    expect(distIsStale(), 'run `npm run build` first').toBe(false);
  });

  it('prints the header once, then one row per probe resolution, in the order they resolve', async () => {
    const expected = await replay();
    const r = spawnSync(process.execPath, [BIN, '-i', DEMO, '--ipmpstat', 'p'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines[0]).toBe(probeRowHeader());
    expect(lines.filter((l) => l === probeRowHeader())).toHaveLength(1);
    const rows = lines.slice(1);
    expect(rows.map(resolutionOf)).toEqual(expected.resolutions);
    // Every UNI probe sent resolves once, a late reply a second time, and only probes still within
    // their deadline when the file ends print nothing.
    const late = expected.resolutions.filter((x, i) => x.endsWith('acked') && expected.resolutions.indexOf(x.replace(/acked$/, 'lost')) >= 0 && expected.resolutions.indexOf(x.replace(/acked$/, 'lost')) < i).length;
    expect(rows.length).toBe(expected.uniSent - expected.unresolved + late);
    expect(expected.uniSent).toBeGreaterThan(100);
    // Within one interface rows come in send order, except an ack that overtakes the loss of the
    // probe before it (decided only at the next tick): TIME never goes back by more than a tick.
    const lastTime = new Map<string, number>();
    for (const row of rows) {
      const [time, iface] = row.split(/\s+/);
      const t = Number.parseFloat(time);
      expect(time).toMatch(/^\d+\.\d\ds$/);
      expect(t).toBeGreaterThanOrEqual((lastTime.get(iface) ?? 0) - 1.5);
      lastTime.set(iface, Math.max(t, lastTime.get(iface) ?? 0));
    }
  });

  it('writes rows while the capture is still being read, not only at its end', async () => {
    const bytes = readFileSync(DEMO);
    const child = spawn(process.execPath, [BIN, '-i', '-', '--ipmpstat', 'p'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const rowsSoFar = (): number => stdout.split('\n').filter((l) => /^\d+\.\d\ds /.test(l)).length;
    const gotRows = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (rowsSoFar() > 0) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Most of the file, then wait: the rows of what was read must come out before the rest is sent.
    child.stdin.write(bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const early = await Promise.race([gotRows.then(() => rowsSoFar()), new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000))]);
    child.stdin.end(bytes.subarray(Math.floor(bytes.length * 0.8)));
    expect(await exited).toBe(0);
    expect(early).toBeGreaterThan(0);
    expect(rowsSoFar()).toBeGreaterThan(early);
  });
});
