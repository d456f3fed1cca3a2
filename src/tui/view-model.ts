// Everything the TUI remembers about what the user is looking at, as plain data, and every key
// as a pure function from state to state. The blessed layer only draws this state and carries out
// the effects (quit, apply a filter, save a file); tests drive it without a terminal.

export type TimeFormat = 'relative' | 'absolute' | 'delta';
export type Pane = 'list' | 'detail' | 'hex' | 'side';
export type SideTab = 'targets' | 'probes' | 'ilm' | 'links';
/** normal browsing, typing a filter, typing a file name to save to, reading the help. */
export type Mode = 'normal' | 'filter' | 'save' | 'help';

export const PANES: readonly Pane[] = ['list', 'detail', 'hex', 'side'];
export const SIDE_TABS: readonly SideTab[] = ['targets', 'probes', 'ilm', 'links'];
export const TIME_FORMATS: readonly TimeFormat[] = ['relative', 'absolute', 'delta'];
const HISTORY_MAX = 50;

/** Result of checking a filter expression while it is typed. */
export interface FilterCheck {
  ok: boolean;
  message?: string;
  /** Character position of the error in the expression. */
  position?: number;
}

export interface ViewState {
  /** Rows in the filtered view. */
  rows: number;
  /** Row selected, -1 when there are none. */
  selected: number;
  /** First visible row. */
  top: number;
  listHeight: number;
  /** Keep the newest row selected as packets arrive; space toggles it. */
  follow: boolean;
  time: TimeFormat;
  focus: Pane;
  sideTab: SideTab;
  /** Detail pane: lines of the selected packet's decode, the cursor line and the first shown. */
  detailLines: number;
  detailLine: number;
  detailTop: number;
  detailHeight: number;
  hexTop: number;
  hexLines: number;
  hexHeight: number;
  sideTop: number;
  sideLines: number;
  sideHeight: number;
  mode: Mode;
  /** The filter applied to the list ('' = everything). */
  filter: string;
  /** Text being typed in the filter or save bar. */
  draft: string;
  check: FilterCheck | null;
  /** Filters applied before, newest last. */
  history: string[];
  /** Position while browsing history with ↑/↓; history.length when not browsing. */
  historyPos: number;
  /** One-line message for the status bar (saved a file, bad filter...). */
  message: string;
  /** Suggested file name for `w`. */
  savePath: string;
}

export interface Key {
  /** blessed's key name: 'up', 'pagedown', 'enter', 'escape', 'tab', 'backspace', 'a'... (blessed also sends 'return' after 'enter' for one press: ignored here). */
  name?: string;
  /** The character typed, if printable. */
  ch?: string;
  ctrl?: boolean;
  shift?: boolean;
}

export type Effect = { type: 'quit' } | { type: 'applyFilter'; expression: string } | { type: 'save'; path: string };

export interface KeyResult {
  state: ViewState;
  effect?: Effect;
}

export interface ViewDeps {
  /** Compile `expression` without applying it (the filter bar colours itself from this). */
  checkFilter(expression: string): FilterCheck;
}

