import { describe, expect, it } from 'vitest';
import {
  clickRow,
  contentMeasured,
  handleKey,
  initialState,
  KEY_HELP,
  resized,
  rowsChanged,
  viewRebuilt,
  wheel,
  type FilterCheck,
  type Key,
  type ViewState,
} from '../../src/tui/view-model.js';

// A stand-in filter checker: anything with an unbalanced '(' is wrong at that '('.
const deps = {
  checkFilter(expr: string): FilterCheck {
    const open = expr.lastIndexOf('(');
    return open >= 0 && !expr.includes(')', open) ? { ok: false, message: 'missing )', position: open } : { ok: true };
  },
};

function press(s: ViewState, ...keys: (string | Key)[]): ViewState {
  for (const k of keys) s = handleKey(s, typeof k === 'string' ? { name: k.length === 1 ? k.toLowerCase() : k, ch: k.length === 1 ? k : undefined } : k, deps).state;
  return s;
}

function typeText(s: ViewState, text: string): ViewState {
  for (const ch of text) s = handleKey(s, { name: ch === ' ' ? 'space' : ch, ch }, deps).state;
  return s;
}

/** 100 rows, 10 visible, first row selected. */
function browsing(): ViewState {
  return rowsChanged(resized(initialState(), { list: 10, detail: 6, hex: 4, side: 10 }), 100);
}

describe('view model: moving through the list', () => {
  it('selects the first row when packets first arrive', () => {
    expect(browsing().selected).toBe(0);
    expect(rowsChanged(initialState(), 0).selected).toBe(-1);
  });

  it('j / k and the arrows move one row and scroll to keep it visible', () => {
    let s = press(browsing(), 'j', 'j', 'down');
    expect(s.selected).toBe(3);
    s = press(s, 'k', 'up');
    expect(s.selected).toBe(1);
    s = press(s, 'k', 'k', 'k');
    expect(s.selected).toBe(0);
    for (let i = 0; i < 12; i++) s = press(s, 'j');
    expect(s.selected).toBe(12);
    expect(s.top).toBe(3);
  });

  it('g / G / Home / End jump to the ends', () => {
    let s = press(browsing(), 'G');
    expect(s.selected).toBe(99);
    expect(s.top).toBe(90);
    expect(s.follow).toBe(true);
    s = press(s, 'g');
    expect(s.selected).toBe(0);
    expect(s.follow).toBe(false);
    expect(press(s, 'end').selected).toBe(99);
    expect(press(press(s, 'end'), 'home').selected).toBe(0);
  });

  it('PgDn / PgUp and ^F ^B ^D ^U move by pages', () => {
    let s = press(browsing(), 'pagedown');
    expect(s.selected).toBe(9);
    s = press(s, 'pagedown');
    expect(s.selected).toBe(18);
    s = press(s, 'pageup');
    expect(s.selected).toBe(9);
    s = handleKey(s, { name: 'f', ctrl: true }, deps).state;
    expect(s.selected).toBe(18);
    s = handleKey(s, { name: 'b', ctrl: true }, deps).state;
    expect(s.selected).toBe(9);
    s = handleKey(s, { name: 'd', ctrl: true }, deps).state;
    expect(s.selected).toBe(14);
    s = handleKey(s, { name: 'u', ctrl: true }, deps).state;
    expect(s.selected).toBe(9);
  });

  it('a new selection starts the detail and hex panes at the top', () => {
    let s = contentMeasured(browsing(), { detail: 30, hex: 10, side: 0 });
    s = press(s, 'enter', 'j', 'j', 'j');
    expect(s.focus).toBe('detail');
    expect(s.detailLine).toBe(3);
    s = press(s, 'escape', 'j');
    expect(s.focus).toBe('list');
    expect(s.selected).toBe(1);
    expect(s.detailLine).toBe(0);
  });
});

describe('view model: following live packets', () => {
  it('space toggles follow; following keeps the newest row selected as rows arrive', () => {
    let s = press(browsing(), ' ');
    expect(s.follow).toBe(true);
    expect(s.selected).toBe(99);
    s = rowsChanged(s, 150);
    expect(s.selected).toBe(149);
    expect(s.top).toBe(140);
    s = press(s, ' ');
    expect(s.follow).toBe(false);
    s = rowsChanged(s, 200);
    expect(s.selected).toBe(149);
  });

  it('moving up while following pauses; reaching the end with j does not resume, G does', () => {
    let s = rowsChanged({ ...browsing(), follow: true }, 100);
    s = press(s, 'k');
    expect(s.follow).toBe(false);
    s = press(s, 'j');
    expect(s.selected).toBe(99);
    expect(s.follow).toBe(false);
    expect(press(s, 'G').follow).toBe(true);
  });

  it('keeps the same packet selected when the buffer limit trims rows at the front', () => {
    let s = press(browsing(), 'pagedown', 'pagedown');
    expect(s.selected).toBe(18);
    s = rowsChanged(s, 95, 5);
    expect(s.selected).toBe(13);
    s = rowsChanged(s, 80, 30);
    expect(s.selected).toBe(0);
  });
});

