#!/usr/bin/env node
// TUI under live load (root): `dlsnoop --tui -d brecv` in a tmux pane inside a private namespace
// while trafgen offers 64-byte frames at a fixed rate on the other end of a veth pair. Times how
// long a key takes to show on screen during the load and checks that the status bar accounts for
// every offered frame as either captured or dropped by the kernel.
//   node test/bench/tui-live.mjs [rate-pps|max] [seconds]      (default 500000 pps for 6 s)
// trafgen's own rate limiter tops out near 370 k pkt/s on a small machine; `max` sends unlimited,
// about 1.1 M pkt/s here, for rate x seconds = 1.2 M x seconds frames.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const unlimited = process.argv[2] === 'max';
const rate = unlimited ? 1_200_000 : Number(process.argv[2] ?? 500_000);
const seconds = Number(process.argv[3] ?? 6);
const packets = rate * seconds;
const ns = `dls-bench-tuilive-${process.pid}`;
const socket = `dls-bench-tuilive-${process.pid}`;
const cfg = join('/tmp', `${ns}.trafgen`);
const sh = (cmd) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
// Every command runs inside the namespace as one shell, so no part of a chain reaches the host.
const inNs = (cmd) => execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', cmd], { encoding: 'utf8' });
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'bench');
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(test, limitMs, what) {
  const t0 = now();
  for (;;) {
    const s = screen();
    if (test(s)) return { ms: now() - t0, screen: s };
    if (now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}:\n${s}`);
    await sleep(5);
  }
}

/** Press `t` (time format) and time until the column header shows the next format. */
async function timeKey(expectHeader) {
  const t0 = now();
  tmux('send-keys', '-t', 'bench', 't');
  await waitFor((s) => expectHeader.test(s), 10_000, `header ${expectHeader}`);
  return now() - t0;
}

function statusCounts(s) {
  const captured = Number(/(\d+) shown \/ (\d+) captured/.exec(s)?.[2] ?? NaN);
  const drops = Number(/kernel drops (\d+)/.exec(s)?.[1] ?? 0);
  return { captured, drops };
}

sh(`ip netns add ${ns}`);
let trafgen = null;
try {
  // Both ends of the pair live in our namespace; nothing touches the host's links.
  inNs('ip link add bsend address 02:00:5e:21:00:0a type veth peer name brecv address 02:00:5e:21:00:0b');
  inNs('echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && ip link set lo up && ip link set bsend up && ip link set brecv up');
  // Ethernet to brecv, IPv4 UDP 198.51.100.1 -> 198.51.100.2:9, 64 bytes on the wire.
  writeFileSync(cfg, `{ 0x02,0x00,0x5e,0x21,0x00,0x0b, 0x02,0x00,0x5e,0x21,0x00,0x0a, 0x08,0x00,
  0x45,0x00,0x00,0x2e, 0x00,0x00,0x00,0x00, 0x40,0x11,0x00,0x00, 198,51,100,1, 198,51,100,2,
  0x30,0x39,0x00,0x09,0x00,0x1a,0x00,0x00, fill(0x61, 18) }\n`);

  tmux('new-session', '-d', '-s', 'bench', '-x', '120', '-y', '40',
    `ip netns exec ${ns} node ${join(root, 'bin', 'dlsnoop')} --tui -d brecv; sleep 30`);
  await waitFor((s) => /0 shown \/ 0 captured/.test(s), 15_000, 'the TUI to start');

  const sendStart = now();
  trafgen = spawn('ip', ['netns', 'exec', ns, 'trafgen', '-o', 'bsend', '-i', cfg, '-n', String(packets), ...(unlimited ? [] : ['-b', `${rate}pps`]), '-q'], { stdio: 'ignore' });
  const sent = new Promise((r) => trafgen.on('exit', r));
  await sleep(1000);
  // Under load: cycle the time column (relative → absolute → delta → relative) and time each redraw.
  const headers = [/No\.\s+Time\s+Source/, /No\.\s+Delta\s+Source/, /No\.\s+Time \(rel\)\s+Source/];
  const keyMs = [];
  for (let i = 0; i < 6 && now() - sendStart < (seconds - 1) * 1000; i++) {
    keyMs.push(await timeKey(headers[i % 3]));
    await sleep(400);
  }
  const midLoad = statusCounts(screen());
  await sent;
  const sendSecs = (now() - sendStart) / 1000;
  // Give the last blocks time to retire and the status bar time to refresh.
  const settled = await waitFor((s) => { const c = statusCounts(s); return c.captured + c.drops >= packets; }, 15_000, 'every frame accounted for').catch((e) => ({ ms: NaN, screen: screen(), error: e }));
  const end = statusCounts(settled.screen);
  tmux('send-keys', '-t', 'bench', 'q');

  keyMs.sort((a, b) => a - b);
  console.log(`\n# TUI under live load: ${packets} x 64-byte frames ${unlimited ? 'as fast as trafgen sends' : `at ${rate} pkt/s asked`} (${(packets / sendSecs).toFixed(0)} pkt/s achieved)\n`);
  console.log('| measure | value | goal |');
  console.log('|---|---:|---:|');
  console.log(`| key press to redraw during load (median of ${keyMs.length}) | ${keyMs[keyMs.length >> 1].toFixed(0)} ms | < 100 ms |`);
  console.log(`| key press to redraw during load (worst) | ${keyMs[keyMs.length - 1].toFixed(0)} ms | |`);
  console.log(`| captured by mid-load | ${midLoad.captured} | |`);
  console.log(`| captured at end | ${end.captured} | |`);
  console.log(`| kernel drops shown at end | ${end.drops} | |`);
  console.log(`| captured + drops - offered | ${end.captured + end.drops - packets} | 0 |`);
} finally {
  if (trafgen && trafgen.exitCode === null) trafgen.kill();
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  rmSync(cfg, { force: true });
}
