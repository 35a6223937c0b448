// The layout worker's bundled script as text, supplied by esbuild.mjs (webview/layout-worker-start.ts says why).
declare module 'cairn:layout-worker' {
  const source: string;
  export default source;
}