describe('view model: panes, time and help', () => {
  it('Tab and Shift-Tab cycle the focus through the panes', () => {
    let s = press(browsing(), 'tab');
    expect(s.focus).toBe('detail');
    s = press(s, 'tab', 'tab');
    expect(s.focus).toBe('side');
    s = press(s, 'tab');
    expect(s.focus).toBe('list');
    s = handleKey(s, { name: 'tab', shift: true }, deps).state;
    expect(s.focus).toBe('side');
  });

  it('j / k scroll the focused hex and side panes within their content', () => {
    let s = contentMeasured(browsing(), { detail: 20, hex: 7, side: 25 });
    s = press(s, 'tab', 'tab');
    expect(s.focus).toBe('hex');
    s = press(s, 'j', 'j', 'j', 'j', 'j');
    expect(s.hexTop).toBe(3); // 7 lines, 4 visible
    s = press(s, 'tab', 'G');
    expect(s.sideTop).toBe(15);
    s = press(s, 'g');
    expect(s.sideTop).toBe(0);
    expect(s.selected).toBe(0);
  });

  it('1-4, [ ], ← → choose the side tab', () => {
    let s = press(browsing(), '3');
    expect(s.sideTab).toBe('ilm');
    expect(s.focus).toBe('side');
    s = press(s, ']');
    expect(s.sideTab).toBe('links');
    s = press(s, ']');
    expect(s.sideTab).toBe('targets');
    s = press(s, '[');
    expect(s.sideTab).toBe('links');
    s = press(s, 'left');
    expect(s.sideTab).toBe('ilm');
    s = press(s, 'right', '2');
    expect(s.sideTab).toBe('probes');
  });

  it('t cycles relative, absolute, delta', () => {
    let s = browsing();
    expect(s.time).toBe('relative');
    s = press(s, 't');
    expect(s.time).toBe('absolute');
    s = press(s, 't');
    expect(s.time).toBe('delta');
    expect(press(s, 't').time).toBe('relative');
  });

  it('? opens the help and any key closes it without acting', () => {
    let s = press(browsing(), '?');
    expect(s.mode).toBe('help');
    s = press(s, 'j');
    expect(s.mode).toBe('normal');
    expect(s.selected).toBe(0);
    expect(KEY_HELP.map(([k]) => k).join(' ')).toMatch(/j.*k.*g.*G.*PgDn.*PgUp.*Enter.*Tab.*space.*\/.*w.*t.*\?.*q/s);
  });

  it('q and ^C quit', () => {
    expect(handleKey(browsing(), { name: 'q', ch: 'q' }, deps).effect).toEqual({ type: 'quit' });
    expect(handleKey(browsing(), { name: 'c', ctrl: true }, deps).effect).toEqual({ type: 'quit' });
    expect(handleKey(press(browsing(), '/'), { name: 'c', ctrl: true }, deps).effect).toEqual({ type: 'quit' });
  });
});

describe('view model: mouse', () => {
  it('a click selects the row under it and stops following', () => {
    let s = press(browsing(), 'pagedown', 'pagedown');
    s = clickRow({ ...s, follow: true, focus: 'hex' }, 2);
    expect(s.selected).toBe(s.top + 2);
    expect(s.focus).toBe('list');
    expect(s.follow).toBe(false);
  });

  it('the wheel scrolls the list without moving the selection', () => {
    let s = wheel(browsing(), 'list', 3);
    expect(s.top).toBe(3);
    expect(s.selected).toBe(0);
    s = wheel(s, 'list', -10);
    expect(s.top).toBe(0);
    s = wheel(contentMeasured(s, { detail: 40, hex: 2, side: 0 }), 'detail', 3);
    expect(s.detailLine).toBe(3);
  });
});

