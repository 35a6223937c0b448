// The layout worker: dagre off the view's thread. A 500-task run takes dagre most of a second, and a webview
// whose one thread is busy that long neither paints nor answers the pointer. esbuild bundles this file on its
// own and the view starts it from a blob (webview/background-layout.ts says why). It answers each request with
// dagre's placement, or with the error that stopped dagre (the view keeps its columns then).
import { placeWithDagre, type LayoutReply, type LayoutRequest } from './layout';

/** What a worker's global scope offers this file (the webview's tsconfig has the DOM types, not the worker's). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(reply: LayoutReply): void;
}

const scope = self as unknown as WorkerScope;
scope.onmessage = (e) => {
  const { gen, input } = e.data;
  try {
    scope.postMessage({ gen, placement: placeWithDagre(input) });
  } catch (err) {
    scope.postMessage({ gen, error: err instanceof Error ? err.message : String(err) });
  }
};
