// The blessed layer: draws the ViewState and the store, turns keys and mouse events into
// view-model actions, and carries out their effects. Only the rows on screen are decoded and
// formatted, so a million stored packets draw as fast as thirty.
import blessed from 'blessed';
import type { Annotation } from '../annotate/annotation.js';
import { Packet } from '../decode/packet.js';
import type { NameLookup } from '../output/render/context.js';
import { hexDumpLines, lineParts, verboseLines } from '../output/text.js';
import { hexHighlight, layerOfLine, layerRange } from './hex-map.js';
import { contentHeight, layoutFor, type Layout, type Rect } from './layout.js';
import type { PacketFilter, TuiPipeline } from './pipeline.js';
import { columnsFor, fit, headerText, rowText, timeText } from './rows.js';
import { SIDE_TITLES, sideLines, type LinksInfo, type SideTables } from './side-panes.js';
import { Kind } from './store.js';
import {
  clickRow,
  contentMeasured,
  focusPane,
  handleKey,
  initialState,
  KEY_HELP,
  resized,
  rowsChanged,
  SIDE_TABS,
  viewRebuilt,
  wheel,
  type Effect,
  type FilterCheck,
  type Pane,
  type ViewState,
} from './view-model.js';

export interface ScreenOptions {
  pipeline: TuiPipeline;
  names: NameLookup;
  description: string;
  /** Live links: follow new packets from the start. */
  live: boolean;
  filter: string;
  checkFilter(expression: string): FilterCheck;
  compileFilter(expression: string): PacketFilter | null;
  tables: SideTables;
  links(): LinksInfo;
  save(path: string): number;
}

const KIND_COLOUR: Record<number, string> = {
  [Kind.PROBE]: 'blue-fg',
  [Kind.PROBE_ACKED]: 'green-fg',
  [Kind.PROBE_LOST]: 'red-fg',
  [Kind.MEMBERSHIP]: 'magenta-fg',
  [Kind.ARP]: 'yellow-fg',
  [Kind.ND]: 'cyan-fg',
};

const REDRAW_MS = 50;

function esc(text: string): string {
  return blessed.escape(text);
}

/** Wrap `text` in blessed tags when `tag` is non-empty. */
function tagged(tag: string, text: string): string {
  return tag ? `{${tag}}${text}{/${tag}}` : text;
}

export class TuiScreen {
  private state: ViewState;
  private readonly screen: blessed.Widgets.Screen;
  private readonly boxes: Record<'list' | 'detail' | 'hex' | 'side' | 'status' | 'bar', blessed.Widgets.BoxElement>;
  private readonly help: blessed.Widgets.BoxElement;
  private layout!: Layout;
  /** List rows show summaries, which carry no checksum verdicts: those are left unverified. */
  private readonly rowPkt = Object.assign(new Packet(), { checksums: false });
  private readonly detailPkt = new Packet();
  /** Verbose lines of the selected packet, cached by sequence number. */
  private detail: { seq: number; lines: string[]; layers: number[]; hex: string[] } | null = null;
  private drawTimer: NodeJS.Timeout | null = null;
  private ended = '';
  private filtering = false;
  private destroyed = false;
  private resolveQuit!: () => void;
  /** Resolves when the user quits. */
  readonly quit: Promise<void>;

