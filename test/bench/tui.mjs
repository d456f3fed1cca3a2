#!/usr/bin/env node
// TUI benchmark: open a big capture in `dlsnoop --tui` under tmux and time what a person waits
// for — the first screen of rows, the whole file loaded, a key press redrawing — plus RSS.
//   node test/bench/tui.mjs [file]     (default: the 1 M-packet benchmark capture)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigCapture } from './big-capture.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = process.argv[2] ?? join(root, 'test', 'bench', 'out', 'big-1000000.pcap');
if (!existsSync(file)) writeBigCapture(file, 1_000_000);
const socket = `dls-bench-tui-${process.pid}`;
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'bench');
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;

/** Poll the pane every 5 ms until `test` holds; returns milliseconds waited. */
function waitFor(test, limitMs, what) {
  const t0 = now();
  for (;;) {
    if (test(screen())) return now() - t0;
    if (now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}:\n${screen()}`);
    spawnSync('sleep', ['0.005']);
  }
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

try {
  const t0 = now();
  tmux('new-session', '-d', '-s', 'bench', '-x', '120', '-y', '40', `node ${join(root, 'bin', 'dlsnoop')} --tui -i ${file}`);
  const pid = Number(tmux('list-panes', '-t', 'bench', '-F', '#{pane_pid}').trim());
  waitFor((s) => /^\s*1\s/m.test(s) || / 1 +\d/.test(s), 30_000, 'the first rows');
  const firstScreen = now() - t0;
  waitFor((s) => /end of capture/.test(s), 120_000, 'the whole file');
  const loaded = now() - t0;
  const rss = rssMb(pid);
  const before = screen();
  const t1 = now();
  tmux('send-keys', '-t', 'bench', 'G');
  waitFor((s) => s !== before, 10_000, 'the redraw after G');
  const keyMs = now() - t1;
  const before2 = screen();
  const t2 = now();
  tmux('send-keys', '-t', 'bench', 'k');
  waitFor((s) => s !== before2, 10_000, 'the redraw after k');
  const key2Ms = now() - t2;
  tmux('send-keys', '-t', 'bench', 'q');
  console.log(`\n# TUI on ${file.replace(root + '/', '')}\n`);
  console.log('| measure | value | goal |');
  console.log('|---|---:|---:|');
  console.log(`| first screen of rows | ${(firstScreen / 1000).toFixed(2)} s | < 3 s |`);
  console.log(`| whole file loaded | ${(loaded / 1000).toFixed(2)} s | |`);
  console.log(`| RSS with the file loaded | ${rss.toFixed(0)} MB | < 300 MB |`);
  console.log(`| redraw after G (jump to end) | ${keyMs.toFixed(0)} ms | < 100 ms |`);
  console.log(`| redraw after k (one row up) | ${key2Ms.toFixed(0)} ms | < 100 ms |`);
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
}
