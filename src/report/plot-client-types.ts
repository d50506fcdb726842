// The types of the page's drawing script (plot-client.ts): the little of the DOM and of Observable
// Plot's options that it uses, since the core compiles without the DOM's types.

export interface PageElement {
  id: string;
  className: string;
  textContent: string | null;
  readonly clientWidth: number;
  readonly tagName: string;
  readonly parentElement: PageElement | null;
  scrollIntoView(): void;
  /** False inside a closed <details> (absent from older browsers). */
  checkVisibility?(): boolean;
  querySelector(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  appendChild(child: PageElement): void;
}
export type PlotMark = object;
export type MarkOptions = Record<string, unknown>;
export interface PlotScale {
  type?: string;
  label?: string | null;
  grid?: boolean;
  nice?: boolean;
  zero?: boolean;
  percent?: boolean;
  domain?: unknown[];
  ticks?: number | unknown[];
  tickFormat?: (v: never) => string;
  [option: string]: unknown;
}
export interface PlotOptions {
  width: number;
  height: number;
  marginLeft: number;
  marginTop: number;
  marginBottom: number;
  x: PlotScale;
  y: PlotScale;
  fx?: PlotScale;
  fy?: PlotScale;
  color?: PlotScale;
  marks?: PlotMark[];
  [option: string]: unknown;
}

/** A point of a line chart. */
export interface Point {
  x: number;
  y: number;
  series: string;
}
