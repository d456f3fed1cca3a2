// The command as a user runs it on capture files: bin/dlsnoop, which runs the bundle in
// dist/bundle/ (npm test builds it first). Its output is checked against the same pipeline run
// in-process from the TypeScript sources, so the bundle cannot drift from what the other tests
// test; its errors against the rules for bad input (one line, non-zero status, nothing lost).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IlmObserver } from '../../src/annotate/ilm/observer.js';
import { IpmpObserver } from '../../src/annotate/ipmp/observer.js';
import { openFileSource } from '../../src/capture/file-source.js';
import { NO_NAMES } from '../../src/output/render/context.js';
import { TextSink } from '../../src/output/stdout-sink.js';
import { TextFormatter } from '../../src/output/text.js';
import { runLoop } from '../../src/run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'dlsnoop');
const BUNDLE = join(ROOT, 'dist', 'bundle', 'cli.js');
const CORPUS = join(ROOT, 'fixtures', 'corpus.pcap');
const DEMO = join(ROOT, 'fixtures', 'ipmp-demo.pcapng');

/**
 * Node options that collect garbage once the CLI has finished: a file handle left open would then
 * be closed by the collector, and Node says so on stderr.
 */
const COLLECT_AT_EXIT = ['--expose-gc', '--import', 'data:text/javascript,process.once("beforeExit",()=>{gc();setTimeout(()=>{},20)})'];

function dlsnoop(args: string[], nodeOptions: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeOptions, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Summary lines as the CLI prints them for a file with -r, made in-process from the sources. */
async function summaryInProcess(path: string): Promise<string> {
  const source = await openFileSource(path);
  const chunks: Buffer[] = [];
  const sink = new TextSink(new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(Buffer.from(chunk)); done(); } }));
  const formatter = new TextFormatter({ mode: 'summary', time: 'delta', numbers: true, showLength: false, showDrops: false, showLink: false, names: NO_NAMES }, source.links);
  await runLoop(source, { filter: null, annotators: [new IpmpObserver(), new IlmObserver()], stopRequested: () => false, decode: true, checksums: false }, { text: { formatter, sink } });
  await sink.flush();
  await source.close();
  return Buffer.concat(chunks).toString('utf8');
}

describe('dlsnoop -i file (the bundled command)', () => {
  it('has a bundle to run', () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: run npm run build`).toBe(true);
  });

  it.each([
    ['the protocol corpus', CORPUS],
    ['the IPMP demo capture', DEMO],
  ])('prints exactly what the sources print for %s', async (_what, path) => {
    const expected = await summaryInProcess(path);
    const r = dlsnoop(['-r', '-i', path]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(expected.split('\n').length).toBeGreaterThan(30);
    expect(r.stdout).toBe(expected);
  });

  it('verifies checksums where the output shows them: -v and JSON, not summary lines', () => {
    const verbose = dlsnoop(['-r', '-v', '-i', CORPUS]).stdout;
    expect(verbose).toContain('NOTE:  bad ICMP checksum');
    expect(verbose).toContain('NOTE:  bad IP checksum');
    expect(dlsnoop(['-r', '--json', '-i', CORPUS]).stdout).toMatch(/"cksumOk":false/);
  });

  it('names the filter error with a caret, exits 1, and leaves the file closed', () => {
    const r = dlsnoop(['-i', CORPUS, 'host', '('], COLLECT_AT_EXIT);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("dlsnoop: filter error: expected a host name or address but found '('\nhost (\n     ^\n");
  });

  it('says in one line that a file is missing, and exits 1', () => {
    const r = dlsnoop(['-i', join(ROOT, 'fixtures', 'no-such-capture.pcap')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`dlsnoop: ${join(ROOT, 'fixtures', 'no-such-capture.pcap')}: no such file or directory\n`);
  });

  it('prints every packet before a truncation, then one line naming the byte offset, and exits 1', () => {
    const whole = dlsnoop(['-r', '-i', CORPUS]).stdout.split('\n').filter((l) => l !== '');
    const dir = mkdtempSync(join(tmpdir(), 'dls-cli-'));
    const cut = join(dir, 'cut.pcap');
    const bytes = readFileSync(CORPUS);
    // 24-byte file header, then records of a 16-byte header and the frame: stop inside record 6.
    let pos = 24;
    for (let i = 0; i < 5; i++) pos += 16 + bytes.readUInt32LE(pos + 8);
    writeFileSync(cut, bytes.subarray(0, pos + 20));
    const r = dlsnoop(['-r', '-i', cut]);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual(whole.slice(0, 5));
    expect(r.stderr).toMatch(new RegExp(`^dlsnoop: ${cut}: truncated pcap record at byte ${pos}: [^\\n]*\\n$`));
  });

  it('ends quietly with status 0 when the reader of its output goes away', async () => {
    const child = spawn(process.execPath, [BIN, '-r', '-i', DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Like `| head -1`: take the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