export function initialState(opts: { filter?: string; follow?: boolean; savePath?: string } = {}): ViewState {
  return {
    rows: 0,
    selected: -1,
    top: 0,
    listHeight: 10,
    follow: opts.follow ?? false,
    time: 'relative',
    focus: 'list',
    sideTab: 'targets',
    detailLines: 0,
    detailLine: 0,
    detailTop: 0,
    detailHeight: 5,
    hexTop: 0,
    hexLines: 0,
    hexHeight: 5,
    sideTop: 0,
    sideLines: 0,
    sideHeight: 5,
    mode: 'normal',
    filter: opts.filter ?? '',
    draft: '',
    check: null,
    history: opts.filter ? [opts.filter] : [],
    historyPos: opts.filter ? 1 : 0,
    message: '',
    savePath: opts.savePath ?? 'dlsnoop-saved.pcapng',
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Scroll offset that keeps `line` inside a window of `height` starting near `top`. */
function scrollTo(top: number, line: number, height: number, total: number): number {
  const h = Math.max(1, height);
  if (line < top) top = line;
  else if (line >= top + h) top = line - h + 1;
  return clamp(top, 0, Math.max(0, total - h));
}

/** Select row `row` (clamped), scrolling it into view; a new packet starts its detail at the top. */
export function selectRow(s: ViewState, row: number): ViewState {
  const selected = s.rows ? clamp(row, 0, s.rows - 1) : -1;
  const top = selected < 0 ? 0 : scrollTo(s.top, selected, s.listHeight, s.rows);
  if (selected === s.selected) return top === s.top ? s : { ...s, top };
  return { ...s, selected, top, detailLine: 0, detailTop: 0, hexTop: 0 };
}

/** The filtered view now has `rows` rows; `trimmed` of them left at the front (buffer limit). */
export function rowsChanged(s: ViewState, rows: number, trimmed = 0): ViewState {
  let next: ViewState = { ...s, rows, top: Math.max(0, s.top - trimmed) };
  if (s.follow || (s.selected < 0 && rows > 0)) {
    next = selectRow(next, s.follow ? rows - 1 : 0);
  } else {
    const selected = rows ? clamp(s.selected - trimmed, 0, rows - 1) : -1;
    next = { ...next, selected: selected, top: selected < 0 ? 0 : scrollTo(next.top, selected, next.listHeight, rows) };
  }
  return next;
}

/** The filtered view was rebuilt; `row` is where the previously selected packet now sits. */
export function viewRebuilt(s: ViewState, rows: number, row: number): ViewState {
  const base = { ...s, rows, selected: -1, top: 0 };
  return rows ? selectRow(base, s.follow ? rows - 1 : row) : base;
}

export function resized(s: ViewState, sizes: { list: number; detail: number; hex: number; side: number }): ViewState {
  const next = { ...s, listHeight: Math.max(1, sizes.list), detailHeight: Math.max(1, sizes.detail), hexHeight: Math.max(1, sizes.hex), sideHeight: Math.max(1, sizes.side) };
  next.top = next.selected < 0 ? 0 : scrollTo(next.top, next.selected, next.listHeight, next.rows);
  next.detailTop = scrollTo(next.detailTop, next.detailLine, next.detailHeight, next.detailLines);
  next.hexTop = clamp(next.hexTop, 0, Math.max(0, next.hexLines - next.hexHeight));
  next.sideTop = clamp(next.sideTop, 0, Math.max(0, next.sideLines - next.sideHeight));
  return next;
}

/** The selected packet's decode was drawn with this many detail and hex lines. */
export function contentMeasured(s: ViewState, lines: { detail: number; hex: number; side: number }): ViewState {
  if (lines.detail === s.detailLines && lines.hex === s.hexLines && lines.side === s.sideLines) return s;
  const detailLine = clamp(s.detailLine, 0, Math.max(0, lines.detail - 1));
  return {
    ...s,
    detailLines: lines.detail,
    detailLine,
    detailTop: scrollTo(s.detailTop, detailLine, s.detailHeight, lines.detail),
    hexLines: lines.hex,
    hexTop: clamp(s.hexTop, 0, Math.max(0, lines.hex - s.hexHeight)),
    sideLines: lines.side,
    sideTop: clamp(s.sideTop, 0, Math.max(0, lines.side - s.sideHeight)),
  };
}

/** Move within the focused pane by `delta` lines (Infinity = to the end). */
export function move(s: ViewState, delta: number): ViewState {
  switch (s.focus) {
    case 'list': {
      const row = delta === -Infinity ? 0 : delta === Infinity ? s.rows - 1 : s.selected + delta;
      const next = selectRow(s, row);
      // Moving up or away from the end means "let me look": stop following. Reaching the end resumes.
      const follow = next.rows > 0 && next.selected === next.rows - 1 && delta > 0 ? s.follow || delta === Infinity : false;
      return follow === next.follow ? next : { ...next, follow };
    }
    case 'detail': {
      const line = clamp(delta === -Infinity ? 0 : delta === Infinity ? s.detailLines - 1 : s.detailLine + delta, 0, Math.max(0, s.detailLines - 1));
      return { ...s, detailLine: line, detailTop: scrollTo(s.detailTop, line, s.detailHeight, s.detailLines) };
    }
    case 'hex': {
      const top = delta === -Infinity ? 0 : delta === Infinity ? s.hexLines : s.hexTop + delta;
      return { ...s, hexTop: clamp(top, 0, Math.max(0, s.hexLines - s.hexHeight)) };
    }
    case 'side': {
      const top = delta === -Infinity ? 0 : delta === Infinity ? s.sideLines : s.sideTop + delta;
      return { ...s, sideTop: clamp(top, 0, Math.max(0, s.sideLines - s.sideHeight)) };
    }
  }
}

function pageSize(s: ViewState): number {
  const h = s.focus === 'list' ? s.listHeight : s.focus === 'detail' ? s.detailHeight : s.focus === 'hex' ? s.hexHeight : s.sideHeight;
  return Math.max(1, h - 1);
}

function cycle<T>(list: readonly T[], current: T, step: number): T {
  return list[(list.indexOf(current) + step + list.length) % list.length];
}

/** Mouse click on visible list row `row` (0 = first visible). */
export function clickRow(s: ViewState, row: number): ViewState {
  const next = selectRow({ ...s, focus: 'list' }, s.top + row);
  return next.follow ? { ...next, follow: false } : next;
}

/** Mouse wheel over pane `pane`: scroll it by `delta` lines without moving the selection. */
export function wheel(s: ViewState, pane: Pane, delta: number): ViewState {
  if (pane !== 'list') return move({ ...s, focus: pane }, delta);
  const top = clamp(s.top + delta, 0, Math.max(0, s.rows - s.listHeight));
  return { ...s, top, follow: delta < 0 ? false : s.follow };
}

export function focusPane(s: ViewState, pane: Pane): ViewState {
  return s.focus === pane ? s : { ...s, focus: pane };
}

function printable(key: Key): string | undefined {
  if (key.ctrl || !key.ch || key.ch.length !== 1) return undefined;
  const c = key.ch.charCodeAt(0);
  return c >= 0x20 && c !== 0x7f ? key.ch : undefined;
}

function editDraft(s: ViewState, draft: string, deps: ViewDeps): ViewState {
  return { ...s, draft, check: s.mode === 'filter' ? deps.checkFilter(draft) : null };
}

function filterKey(s: ViewState, key: Key, deps: ViewDeps): KeyResult {
  switch (key.name) {
    case 'escape':
      return { state: { ...s, mode: 'normal', draft: '', check: null, historyPos: s.history.length } };
    case 'enter': {
      const expression = s.draft.trim();
      const check = deps.checkFilter(expression);
      if (!check.ok) return { state: { ...s, check, message: `filter error: ${check.message ?? 'invalid expression'}` } };
      const history = expression ? [...s.history.filter((h) => h !== expression), expression].slice(-HISTORY_MAX) : s.history;
      return {
        state: { ...s, mode: 'normal', filter: expression, draft: '', check: null, history, historyPos: history.length, message: '' },
        effect: { type: 'applyFilter', expression },
      };
    }
    case 'up':
    case 'down': {
      if (!s.history.length) return { state: s };
      const pos = clamp(s.historyPos + (key.name === 'up' ? -1 : 1), 0, s.history.length);
      return { state: editDraft({ ...s, historyPos: pos }, pos === s.history.length ? '' : s.history[pos], deps) };
    }
  }
  return { state: textKey(s, key, deps) };
}

/** Editing keys shared by the filter and save bars. */
function textKey(s: ViewState, key: Key, deps: ViewDeps): ViewState {
  if (key.name === 'backspace') return editDraft(s, s.draft.slice(0, -1), deps);
  if (key.ctrl && key.name === 'u') return editDraft(s, '', deps);
  if (key.ctrl && key.name === 'w') return editDraft(s, s.draft.replace(/\S*\s*$/, ''), deps);
  const ch = printable(key);
  return ch === undefined ? s : editDraft(s, s.draft + ch, deps);
}

function saveKey(s: ViewState, key: Key, deps: ViewDeps): KeyResult {
  if (key.name === 'escape') return { state: { ...s, mode: 'normal', draft: '' } };
  if (key.name === 'enter') {
    const path = s.draft.trim();
    if (!path) return { state: { ...s, message: 'give a file name to save to' } };
    return { state: { ...s, mode: 'normal', draft: '', savePath: path }, effect: { type: 'save', path } };
  }
  return { state: textKey(s, key, deps) };
}

/** One key press. */
export function handleKey(s: ViewState, key: Key, deps: ViewDeps): KeyResult {
  if (key.ctrl && key.name === 'c') return { state: s, effect: { type: 'quit' } };
  if (s.mode === 'filter') return filterKey(s, key, deps);
  if (s.mode === 'save') return saveKey(s, key, deps);
  if (s.mode === 'help') return { state: { ...s, mode: 'normal' } };
  const state = normalKey(s, key, deps);
  return state === 'quit' ? { state: s, effect: { type: 'quit' } } : { state };
}

function normalKey(s: ViewState, key: Key, deps: ViewDeps): ViewState | 'quit' {
  const name = key.name;
  if (key.ctrl) {
    if (name === 'f' || name === 'd') return move(s, name === 'f' ? pageSize(s) : Math.ceil(pageSize(s) / 2));
    if (name === 'b' || name === 'u') return move(s, name === 'b' ? -pageSize(s) : -Math.ceil(pageSize(s) / 2));
    return s;
  }
  switch (key.ch) {
    case 'q':
      return 'quit';
    case 'j':
      return move(s, 1);
    case 'k':
      return move(s, -1);
    case 'g':
      return move(s, -Infinity);
    case 'G':
      return move(s, Infinity);
    case ' ':
      return s.follow ? { ...s, follow: false } : { ...selectRow(s, s.rows - 1), follow: true };
    case 't':
      return { ...s, time: cycle(TIME_FORMATS, s.time, 1) };
    case '?':
      return { ...s, mode: 'help' };
    case '/':
      return { ...s, mode: 'filter', draft: s.filter, check: deps.checkFilter(s.filter), historyPos: s.history.length, message: '' };
    case 'w':
      return { ...s, mode: 'save', draft: s.savePath, message: '' };
    case '[':
      return { ...s, sideTab: cycle(SIDE_TABS, s.sideTab, -1), sideTop: 0 };
    case ']':
      return { ...s, sideTab: cycle(SIDE_TABS, s.sideTab, 1), sideTop: 0 };
    case '1':
    case '2':
    case '3':
    case '4':
      return { ...s, sideTab: SIDE_TABS[Number(key.ch) - 1], focus: 'side', sideTop: 0 };
  }
  switch (name) {
    case 'down':
      return move(s, 1);
    case 'up':
      return move(s, -1);
    case 'home':
      return move(s, -Infinity);
    case 'end':
      return move(s, Infinity);
    case 'pagedown':
      return move(s, pageSize(s));
    case 'pageup':
      return move(s, -pageSize(s));
    case 'enter':
      return s.focus === 'list' && s.selected >= 0 ? { ...s, focus: 'detail' } : s;
    case 'tab':
      return { ...s, focus: cycle(PANES, s.focus, key.shift ? -1 : 1) };
    case 'escape':
      return { ...s, focus: 'list', message: '' };
    case 'left':
    case 'right':
      return s.focus === 'side' ? { ...s, sideTab: cycle(SIDE_TABS, s.sideTab, name === 'left' ? -1 : 1), sideTop: 0 } : s;
  }
  return s;
}

/** Every key, for the `?` screen: [keys, what they do]. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['j / ↓', 'next packet (next line in detail, hex, side)'],
  ['k / ↑', 'previous packet (or line)'],
  ['g / Home', 'first packet'],
  ['G / End', 'last packet, then follow new ones'],
  ['PgDn / ^F', 'page down (^D half a page)'],
  ['PgUp / ^B', 'page up (^U half a page)'],
  ['Enter', 'open the selected packet in the detail pane'],
  ['Tab / S-Tab', 'next / previous pane: list, detail, hex, side'],
  ['Esc', 'back to the packet list'],
  ['space', 'pause / follow new packets'],
  ['/', 'filter: Enter applies, Esc cancels, ↑/↓ history'],
  ['w', 'save shown packets (.pcap/.pcapng, with comments)'],
  ['t', 'time: relative, absolute, delta'],
  ['1-4', 'side: IPMP targets, probes, ilm, links'],
  ['[ ] / ← →', 'previous / next side tab'],
  ['mouse', 'click selects a row; the wheel scrolls'],
  ['?', 'this help (any key closes it)'],
  ['q / ^C', 'quit'],
];
