// The user filter's own rate: packets are decoded once into reused Packets held in a ring of
// ready-made structures, then each expression is timed over them alone, so the figure is the
// filter's cost and not the decoder's.
import { openFileSource } from '../../dist/capture/file-source.js';
import { decodeFrame } from '../../dist/decode/decode.js';
import { Packet } from '../../dist/decode/packet.js';
import { compileFilter } from '../../dist/filter/compile.js';

const file = process.argv[2];
const source = await openFileSource(file);
const packets = [];
// Keep the bytes: batches are reused, so each decoded packet gets its own copy of its frame.
for await (const batch of source.batches()) {
  for (let i = 0; i < batch.count && packets.length < 100_000; i++) {
    const frame = batch.bytes.slice(batch.offset[i], batch.offset[i] + batch.capLen[i]);
    const pkt = new Packet();
    decodeFrame(pkt, { ...batch, bytes: frame, offset: Uint32Array.of(0), capLen: Uint32Array.of(frame.length), wireLen: Uint32Array.of(batch.wireLen[i]), tsSec: Float64Array.of(batch.tsSec[i]), tsNsec: Uint32Array.of(batch.tsNsec[i]), link: Uint16Array.of(0), direction: Uint8Array.of(0), pktType: Uint8Array.of(255), drops: Uint32Array.of(0), count: 1 }, 0, source.links[0].linkType, packets.length + 1);
    packets.push(pkt);
  }
}
await source.close();

console.log('\n| user filter expression | matched | packets/s |');
console.log('|---|---:|---:|');
for (const expr of ['icmp', 'host 192.0.2.1', 'probe', 'igmp or mld', 'ip[9] = 1', 'udp port 53', 'group 239.1.2.3']) {
  const f = compileFilter(expr, { linkType: 1, userOnly: true });
  let matched = 0;
  for (const p of packets) if (f.matches(p)) matched++; // warm-up
  const rounds = 30;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const p of packets) if (f.matches(p)) matched++;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`| \`${expr}\` | ${matched / (rounds + 1)} of ${packets.length} | ${Math.round((packets.length * rounds) / secs).toLocaleString('en-US')} |`);
}
