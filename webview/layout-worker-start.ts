// Starts webview/layout-worker.ts in the run view. The worker's script cannot be loaded from its file: a webview's
// resources are served from another origin than the page, and a Worker's script must be the page's own. So
// esbuild bundles the worker on its own and hands its text to this file (the `cairn:layout-worker` module,
// esbuild.mjs), and the view starts it from a blob: URL, which its CSP allows as `worker-src blob:`.
import workerSource from 'cairn:layout-worker';
import type { LayoutReply } from './layout';
import type { StartWorker } from './background-layout';

export const startLayoutWorker: StartWorker = (onReply, onFail) => {
  if (typeof Worker === 'undefined') return undefined;
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  let worker: Worker;
  try {
    worker = new Worker(url, { name: 'cairn-layout' });
  } catch {
    URL.revokeObjectURL(url);
    return undefined;
  }
  worker.onmessage = (e: MessageEvent<LayoutReply>) => onReply(e.data);
  // A worker the CSP refuses, or whose script fails, reports here rather than by throwing.
  worker.onerror = (e) => {
    e.preventDefault();
    onFail();
  };
  return {
    post: (request) => worker.postMessage(request),
    stop: () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
};
