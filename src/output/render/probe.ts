// The in.mpathd probe found in an ICMP/ICMPv6 echo (decode/probe.ts). It is drawn as its own
// layer so JSON carries `probe{kind,fmt,ts}` and -v a short section; its summary is the echo's
// own, which already ends in ` [mpathd UNI ms32]`.
import { L } from '../../decode/packet.js';
import { probeKindName } from '../../decode/probe.js';
import { icmpRenderer } from './icmp.js';
import { icmp6Renderer } from './icmp6.js';
import { probeTimestamp } from './l4-common.js';
import type { ProtocolRenderer } from './protocol.js';

export const probeRenderer: ProtocolRenderer = {
  layer: L.PROBE,
  prefix: 'PROBE:  ',
  title: 'in.mpathd Probe',
  jsonKey: 'probe',

  summary: (pkt, names, out) => (pkt.has(L.ICMP6) ? icmp6Renderer : icmpRenderer).summary(pkt, names, out),

  layerLine(pkt) {
    const p = pkt.probe;
    return `PROBE mpathd ${probeKindName(p.kind)} ${p.format} ${p.reply ? 'reply' : 'request'} ts=${probeTimestamp(pkt)}${p.format === 'ms32' ? 'ms' : 'ns'}`;
  },

  detail(pkt, _names, out) {
    const p = pkt.probe;
    out.push(
      `Probe type = 0x${p.kind.toString(16)} (${probeKindName(p.kind)})`,
      `Format = ${p.format} (${p.size} bytes${p.format === 'ms32' ? ', pre-Clearview' : ', Clearview'})`,
      `Direction = ${p.reply ? 'echo reply' : 'echo request'}`,
      `Timestamp = ${probeTimestamp(pkt)} ${p.format === 'ms32' ? 'ms' : 'ns'} since sender boot`,
    );
  },

  json(pkt) {
    return { kind: probeKindName(pkt.probe.kind), fmt: pkt.probe.format, ts: probeTimestamp(pkt) };
  },
};
