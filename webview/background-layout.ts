// Where the run view's tasks go, without holding up its first paint. dagre (webview/layout.ts) draws the graph
// a pipeline reads best, but a 500-task run takes it most of a second (bench/run-view.bench.ts), and the view's
// first paint should come in under one. So a small run is placed by dagre at once; a bigger one is painted in
// columns at once (linear) while a worker runs dagre, and dagre's placement replaces the columns when it comes.
// Above DAGRE_MAX_NODES the columns stay (dagre would take seconds, or overflow its stack).
import type { LayoutInput } from '../runner/graph/layout-input';
import { DAGRE_MAX_NODES, DAGRE_SYNC_MAX_NODES, placeGraph, placeInColumns, placeWithDagre, type LayoutReply, type LayoutRequest, type Placement } from './layout';

/** A running layout worker, as the view talks to it. */
export interface LayoutWorker {
  post(request: LayoutRequest): void;
  stop(): void;
}

/**
 * Starts a worker that answers LayoutRequests through `onReply`, and calls `onFail` when it cannot run (a CSP
 * that forbids it, a script that would not load). Undefined when the page cannot start one at all.
 */
export type StartWorker = (onReply: (reply: LayoutReply) => void, onFail: () => void) => LayoutWorker | undefined;

/** What to paint now, and whether a better placement is on its way. */
export interface FirstPlacement {
  readonly placement: Placement;
  readonly pending: boolean;
}

export class BackgroundLayout {
  /** The structure being placed: a reply for an older one is dropped. */
  private gen = 0;
  private worker: LayoutWorker | undefined;
  /** The worker failed once: dagre runs on the view's thread from then on, after the paint. */
  private noWorker = false;
  private waiting: LayoutRequest | undefined;

  constructor(
    /** Called with dagre's placement of the current structure, to replace the columns painted first; `by` says where dagre ran. */
    private readonly better: (placement: Placement, by: 'worker' | 'view') => void,
    private readonly startWorker: StartWorker,
    /** Runs a function after the paint (a task of its own), for dagre on the view's thread. */
    private readonly later: (f: () => void) => void = (f) => setTimeout(f, 0),
  ) {}

  /** The placement to paint now; when it is columns standing in for dagre's, `better` is called with dagre's. */
  place(input: LayoutInput): FirstPlacement {
    const gen = ++this.gen;
    this.waiting = undefined;
    const n = input.nodes.length;
    if (n <= DAGRE_SYNC_MAX_NODES || n > DAGRE_MAX_NODES) return { placement: placeGraph(input), pending: false };
    this.request({ gen, input });
    return { placement: placeInColumns(input), pending: true };
  }

  private request(req: LayoutRequest): void {
    if (!this.noWorker && this.worker === undefined) {
      this.worker = this.startWorker(
        (reply) => this.receive(reply),
        () => this.workerFailed(),
      );
      if (this.worker === undefined) this.noWorker = true;
    }
    if (this.worker === undefined) {
      this.onThisThread(req);
      return;
    }
    this.waiting = req;
    this.worker.post(req);
  }

  private receive(reply: LayoutReply): void {
    if (reply.gen !== this.gen) return;
    this.waiting = undefined;
    // When dagre failed (its stack on a long chain), the columns already painted are the placement.
    if ('placement' in reply) this.better(reply.placement, 'worker');
  }

  private workerFailed(): void {
    this.worker?.stop();
    this.worker = undefined;
    this.noWorker = true;
    const req = this.waiting;
    this.waiting = undefined;
    if (req !== undefined && req.gen === this.gen) this.onThisThread(req);
  }

  private onThisThread(req: LayoutRequest): void {
    this.later(() => {
      if (req.gen !== this.gen) return;
      let placement: Placement;
      try {
        placement = placeWithDagre(req.input);
      } catch {
        return;
      }
      this.better(placement, 'view');
    });
  }
}
