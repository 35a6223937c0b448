// The environment of Cairn's own Node helpers (exec hosts, checkpointers): the parent's, less what only slows
// their start. NODE_EXTRA_CA_CERTS makes Node 20 read and parse that certificate bundle as it boots, before
// any of our code runs (measured: +45 ms for a 200 KB bundle, on a process that otherwise starts in ~30 ms);
// corporate machines often set it, and helpers make no TLS connections. Tasks never see this: their
// environment is the run's (execute-task.ts gets it in the spec).
export function helperEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.NODE_EXTRA_CA_CERTS === undefined) return env;
  const rest = { ...env };
  delete rest.NODE_EXTRA_CA_CERTS;
  return rest;
}