  constructor(private readonly o: ScreenOptions) {
    this.state = initialState({ filter: o.filter, follow: o.live });
    this.quit = new Promise<void>((resolve) => (this.resolveQuit = resolve));
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      autoPadding: false,
      warnings: false,
      title: `dlsnoop: ${o.description}`,
    });
    const box = (style: Record<string, unknown> = {}) =>
      blessed.box({ parent: this.screen, tags: true, wrap: false, top: 0, left: 0, width: 1, height: 1, style }) as blessed.Widgets.BoxElement;
    this.boxes = {
      list: box(),
      detail: box(),
      hex: box(),
      side: box(),
      status: box({ bg: 'blue', fg: 'white' }),
      bar: box(),
    };
    this.help = blessed.box({
      parent: this.screen,
      tags: true,
      hidden: true,
      top: 'center',
      left: 'center',
      width: HELP_WIDTH,
      height: KEY_HELP.length + 2,
      border: { type: 'line' },
      style: { border: { fg: 'cyan' } },
      label: ' dlsnoop keys ',
      content: KEY_HELP.map(([k, what]) => ` {bold}${esc(k.padEnd(12))}{/bold} ${esc(what)} `).join('\n'),
    });
    this.bindInput();
    this.relayout();
  }

  private bindInput(): void {
    this.screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
      // blessed reports one Enter press as 'enter' and again as 'return'.
      if (key?.name === 'return') return;
      const result = handleKey(this.state, { name: key?.name, ch, ctrl: key?.ctrl, shift: key?.shift }, { checkFilter: this.o.checkFilter });
      this.update(result.state);
      if (result.effect) void this.perform(result.effect);
    });
    this.screen.on('resize', () => this.relayout());
    const panes: Pane[] = ['list', 'detail', 'hex', 'side'];
    for (const pane of panes) {
      const el = this.boxes[pane];
      el.on('click', (data: { y: number }) => {
        if (pane === 'list') {
          const row = data.y - (el.atop as number) - 1;
          if (row >= 0) this.update(clickRow(this.state, row));
        } else {
          this.update(focusPane(this.state, pane));
        }
      });
      el.on('wheeldown', () => this.update(wheel(this.state, pane, 3)));
      el.on('wheelup', () => this.update(wheel(this.state, pane, -3)));
    }
  }

  private async perform(effect: Effect): Promise<void> {
    switch (effect.type) {
      case 'quit':
        this.destroy();
        this.resolveQuit();
        return;
      case 'save': {
        let message: string;
        try {
          const n = this.o.save(effect.path);
          message = `saved ${n} packet${n === 1 ? '' : 's'} to ${effect.path}`;
        } catch (err) {
          message = `save failed: ${err instanceof Error ? err.message : String(err)}`;
        }
        this.update({ ...this.state, message });
        return;
      }
      case 'applyFilter': {
        const { pipeline } = this.o;
        const selectedSeq = this.state.selected >= 0 ? pipeline.view.at(this.state.selected) : pipeline.store.firstSeq;
        this.filtering = true;
        this.scheduleDraw();
        await pipeline.applyFilter(this.o.compileFilter(effect.expression), () => this.scheduleDraw());
        this.filtering = false;
        this.detail = null;
        this.update(viewRebuilt(this.state, pipeline.view.length, pipeline.view.positionOf(selectedSeq)));
      }
    }
  }

  /** New packets were stored; `trimmed` rows left the front of the view. */
  packetsArrived(trimmed: number): void {
    this.state = rowsChanged(this.state, this.o.pipeline.view.length, trimmed);
    this.scheduleDraw();
  }

  /** Draw again soon (link rates and kernel counters change without new rows). */
  redraw(): void {
    this.scheduleDraw();
  }

  /** Leave as if the user pressed q (SIGTERM, SIGHUP). */
  requestQuit(): void {
    void this.perform({ type: 'quit' });
  }

  /** The source has no more packets (end of file, or it failed with `error`). */
  sourceEnded(error?: string): void {
    this.ended = error ? `stopped: ${error}` : 'end of capture';
    this.scheduleDraw();
  }

  private update(next: ViewState): void {
    const layoutChanged = next.focus !== this.state.focus && (next.focus === 'side' || this.state.focus === 'side');
    this.state = next;
    if (layoutChanged) this.relayout();
    else this.draw();
  }

  private scheduleDraw(): void {
    if (this.drawTimer || this.destroyed) return;
    this.drawTimer = setTimeout(() => {
      this.drawTimer = null;
      this.draw();
    }, REDRAW_MS);
  }

  private relayout(): void {
    const width = (this.screen.width as number) || 80;
    const height = (this.screen.height as number) || 24;
    this.layout = layoutFor(width, height, this.state.focus);
    const place = (el: blessed.Widgets.BoxElement, r: Rect) => {
      el.top = r.top;
      el.left = r.left;
      el.width = Math.max(1, r.width);
      el.height = Math.max(1, r.height);
      if (r.height > 0) el.show();
      else el.hide();
    };
    for (const name of ['list', 'detail', 'hex', 'side', 'status', 'bar'] as const) place(this.boxes[name], this.layout[name]);
    this.state = resized(this.state, {
      list: contentHeight(this.layout.list),
      detail: contentHeight(this.layout.detail),
      hex: contentHeight(this.layout.hex),
      side: contentHeight(this.layout.side),
    });
    this.draw();
  }

  private draw(): void {
    if (this.destroyed) return;
    if (this.drawTimer) {
      clearTimeout(this.drawTimer);
      this.drawTimer = null;
    }
    this.boxes.side.setContent(this.sideContent());
    this.drawDetail();
    this.boxes.list.setContent(this.listContent());
    this.boxes.status.setContent(this.statusContent());
    this.boxes.bar.setContent(this.barContent());
    if (this.state.mode === 'help') {
      this.help.show();
      this.help.setFront();
    } else {
      this.help.hide();
    }
    this.screen.render();
  }

  private title(text: string, pane: Pane | null, width: number): string {
    const bg = pane !== null && this.state.focus === pane ? 'cyan-bg' : 'white-bg';
    return `{black-fg}{${bg}}${esc(fit(text, width))}{/${bg}}{/black-fg}`;
  }

  private listContent(): string {
    const s = this.state;
    const { pipeline } = this.o;
    const { view, store } = pipeline;
    const width = this.layout.list.width;
    const cols = columnsFor(width, pipeline.links.length > 1);
    const lines: string[] = [this.title(headerText(cols, s.time), 'list', width)];
    const height = contentHeight(this.layout.list);
    const batch = store.batch;
    for (let row = s.top; row < Math.min(view.length, s.top + height); row++) {
      const seq = view.at(row);
      this.o.pipeline.decodeStored(seq, this.rowPkt);
      const pkt = this.rowPkt;
      const parts = lineParts(pkt, this.o.names);
      let baseSec = pipeline.baseSec;
      let baseNsec = pipeline.baseNsec;
      if (s.time === 'delta') {
        if (row > 0) {
          const prev = store.slot(view.at(row - 1));
          baseSec = batch.tsSec[prev];
          baseNsec = batch.tsNsec[prev];
        } else {
          baseSec = pkt.tsSec;
          baseNsec = pkt.tsNsec;
        }
      }
      let summary = parts.summary;
      for (const a of store.annotationsOf(seq) ?? []) summary += ` [${a.summary}]`;
      const text = rowText(cols, {
        number: pkt.number,
        time: timeText(s.time, pkt.tsSec, pkt.tsNsec, baseSec, baseNsec),
        link: pipeline.links[pkt.linkIndex]?.name ?? '?',
        src: parts.src,
        dst: parts.dst,
        proto: parts.protocol,
        summary,
      });
      const colour = KIND_COLOUR[store.kind[store.slot(seq)]] ?? '';
      let line = tagged(colour, esc(text));
      if (row === s.selected) line = tagged(s.focus === 'list' ? 'inverse' : 'underline', line);
      lines.push(line);
    }
    if (view.length === 0) lines.push(esc(this.filtering ? ' filtering...' : store.size ? ' no packets match the filter' : ' waiting for packets...'));
    return lines.join('\n');
  }

  /** Decode the selected packet (once per selection) and draw the detail and hex panes. */
  private drawDetail(): void {
    const s = this.state;
    const { pipeline } = this.o;
    const seq = s.selected >= 0 && s.selected < pipeline.view.length ? pipeline.view.at(s.selected) : -1;
    if (seq < 0 || !pipeline.store.has(seq)) {
      this.detail = null;
    } else {
      this.o.pipeline.decodeStored(seq, this.detailPkt);
      if (this.detail?.seq !== seq) {
        const pkt = this.detailPkt;
        const annotations: readonly Annotation[] = pipeline.store.annotationsOf(seq) ?? [];
        const lines = verboseLines(pkt, this.o.names, annotations);
        this.detail = {
          seq,
          lines,
          layers: lines.map(layerOfLine),
          hex: hexDumpLines(pkt.bytes, pkt.start, pkt.end).map((l) => l.replace(/^\t/, '')),
        };
      }
    }
    const d = this.detail;
    this.state = contentMeasured(this.state, { detail: d?.lines.length ?? 0, hex: d?.hex.length ?? 0, side: this.sideLineCount });
    const st = this.state;

    const dw = this.layout.detail.width;
    const detailTitle = d ? `Packet ${d.seq + 1}: ${this.detailPkt.capLen} of ${this.detailPkt.wireLen} bytes` : 'Packet detail';
    const detailLines = [this.title(detailTitle, 'detail', dw)];
    if (d) {
      for (let i = st.detailTop; i < Math.min(d.lines.length, st.detailTop + contentHeight(this.layout.detail)); i++) {
        const text = esc(fit(d.lines[i], dw));
        detailLines.push(i === st.detailLine && st.focus === 'detail' ? tagged('inverse', text) : text);
      }
    }
    this.boxes.detail.setContent(detailLines.join('\n'));

    const hw = this.layout.hex.width;
    const hexLines = [this.title('Hex', 'hex', hw)];
    if (d) {
      const pkt = this.detailPkt;
      const layer = d.layers[st.detailLine] ?? 0;
      const range = layer ? layerRange(pkt, layer) : null;
      const from = range ? range[0] - pkt.start : 0;
      const to = range ? range[1] - pkt.start : 0;
      for (let i = st.hexTop; i < Math.min(d.hex.length, st.hexTop + contentHeight(this.layout.hex)); i++) {
        hexLines.push(highlightLine(fit(d.hex[i], hw), range ? hexHighlight(i, from, to) : []));
      }
    }
    this.boxes.hex.setContent(hexLines.join('\n'));
  }

  private sideLineCount = 0;

  private sideContent(): string {
    const r = this.layout.side;
    if (r.height === 0) return '';
    const tabs = SIDE_TABS.map((t, i) => (t === this.state.sideTab ? `[${i + 1} ${SIDE_TITLES[t]}]` : ` ${i + 1} ${SIDE_TITLES[t]} `)).join('');
    const lines = sideLines(this.state.sideTab, this.o.tables, this.o.links(), r.width);
    this.sideLineCount = lines.length;
    const out = [this.title(tabs, 'side', r.width)];
    for (const l of lines.slice(this.state.sideTop, this.state.sideTop + contentHeight(r))) out.push(esc(fit(l, r.width)));
    return out.join('\n');
  }

  private statusContent(): string {
    const s = this.state;
    const { pipeline } = this.o;
    const width = this.layout.status.width;
    if (s.mode === 'filter' && s.check && !s.check.ok) {
      // Point at the error under the expression in the bar below.
      const caret = ' '.repeat(FILTER_PROMPT.length + (s.check.position ?? s.draft.length)) + '^ ';
      return tagged('red-fg', esc(fit(caret + (s.check.message ?? 'invalid filter'), width)));
    }
    const drops = this.o.links().stats.reduce((n, st) => n + st.dropped, 0);
    const parts = [
      this.o.description,
      `${pipeline.view.length} shown / ${pipeline.store.nextSeq} captured`,
      pipeline.store.dropped ? `${pipeline.store.dropped} older dropped from buffer` : '',
      drops ? `kernel drops ${drops}` : '',
      this.ended || (s.follow ? 'FOLLOWING' : 'PAUSED'),
      `time ${s.time}`,
      '? help',
    ].filter(Boolean);
    return esc(fit(' ' + parts.join(' | '), width));
  }

  private barContent(): string {
    const s = this.state;
    const width = this.layout.bar.width;
    if (s.mode === 'filter') {
      const colour = !s.draft.trim() ? 'cyan-bg' : s.check?.ok ? 'green-bg' : 'red-bg';
      return `{black-fg}{${colour}}${esc(fit(FILTER_PROMPT + s.draft + '█', width))}{/${colour}}{/black-fg}`;
    }
    if (s.mode === 'save') return `{black-fg}{yellow-bg}${esc(fit(SAVE_PROMPT + s.draft + '█', width))}{/yellow-bg}{/black-fg}`;
    const text = s.message || (this.filtering ? 'applying filter...' : s.filter ? `filter: ${s.filter}` : 'no filter (/ to set one)');
    return esc(fit(' ' + text, width));
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.drawTimer) clearTimeout(this.drawTimer);
    this.drawTimer = null;
    this.screen.destroy();
  }
}

const HELP_WIDTH = Math.max(...KEY_HELP.map(([, what]) => 15 + what.length)) + 2;

export const FILTER_PROMPT = 'Filter: ';
const SAVE_PROMPT = 'Save shown packets to: ';

/** One hex line with the [column, length] spans shown inverse. */
function highlightLine(line: string, spans: readonly [number, number][]): string {
  if (!spans.length) return esc(line);
  const marked = new Uint8Array(line.length);
  for (const [col, len] of spans) marked.fill(1, col, Math.min(line.length, col + len));
  let out = '';
  let i = 0;
  while (i < line.length) {
    let j = i;
    while (j < line.length && marked[j] === marked[i]) j++;
    const text = esc(line.slice(i, j));
    out += marked[i] ? tagged('inverse', text) : text;
    i = j;
  }
  return out;
}
