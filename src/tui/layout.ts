// Where each pane goes for a terminal size. Every pane's first line is its title, so no borders
// are needed and 80×24 still shows nine packets, six detail lines and four hex lines.
import type { Pane } from './view-model.js';

export interface Rect {
  top: number;
  left: number;
  width: number;
  /** Including the title line; 0 when the pane is hidden. */
  height: number;
}

export interface Layout {
  list: Rect;
  detail: Rect;
  hex: Rect;
  side: Rect;
  status: Rect;
  bar: Rect;
}

/** Side pane gets its own column from this width; below it, it replaces detail and hex while focused. */
export const WIDE = 130;

export function layoutFor(width: number, height: number, focus: Pane): Layout {
  const body = Math.max(4, height - 2);
  const wide = width >= WIDE;
  const sideWidth = wide ? Math.min(60, Math.floor(width * 0.38)) : width;
  const mainWidth = wide ? width - sideWidth : width;
  const listHeight = Math.max(3, Math.round(body * 0.45));
  const lower = body - listHeight;
  const detailHeight = Math.max(1, Math.ceil(lower * 0.6));
  const hexHeight = lower - detailHeight;
  const hidden: Rect = { top: listHeight, left: 0, width: mainWidth, height: 0 };
  const narrowSide = !wide && focus === 'side';
  return {
    list: { top: 0, left: 0, width: mainWidth, height: listHeight },
    detail: narrowSide ? hidden : { top: listHeight, left: 0, width: mainWidth, height: detailHeight },
    hex: narrowSide ? hidden : { top: listHeight + detailHeight, left: 0, width: mainWidth, height: hexHeight },
    side: wide
      ? { top: 0, left: mainWidth, width: sideWidth, height: body }
      : narrowSide
        ? { top: listHeight, left: 0, width, height: lower }
        : { top: listHeight, left: 0, width, height: 0 },
    status: { top: body, left: 0, width, height: 1 },
    bar: { top: body + 1, left: 0, width, height: 1 },
  };
}

/** Content lines (title excluded) of a pane. */
export function contentHeight(r: Rect): number {
  return Math.max(0, r.height - 1);
}
