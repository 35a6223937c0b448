// The run view's entry (bundled as dist/webview/run-view.js, loaded by client/run-view.ts under a nonce CSP). It
// says `ready`, is sent the run's events, and draws them. Messages are checked on receipt and queued; one
// animation frame applies them all and redraws what changed, so a run recording hundreds of events a second
// costs one layout-free redraw per frame. `setState` keeps which run and task it shows, for a window reload.
import { layoutInput } from '../runner/graph/layout-input';
import { actionButton, renderDetails } from './details-view';
import { h } from './dom';
import { GraphView } from './graph-view';
import { BackgroundLayout } from './background-layout';
import { startLayoutWorker } from './layout-worker-start';
import { parseToView, parseViewState, type FromView, type ToView, type ViewState } from './run-view-messages';
import { lastDriveTime, mergeChanges, newRunView, noChanges, receive, runActions, shownRunStatus, taskActions, type Changes } from './run-view-model';

interface VsCodeApi {
  postMessage(message: FromView): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: FromView): void => vscode.postMessage(m);
const view = newRunView();
view.selected = parseViewState(vscode.getState())?.selected;

// ── the page ─────────────────────────────────────────────────────────────────────────────────────────────────
const title = h('h1', { class: 'title' }, 'Cairn run');
const runStatus = h('span', { class: 'status run-status' });
const toolbarActions = h('div', { class: 'actions' });
const problem = h('div', { class: 'problem', role: 'alert', hidden: true });
const graphBox = h('div', { class: 'graph-box' });
const details = h('aside', { class: 'details', 'aria-label': 'Details' });
const hoverBar = h('div', { class: 'hover-actions', hidden: true, role: 'toolbar', 'aria-label': 'Failed task actions' });
document.body.append(h('header', { class: 'toolbar' }, title, runStatus, toolbarActions), problem, h('main', { class: 'body' }, graphBox, details), hoverBar);

const graph = new GraphView(graphBox, view, {
  select: (id) => select(id),
  hover: (id, box) => showHover(id, box),
});

// Columns first on a big run, dagre's placement when the worker has it (webview/background-layout.ts).
// `data-layout` says what is drawn: 'pending' (columns, dagre on its way), 'final', or dagre's placement by
// 'worker' or by the 'view' (no worker could start). Tests and the bench wait on it.
const layout = new BackgroundLayout((placement, by) => {
  graph.relayout(placement);
  document.body.dataset.layout = by;
  performance.mark('cairn-final-layout');
}, startLayoutWorker);

function select(id: string | undefined): void {
  view.selected = id;
  graph.markSelected();
  saveState();
  renderDetails(details, view, post, Date.now());
}

function saveState(): void {
  if (view.run) vscode.setState({ run: view.run, ...(view.selected !== undefined ? { selected: view.selected } : {}) });
}

function renderToolbar(): void {
  const st = view.state;
  const status = shownRunStatus(view);
  title.textContent = st.workflow === '' ? 'Cairn run' : `${st.workflow} · ${st.id}`;
  const time = lastDriveTime(st);
  const took = time !== undefined ? ` · ${time}` : '';
  runStatus.textContent = st.id === '' ? '' : `${status}${took}`;
  runStatus.className = `status run-status ${status}`;
  const a = runActions(view);
  toolbarActions.replaceChildren(
    actionButton('Resume from failure', a.resume, () => post({ type: 'resume' }), { testId: 'resume' }),
    actionButton('Cancel', a.cancel, () => post({ type: 'cancel' }), { secondary: true, testId: 'cancel' }),
    actionButton('Fit', { enabled: true, title: 'Fit the graph to the window (F)' }, () => graph.fit(), { secondary: true, testId: 'fit' }),
  );
  problem.hidden = view.problem === undefined;
  problem.textContent = view.problem ?? '';
}

// ── the failed node's hover: its actions one move away ──────────────────────────────────────────────────────
let hoverTask: string | undefined;
let hideTimer: ReturnType<typeof setTimeout> | undefined;
function showHover(id: string | undefined, box: DOMRect | undefined): void {
  const t = id !== undefined ? view.state.tasks.get(id) : undefined;
  if (id === undefined || box === undefined || t?.status !== 'failed') {
    hideTimer ??= setTimeout(() => {
      hoverBar.hidden = true;
      hoverTask = undefined;
      hideTimer = undefined;
    }, 400);
    return;
  }
  clearTimeout(hideTimer);
  hideTimer = undefined;
  if (hoverTask === id && !hoverBar.hidden) return;
  hoverTask = id;
  const ta = taskActions(view, id);
  hoverBar.replaceChildren(
    actionButton('Resume from failure', runActions(view).resume, () => post({ type: 'resume' }), { testId: 'hover-resume' }),
    actionButton('Re-run', ta.rerun, () => post({ type: 'rerun', task: id, downstream: false }), { secondary: true, testId: 'hover-rerun' }),
    actionButton('and downstream', ta.rerunDownstream, () => post({ type: 'rerun', task: id, downstream: true }), { secondary: true, testId: 'hover-rerun-downstream' }),
  );
  hoverBar.hidden = false;
  // Under the node, kept inside the window (a node at the right edge would push its actions out of sight).
  hoverBar.style.left = `${Math.max(4, Math.min(box.left, window.innerWidth - hoverBar.offsetWidth - 4))}px`;
  hoverBar.style.top = `${Math.min(box.bottom + 2, window.innerHeight - hoverBar.offsetHeight - 4)}px`;
}
hoverBar.addEventListener('pointerenter', () => {
  clearTimeout(hideTimer);
  hideTimer = undefined;
});
hoverBar.addEventListener('pointerleave', () => showHover(undefined, undefined));

// ── messages, one frame at a time ──────────────────────────────────────────────────────────────────────────
const queue: ToView[] = [];
let frame: number | undefined;
let painted = false;

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = parseToView(e.data);
  if (typeof m === 'string') {
    view.problem = `Cairn: a message to the run view was refused (${m}).`;
    renderToolbar();
    return;
  }
  queue.push(m);
  frame ??= requestAnimationFrame(flush);
});

function flush(): void {
  frame = undefined;
  const changes: Changes = noChanges();
  for (const m of queue.splice(0)) mergeChanges(changes, receive(view, m));
  const now = Date.now();
  if (changes.layout) {
    const first = layout.place(layoutInput(view.state.structure));
    graph.draw(first.placement, now);
    document.body.dataset.layout = first.pending ? 'pending' : 'final';
    if (!painted) graph.initialView();
  } else {
    graph.update(changes.tasks, now);
  }
  // Every event changes the run (its last seq), so `run` covers a new structure too.
  if (changes.run) renderToolbar();
  if (changes.run || (view.selected !== undefined && changes.tasks.has(view.selected))) renderDetails(details, view, post, now);
  // What setState keeps (run, selection) changes only with a new run or a selection (select() saves that).
  if (changes.layout) saveState();
  // What tests and the bench wait on: the last event drawn.
  document.body.dataset.seq = String(view.state.lastSeq);
  document.body.dataset.status = shownRunStatus(view);
  if (!painted && view.state.id !== '') {
    painted = true;
    performance.mark('cairn-first-paint');
  }
}

// Running tasks' time goes on between events.
setInterval(() => {
  const running = graph.running();
  if (running.length > 0) graph.update(running, Date.now());
}, 1000);


post({ type: 'ready' });
