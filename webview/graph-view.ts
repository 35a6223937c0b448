// The DAG as SVG: a node per task (status colour, glyph, id, detail line), an edge per dependency; pan by dragging,
// zoom with the wheel, fit to the window. Keyboard: one node is in the tab order (a roving tabindex, so Tab does
// not walk 500 nodes); arrows move along the graph (← a dependency, → a dependent, ↑↓ the same column), Enter
// selects, F fits, + and − zoom. A frame redraws only the nodes that changed.
import { STATUS_GLYPH } from '../runner/engine/status-words';
import { s } from './dom';
import { NODE_HEIGHT, NODE_WIDTH, type Placement, type Point } from './layout';
import { neighbours, nodeFace, type NodeFace, type RunView } from './run-view-model';

export interface GraphCallbacks {
  /** A node was chosen (click, Enter, Space). */
  select(id: string): void;
  /** The pointer is over a node (its box on screen), or left it (undefined). */
  hover(id: string | undefined, box: DOMRect | undefined): void;
}


/** The smallest scale at which a node's text reads well: the first view does not go below it. */
const READABLE = 0.8;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function pathOf(points: readonly Point[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M${first!.x},${first!.y}`;
  // Through the bends with quadratic curves to the midpoints: smooth, and still along dagre's route.
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${last.x},${last.y}`;
  return d;
}

interface NodeParts {
  readonly g: SVGGElement;
  readonly title: SVGTitleElement;
  readonly glyph: SVGTextElement;
  readonly detail: SVGTextElement;
  face: string;
}

export class GraphView {
  readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly nodes = new Map<string, NodeParts>();
  private placement: Placement | undefined;
  private transform = { x: 0, y: 0, k: 1 };
  private focused: string | undefined;
  /** The node drawn as selected (the view's selection, as of the last markSelected). */
  private marked: string | undefined;
  /** The user panned or zoomed: a resize then keeps their view instead of framing the graph again. */
  private moved = false;

  constructor(
    container: HTMLElement,
    private readonly view: RunView,
    private readonly callbacks: GraphCallbacks,
  ) {
    this.svg = s('svg', { class: 'graph', role: 'group', 'aria-label': 'Tasks of the run' });
    const defs = s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' })));
    this.viewport = s('g', { class: 'viewport' });
    this.svg.append(defs, this.viewport);
    container.append(this.svg);
    this.listen();
    // The panel is sized and resized by the editor (a group split, the panel below opening): until the user
    // moves the view, it frames the graph for the size it has.
    new ResizeObserver(() => {
      if (!this.moved && this.placement) this.initialView();
    }).observe(this.svg);
  }

  /** Draws a new structure from scratch. */
  draw(placement: Placement, now: number): void {
    this.placement = placement;
    this.nodes.clear();
    const edges = this.edgesOf(placement);
    const nodes = s('g', { class: 'nodes' });
    for (const [id, c] of placement.nodes) {
      const title = s('title');
      const glyph = s('text', { class: 'glyph', x: 16, y: NODE_HEIGHT / 2 + 5, 'text-anchor': 'middle' });
      const detail = s('text', { class: 'detail', x: 32, y: 34 });
      const g = s(
        'g',
        { class: 'node', 'data-id': id, transform: `translate(${c.x - NODE_WIDTH / 2},${c.y - NODE_HEIGHT / 2})`, role: 'button', tabindex: -1 },
        title,
        s('rect', { class: 'box', width: NODE_WIDTH, height: NODE_HEIGHT, rx: 4 }),
        s('rect', { class: 'bar', width: 4, height: NODE_HEIGHT - 2, x: 1, y: 1, rx: 2 }),
        glyph,
        s('text', { class: 'id', x: 32, y: 18 }, cut(id, 22)),
        detail,
      );
      this.nodes.set(id, { g, title, glyph, detail, face: '' });
      nodes.append(g);
    }
    this.viewport.replaceChildren(edges, nodes);
    if (this.focused === undefined || !this.nodes.has(this.focused)) this.focused = placement.nodes.keys().next().value;
    this.marked = this.view.selected;
    this.update(this.nodes.keys(), now);
    this.rove();
  }

  /**
   * Moves the drawn nodes to a new placement of the same structure (dagre's, replacing the columns painted first)
   * and redraws the edges. A view the user has not moved is framed again; one they moved keeps the focused task
   * where it was on screen.
   */
  relayout(placement: Placement): void {
    const before = this.placement;
    if (!before || placement.nodes.size !== this.nodes.size || [...placement.nodes.keys()].some((id) => !this.nodes.has(id))) {
      this.draw(placement, Date.now());
      return;
    }
    this.placement = placement;
    for (const [id, c] of placement.nodes) this.nodes.get(id)!.g.setAttribute('transform', `translate(${c.x - NODE_WIDTH / 2},${c.y - NODE_HEIGHT / 2})`);
    this.viewport.querySelector('g.edges')?.replaceWith(this.edgesOf(placement));
    if (!this.moved) {
      this.initialView();
      return;
    }
    const anchor = this.focused !== undefined ? { from: before.nodes.get(this.focused), to: placement.nodes.get(this.focused) } : undefined;
    if (anchor?.from && anchor.to) {
      const { k } = this.transform;
      this.transform = { k, x: this.transform.x + (anchor.from.x - anchor.to.x) * k, y: this.transform.y + (anchor.from.y - anchor.to.y) * k };
      this.apply();
    }
  }

  /** Redraws these nodes' status, detail and label. */
  update(ids: Iterable<string>, now: number): void {
    for (const id of ids) {
      const parts = this.nodes.get(id);
      if (!parts) continue;
      const face = nodeFace(this.view, id, now);
      const key = faceKey(face);
      if (key === parts.face) continue;
      parts.face = key;
      parts.g.setAttribute('class', `node ${face.status}${face.kept ? ' kept' : ''}${face.stale ? ' stale' : ''}${face.forensic ? ' forensic' : ''}${face.paused ? ' paused' : ''}${id === this.marked ? ' selected' : ''}`);
      parts.g.setAttribute('aria-label', face.label);
      parts.title.textContent = face.label;
      parts.glyph.textContent = face.paused ? '‖' : face.stale ? '⚠' : STATUS_GLYPH[face.status];
      parts.detail.textContent = cut(face.detail, 26);
    }
  }

  private edgesOf(placement: Placement): SVGGElement {
    const edges = s('g', { class: 'edges' });
    for (const e of placement.edges) {
      edges.append(s('path', { class: e.forensic ? 'edge forensic' : 'edge', d: pathOf(e.points), 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
    }
    return edges;
  }

  /** Tasks running now (their time goes on between events). */
  running(): string[] {
    return [...this.view.state.tasks.values()].filter((t) => t.status === 'running').map((t) => t.id);
  }

  /** Draws the view's selection. */
  markSelected(): void {
    if (this.marked !== undefined) this.nodes.get(this.marked)?.g.classList.remove('selected');
    this.marked = this.view.selected;
    if (this.marked !== undefined) this.nodes.get(this.marked)?.g.classList.add('selected');
  }

  /** Moves keyboard focus to a node and brings it into view. */
  focusNode(id: string): void {
    if (!this.nodes.has(id)) return;
    this.focused = id;
    this.rove();
    this.reveal(id);
    this.nodes.get(id)?.g.focus({ preventScroll: true });
  }

  /** Scales the whole graph into the window (never above 100 %) and centres it. */
  fit(): void {
    const p = this.placement;
    const { width, height } = this.svg.getBoundingClientRect();
    if (!p || width === 0 || height === 0) return;
    const k = Math.min(1, width / Math.max(p.width, 1), height / Math.max(p.height, 1));
    this.transform = { k, x: (width - p.width * k) / 2, y: (height - p.height * k) / 2 };
    this.apply();
  }

  /**
   * The first view of a run: the whole graph when it fits at a readable size, else a readable size around the
   * task that matters most (the first failed, else running, else the first task), which the user can pan from.
   */
  initialView(): void {
    const p = this.placement;
    const { width, height } = this.svg.getBoundingClientRect();
    if (!p || width === 0 || height === 0) return;
    const fitK = Math.min(1, width / Math.max(p.width, 1), height / Math.max(p.height, 1));
    if (fitK >= READABLE) {
      this.fit();
      return;
    }
    const tasks = [...this.view.state.tasks.values()];
    const focus = tasks.find((t) => t.status === 'failed')?.id ?? tasks.find((t) => t.status === 'running')?.id ?? p.nodes.keys().next().value;
    const c = focus !== undefined ? p.nodes.get(focus) : undefined;
    const k = READABLE;
    // The focus task a third of the way in from the left, so what follows it shows; never past the graph's edge.
    const x = c && c.x * k + 16 > width * 0.7 ? width / 3 - c.x * k : 16;
    const y = p.height * k <= height ? (height - p.height * k) / 2 : c ? height / 2 - c.y * k : 16;
    this.transform = { k, x, y };
    this.apply();
  }

  zoomBy(factor: number, at?: { x: number; y: number }): void {
    const { width, height } = this.svg.getBoundingClientRect();
    const centre = at ?? { x: width / 2, y: height / 2 };
    const k = Math.min(4, Math.max(0.05, this.transform.k * factor));
    const f = k / this.transform.k;
    this.transform = { k, x: centre.x - (centre.x - this.transform.x) * f, y: centre.y - (centre.y - this.transform.y) * f };
    this.apply();
  }

  /** The screen box of a node (for the hover actions), or undefined when it is not drawn. */
  boxOf(id: string): DOMRect | undefined {
    return this.nodes.get(id)?.g.getBoundingClientRect();
  }

  private reveal(id: string): void {
    const c = this.placement?.nodes.get(id);
    if (!c) return;
    const { width, height } = this.svg.getBoundingClientRect();
    const sx = c.x * this.transform.k + this.transform.x;
    const sy = c.y * this.transform.k + this.transform.y;
    const margin = 40;
    if (sx < margin || sx > width - margin || sy < margin || sy > height - margin) {
      this.transform = { ...this.transform, x: width / 2 - c.x * this.transform.k, y: height / 2 - c.y * this.transform.k };
      this.apply();
    }
  }

  private rove(): void {
    for (const [id, parts] of this.nodes) parts.g.setAttribute('tabindex', id === this.focused ? '0' : '-1');
  }

  private apply(): void {
    const { x, y, k } = this.transform;
    this.viewport.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
  }

  private idAt(target: EventTarget | null): string | undefined {
    const g = target instanceof Element ? target.closest('g.node') : null;
    return g?.getAttribute('data-id') ?? undefined;
  }

  /** The node to go to from `id` with an arrow key, or undefined at an edge of the graph. */
  private step(id: string, key: string): string | undefined {
    const here = this.placement?.nodes.get(id);
    if (!here) return undefined;
    const nearest = (ids: readonly string[]): string | undefined => {
      let best: string | undefined;
      let bestD = Infinity;
      for (const other of ids) {
        const p = this.placement?.nodes.get(other);
        if (!p) continue;
        const d = Math.abs(p.y - here.y) + Math.abs(p.x - here.x) / 1000;
        if (d < bestD) [best, bestD] = [other, d];
      }
      return best;
    };
    const { deps, dependents } = neighbours(this.view, id);
    if (key === 'ArrowLeft') return nearest(deps);
    if (key === 'ArrowRight') return nearest(dependents);
    // Up and down: the next node of the same column.
    const column = [...this.placement!.nodes].filter(([, p]) => Math.abs(p.x - here.x) < 1).sort(([, a], [, b]) => a.y - b.y);
    const at = column.findIndex(([other]) => other === id);
    return column[key === 'ArrowUp' ? at - 1 : at + 1]?.[0];
  }

  private listen(): void {
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
    this.svg.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: this.transform.x, ty: this.transform.y, moved: false };
    });
    this.svg.addEventListener('pointermove', (e) => {
      if (drag) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
        if (!drag.moved) this.svg.setPointerCapture(e.pointerId);
        drag.moved = true;
        this.moved = true;
        this.transform = { ...this.transform, x: drag.tx + dx, y: drag.ty + dy };
        this.apply();
        return;
      }
      const id = this.idAt(e.target);
      this.callbacks.hover(id, id !== undefined ? this.boxOf(id) : undefined);
    });
    this.svg.addEventListener('pointerup', (e) => {
      const wasDrag = drag?.moved === true;
      drag = undefined;
      if (wasDrag) return;
      const id = this.idAt(e.target);
      if (id !== undefined) {
        this.focusNode(id);
        this.callbacks.select(id);
      }
    });
    this.svg.addEventListener('pointerleave', () => this.callbacks.hover(undefined, undefined));
    this.svg.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.moved = true;
        const r = this.svg.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY / 500), { x: e.clientX - r.left, y: e.clientY - r.top });
      },
      { passive: false },
    );
    this.svg.addEventListener('keydown', (e) => {
      const id = this.idAt(e.target) ?? this.focused;
      if (id === undefined) return;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'ArrowUp' || e.key === 'ArrowDown') {
        const next = this.step(id, e.key);
        if (next !== undefined) this.focusNode(next);
      } else if (e.key === 'Enter' || e.key === ' ') {
        this.callbacks.select(id);
      } else if (e.key === 'f' || e.key === 'F') {
        this.fit();
      } else if (e.key === '+' || e.key === '=') {
        this.moved = true;
        this.zoomBy(1.25);
      } else if (e.key === '-') {
        this.moved = true;
        this.zoomBy(0.8);
      } else {
        return;
      }
      e.preventDefault();
    });
  }
}

const faceKey = (f: NodeFace): string => `${f.status}|${f.kept}|${f.stale}|${f.paused}|${f.detail}`;