describe('view model: filter bar', () => {
  it('/ opens the bar with the current filter, checks as you type, and Enter applies', () => {
    let s = press(browsing(), '/');
    expect(s.mode).toBe('filter');
    expect(s.draft).toBe('');
    s = typeText(s, 'icmp and (host 192.0.2.1');
    expect(s.check).toEqual({ ok: false, message: 'missing )', position: 9 });
    const refused = handleKey(s, { name: 'enter' }, deps);
    expect(refused.effect).toBeUndefined();
    expect(refused.state.mode).toBe('filter');
    expect(refused.state.message).toMatch(/missing \)/);
    s = typeText(s, ')');
    expect(s.check?.ok).toBe(true);
    const applied = handleKey(s, { name: 'enter' }, deps);
    expect(applied.effect).toEqual({ type: 'applyFilter', expression: 'icmp and (host 192.0.2.1)' });
    expect(applied.state.mode).toBe('normal');
    expect(applied.state.filter).toBe('icmp and (host 192.0.2.1)');
    expect(applied.state.history).toEqual(['icmp and (host 192.0.2.1)']);
  });

  it('backspace, ^W and ^U edit; Esc leaves the applied filter alone', () => {
    let s = typeText(press(browsing(), '/'), 'arp or igmp');
    s = press(s, 'backspace');
    expect(s.draft).toBe('arp or igm');
    s = handleKey(s, { name: 'w', ctrl: true }, deps).state;
    expect(s.draft).toBe('arp or ');
    s = handleKey(s, { name: 'u', ctrl: true }, deps).state;
    expect(s.draft).toBe('');
    s = press(typeText(s, 'udp'), 'escape');
    expect(s.mode).toBe('normal');
    expect(s.filter).toBe('');
  });

  it('↑ / ↓ walk the history of applied filters, newest first', () => {
    let s = browsing();
    // The bar opens holding the applied filter; ^U clears it before typing a new one.
    const apply = (f: string) => (s = handleKey(typeText(handleKey(press(s, '/'), { name: 'u', ctrl: true }, deps).state, f), { name: 'enter' }, deps).state);
    for (const f of ['arp', 'icmp', 'igmp', 'arp']) apply(f);
    expect(s.history).toEqual(['icmp', 'igmp', 'arp']);
    s = press(s, '/');
    s = handleKey(s, { name: 'up' }, deps).state;
    expect(s.draft).toBe('arp');
    s = handleKey(s, { name: 'up' }, deps).state;
    s = handleKey(s, { name: 'up' }, deps).state;
    expect(s.draft).toBe('icmp');
    s = handleKey(s, { name: 'up' }, deps).state;
    expect(s.draft).toBe('icmp');
    s = handleKey(s, { name: 'down' }, deps).state;
    expect(s.draft).toBe('igmp');
    s = handleKey(handleKey(s, { name: 'down' }, deps).state, { name: 'down' }, deps).state;
    expect(s.draft).toBe('');
  });

  it('an empty filter applies as "show everything"', () => {
    let s = handleKey(typeText(press(browsing(), '/'), 'arp'), { name: 'enter' }, deps).state;
    s = press(s, '/');
    s = handleKey(s, { name: 'u', ctrl: true }, deps).state;
    const r = handleKey(s, { name: 'enter' }, deps);
    expect(r.effect).toEqual({ type: 'applyFilter', expression: '' });
    expect(r.state.filter).toBe('');
  });

  it('keeps the selected packet across a rebuild, or the newest when following', () => {
    const s = press(browsing(), 'pagedown');
    expect(viewRebuilt(s, 20, 4).selected).toBe(4);
    expect(viewRebuilt({ ...s, follow: true }, 20, 4).selected).toBe(19);
    expect(viewRebuilt(s, 0, 0).selected).toBe(-1);
  });
});

describe('view model: save bar', () => {
  it('w offers a file name; Enter saves to what was typed', () => {
    let s = press(browsing(), 'w');
    expect(s.mode).toBe('save');
    expect(s.draft).toBe('dlsnoop-saved.pcapng');
    s = handleKey(s, { name: 'u', ctrl: true }, deps).state;
    s = typeText(s, '/tmp/x.pcap');
    const r = handleKey(s, { name: 'enter' }, deps);
    expect(r.effect).toEqual({ type: 'save', path: '/tmp/x.pcap' });
    expect(r.state.mode).toBe('normal');
    expect(press(r.state, 'w').draft).toBe('/tmp/x.pcap');
  });

  it('refuses an empty name and Esc cancels', () => {
    let s = handleKey(press(browsing(), 'w'), { name: 'u', ctrl: true }, deps).state;
    const r = handleKey(s, { name: 'enter' }, deps);
    expect(r.effect).toBeUndefined();
    expect(r.state.mode).toBe('save');
    s = press(r.state, 'escape');
    expect(s.mode).toBe('normal');
  });
});
