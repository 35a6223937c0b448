// The details panel beside the graph: for the selected task its actions, stale reasons, command, attempts (with
// revision, reason, log and a diff against that attempt's revision), log tail and the variables it registered;
// with no task selected, the run itself. Redrawn whole when what it shows changed (it is small).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import { MASK } from '../runner/engine/events';
import { formatDuration } from '../runner/model/duration';
import { latestAttempt, latestVars, shownValue } from '../runner/store/run-state';
import { h } from './dom';
import type { FromView } from './run-view-messages';
import { reasonWords } from '../runner/engine/status-words';
import { nodeFace, pendingOverrides, reasonText, shownRunStatus, taskActions, taskVars, type Action, type RunView } from './run-view-model';

type Post = (m: FromView) => void;

/** A vscode-elements button: disabled with the reason as its tooltip when the action is not allowed now. */
export function actionButton(label: string, action: Action, onClick: () => void, opts: { secondary?: boolean; testId?: string } = {}): HTMLElement {
  const b = h('vscode-button', { title: action.title, disabled: !action.enabled, secondary: opts.secondary === true, 'data-action': opts.testId });
  b.textContent = label;
  b.addEventListener('click', () => {
    if (action.enabled) onClick();
  });
  return b;
}

const linkButton = (label: string, title: string, onClick: () => void): HTMLElement => {
  const b = h('button', { class: 'link', type: 'button', title }, label);
  b.addEventListener('click', onClick);
  return b;
};

function section(heading: string, open: boolean, ...body: (Node | string)[]): HTMLElement {
  const c = h('vscode-collapsible', { heading, open });
  c.append(h('div', { class: 'section' }, ...body));
  return c;
}

const time = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
};

function table(head: readonly string[], rows: readonly (readonly (Node | string)[])[]): HTMLElement {
  return h('table', {}, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

export function renderDetails(into: HTMLElement, view: RunView, post: Post, now: number): void {
  const id = view.selected;
  const t = id !== undefined ? view.state.tasks.get(id) : undefined;
  if (id === undefined || t === undefined) {
    into.replaceChildren(...runSummary(view));
    return;
  }
  const face = nodeFace(view, id, now);
  const actions = taskActions(view, id);
  const last = latestAttempt(t);
  const parts: (Node | false)[] = [
    h('div', { class: 'task-head' }, h('h2', { title: id }, id), h('span', { class: `status ${face.status}` }, face.detail)),
    h(
      'div',
      { class: 'actions' },
      actionButton('Re-run task', actions.rerun, () => post({ type: 'rerun', task: id, downstream: false }), { testId: 'rerun' }),
      actionButton('Re-run task and downstream', actions.rerunDownstream, () => post({ type: 'rerun', task: id, downstream: true }), { secondary: true, testId: 'rerun-downstream' }),
      actionButton('Open in editor', { enabled: true, title: `Show [tasks.${id}] in the workflow file` }, () => post({ type: 'openTask', task: id }), { secondary: true, testId: 'open-task' }),
    ),
  ];
  const stale = view.stale.get(id) ?? [];
  if (stale.length > 0 && t.status === 'success') parts.push(h('p', { class: 'stale-reasons' }, `Changed since success: ${stale.join(', ')}`));
  if (last) parts.push(section('Command', true, h('pre', { class: 'command' }, last.command)));
  if (t.attempts.length > 0) {
    const rows = [...t.attempts].reverse().map((a) => {
      const why = reasonWords(a.outcome?.reason ?? null, a.outcome);
      const outcome = why !== undefined && (a.status === 'failed' || a.status === 'cancelled') ? `${a.status}: ${why}` : a.status;
      return [
        h('span', { title: a.resume === 0 ? 'in the original run' : `in resume ${a.resume}` }, a.resume === 0 ? String(a.attempt) : `${a.attempt} (r${a.resume})`),
        h('span', { class: `status ${a.status}`, title: a.outcome?.message ?? '' }, outcome),
        a.durationMs !== undefined ? formatDuration(a.durationMs) : a.status === 'running' ? formatDuration(Math.max(0, now - Date.parse(a.startedAt))) : '',
        time(a.startedAt),
        h('code', { title: a.revision }, a.revision.slice(0, 8)),
        h(
          'span',
          { class: 'row-actions' },
          linkButton('log', `Open the log of attempt ${a.attempt}`, () => post({ type: 'openLog', task: id, attempt: a.attempt })),
          linkButton('diff', `Diff the workflow as attempt ${a.attempt} ran it with the file now`, () => post({ type: 'diff', task: id, attempt: a.attempt })),
        ),
      ];
    });
    parts.push(section(`Attempts (${t.attempts.length})`, true, table(['#', 'outcome', 'took', 'started', 'revision', ''], rows)));
    const message = last?.outcome?.message;
    const tail = last?.logTail;
    parts.push(section(`Log tail, attempt ${last?.attempt ?? ''}`, last?.status !== 'success', ...(message ? [h('p', { class: 'message' }, message)] : []), h('pre', { class: 'log' }, tail && tail.length > 0 ? tail : last?.status === 'running' ? '(running: the tail is shown when the attempt ends; open the log to follow it)' : '(no output)')));
  } else {
    parts.push(h('p', { class: 'muted' }, reasonText(t) !== undefined ? `Did not run: ${reasonText(t)}.` : 'Has not run in this run yet.'));
  }
  const vars = taskVars(view, id);
  if (vars.length > 0) {
    parts.push(section(`Variables registered (${vars.length})`, true, table(['name', 'value', 'attempt', 'at'], vars.map((v) => [v.name, h('code', { class: v.value === MASK ? 'secret' : '' }, v.value), v.attempt !== undefined ? String(v.attempt) : '', time(v.at)]))));
  }
  into.replaceChildren(...parts.filter((p): p is Node => p !== false));
}

function runSummary(view: RunView): Node[] {
  const st = view.state;
  if (st.id === '') return [h('p', { class: 'muted' }, view.problem ?? 'Loading the run…')];
  const vars = [...latestVars(st)].map(([name, s]) => [name, shownValue(s)] as const);
  const overrides = pendingOverrides(view);
  const counts = new Map<string, number>();
  for (const t of st.tasks.values()) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return [
    h('h2', {}, st.workflow),
    table(
      ['', ''],
      [
        ['status', h('span', { class: `status ${shownRunStatus(view)}` }, shownRunStatus(view) + (st.statusMessage ? ` — ${st.statusMessage}` : ''))],
        ['file', st.file],
        ['run', st.id],
        ['started', time(st.createdAt)],
        ...(st.endedAt ? [['ended', time(st.endedAt)] as const] : []),
        ['resumes', String(st.resumes.length)],
        ['tasks', [...counts].map(([k, n]) => `${n} ${k}`).join(', ')],
      ],
    ),
    ...(overrides.length > 0
      ? [section(`For the next resume (${overrides.length})`, true, h('p', { class: 'muted' }, 'Overridden in the editor; the next resume or re-run uses these values.'), table(['name', 'value'], overrides.map((o) => [o.name, h('code', {}, o.value)])))]
      : []),
    ...(vars.length > 0 ? [section(`Variables (${vars.length})`, true, table(['name', 'latest value'], vars.map(([n, v]) => [n, h('code', {}, v)])))] : []),
    h('p', { class: 'muted' }, 'Select a task (click it, or Tab to the graph and use the arrow keys) to see its attempts, log and variables.'),
  ];
}
