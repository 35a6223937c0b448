// run.db: the journal's projection into SQL tables (SPEC §4): runs,
// task_attempts, var_snapshots, events. Checkpointed whole by the run store;
// `meta` records how far into the journal the checkpoint reaches.
import type { RunEvent } from '../engine/events';
import { loadSqlJs, type SqlDatabase } from './sqljs';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id TEXT PRIMARY KEY, workflow TEXT NOT NULL, file TEXT NOT NULL, status TEXT NOT NULL, message TEXT,
  mode TEXT NOT NULL, parallel INTEGER NOT NULL, resumes INTEGER NOT NULL DEFAULT 0, revision TEXT NOT NULL,
  cli_vars TEXT NOT NULL, created_at TEXT NOT NULL, ended_at TEXT
);
CREATE TABLE task_attempts (
  task TEXT NOT NULL, attempt INTEGER NOT NULL, resume INTEGER NOT NULL, revision TEXT NOT NULL,
  status TEXT NOT NULL, reason TEXT, exit_code INTEGER, signal TEXT, message TEXT,
  command TEXT NOT NULL, dir TEXT NOT NULL, log TEXT NOT NULL, fingerprint TEXT NOT NULL,
  started_at TEXT NOT NULL, ended_at TEXT, duration_ms INTEGER, log_tail TEXT,
  PRIMARY KEY (task, attempt)
);
CREATE TABLE task_states (task TEXT PRIMARY KEY, status TEXT NOT NULL, reason TEXT, seq INTEGER NOT NULL);
CREATE TABLE var_snapshots (
  run TEXT NOT NULL, seq INTEGER PRIMARY KEY, name TEXT NOT NULL,
  value TEXT, redacted INTEGER NOT NULL, source TEXT NOT NULL, task TEXT, attempt INTEGER, at TEXT NOT NULL
);
CREATE INDEX var_snapshots_name ON var_snapshots (name, seq);
CREATE TABLE revisions (hash TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
`;

export class RunDbError extends Error {}

type Statement = ReturnType<SqlDatabase['prepare']>;

export class RunDb {
  /** Prepared once, reused for every event (compiling SQL per event dominated checkpoints). */
  private readonly statements = new Map<string, Statement>();
  private cachedLastSeq: number;
  private cachedOffset: number;

  private constructor(private readonly db: SqlDatabase) {
    this.cachedLastSeq = Number(this.meta('last_seq') ?? 0);
    this.cachedOffset = Number(this.meta('journal_offset') ?? 0);
  }

  private run(sql: string, params: (string | number | null)[]): void {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    stmt.run(params);
  }

  static async create(): Promise<RunDb> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.run(SCHEMA);
    db.run('INSERT INTO meta VALUES (?, ?), (?, ?), (?, ?)', ['schema', String(SCHEMA_VERSION), 'last_seq', '0', 'journal_offset', '0']);
    return new RunDb(db);
  }

  /** Opens a checkpoint; throws RunDbError when it is not a run.db this version can read. */
  static async load(bytes: Uint8Array): Promise<RunDb> {
    const SQL = await loadSqlJs();
    let db: SqlDatabase | undefined;
    try {
      db = new SQL.Database(bytes);
      const rows = db.exec("SELECT value FROM meta WHERE key = 'schema'");
      const version = rows[0]?.values[0]?.[0];
      if (version !== String(SCHEMA_VERSION)) throw new RunDbError(`run.db has schema ${String(version)}, expected ${SCHEMA_VERSION}`);
      return new RunDb(db);
    } catch (e) {
      db?.close();
      if (e instanceof RunDbError) throw e;
      throw new RunDbError(`run.db is not readable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  get lastSeq(): number {
    return this.cachedLastSeq;
  }

  /** Byte offset in events.ndjson just past the last event this database holds. */
  get journalOffset(): number {
    return this.cachedOffset;
  }

  private meta(key: string): string | undefined {
    const v = this.db.exec('SELECT value FROM meta WHERE key = ?', [key])[0]?.values[0]?.[0];
    return typeof v === 'string' ? v : undefined;
  }

  /** Applies events (in one transaction) and records the journal offset they reach. */
  applyAll(events: readonly RunEvent[], journalOffset: number): void {
    const from = this.cachedLastSeq;
    const fresh = events.filter((e) => e.seq > from);
    this.db.run('BEGIN');
    try {
      for (const e of fresh) this.apply(e);
      const last = fresh.length > 0 ? fresh[fresh.length - 1]!.seq : from;
      this.run("UPDATE meta SET value = ? WHERE key = 'last_seq'", [String(last)]);
      this.run("UPDATE meta SET value = ? WHERE key = 'journal_offset'", [String(journalOffset)]);
      this.db.run('COMMIT');
      this.cachedLastSeq = last;
      this.cachedOffset = journalOffset;
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
  }

  private apply(e: RunEvent): void {
    this.run('INSERT INTO events (seq, type, at, body) VALUES (?, ?, ?, ?)', [e.seq, e.type, e.at, JSON.stringify(e)]);
    switch (e.type) {
      case 'run-created':
        this.run('INSERT INTO runs (id, workflow, file, status, mode, parallel, revision, cli_vars, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
          e.runId,
          e.workflow,
          e.file,
          'pending',
          e.mode,
          e.parallel,
          e.revision,
          JSON.stringify(e.cliVars),
          e.at,
        ]);
        for (const s of e.structure) this.run('INSERT OR REPLACE INTO task_states (task, status, reason, seq) VALUES (?, ?, NULL, ?)', [s.id, 'pending', e.seq]);
        return;
      case 'revision-added':
        this.run('INSERT OR IGNORE INTO revisions (hash, seq) VALUES (?, ?)', [e.revision, e.seq]);
        return;
      case 'run-status': {
        const ended = ['success', 'failed', 'cancelled', 'interrupted'].includes(e.status) ? e.at : null;
        this.run('UPDATE runs SET status = ?, message = ?, ended_at = ?', [e.status, e.message ?? null, ended]);
        return;
      }
      case 'resume-started':
        this.run('UPDATE runs SET resumes = resumes + 1, revision = ?, mode = ?, parallel = ?', [e.revision, e.mode, e.parallel]);
        this.run(`DELETE FROM task_states WHERE task NOT IN (${e.structure.map(() => '?').join(',') || "''"})`, e.structure.map((s) => s.id));
        for (const s of e.structure) this.run('INSERT OR IGNORE INTO task_states (task, status, reason, seq) VALUES (?, ?, NULL, ?)', [s.id, 'pending', e.seq]);
        return;
      case 'rerun-started':
        this.run('UPDATE runs SET resumes = resumes + 1, revision = ?', [e.revision]);
        return;
      case 'task-status':
        this.run('INSERT OR REPLACE INTO task_states (task, status, reason, seq) VALUES (?, ?, ?, ?)', [e.task, e.status, e.reason ?? null, e.seq]);
        return;
      case 'attempt-started':
        this.run(
          'INSERT INTO task_attempts (task, attempt, resume, revision, status, command, dir, log, fingerprint, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [e.task, e.attempt, e.resume, e.revision, 'running', e.command, e.dir, e.log, JSON.stringify(e.fingerprint), e.at],
        );
        this.run('INSERT OR REPLACE INTO task_states (task, status, reason, seq) VALUES (?, ?, NULL, ?)', [e.task, 'running', e.seq]);
        return;
      case 'attempt-ended':
        this.run('UPDATE task_attempts SET status = ?, reason = ?, exit_code = ?, signal = ?, message = ?, ended_at = ?, duration_ms = ?, log_tail = ? WHERE task = ? AND attempt = ?', [
          e.outcome.status,
          e.outcome.reason,
          e.outcome.exitCode,
          e.outcome.signal,
          e.outcome.message ?? null,
          e.at,
          e.durationMs,
          e.logTail,
          e.task,
          e.attempt,
        ]);
        this.run('INSERT OR REPLACE INTO task_states (task, status, reason, seq) VALUES (?, ?, ?, ?)', [e.task, e.outcome.status, e.outcome.reason, e.seq]);
        return;
      case 'var-set':
        this.run('INSERT INTO var_snapshots (run, seq, name, value, redacted, source, task, attempt, at) VALUES ((SELECT id FROM runs), ?, ?, ?, ?, ?, ?, ?, ?)', [
          e.seq,
          e.name,
          e.secret ? null : e.value,
          e.secret ? 1 : 0,
          e.source,
          e.task ?? null,
          e.attempt ?? null,
          e.at,
        ]);
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown event ${JSON.stringify(never)}`);
      }
    }
  }

  /** Every event the database holds, in order. */
  events(): RunEvent[] {
    const out: RunEvent[] = [];
    const stmt = this.db.prepare('SELECT body FROM events ORDER BY seq');
    try {
      while (stmt.step()) out.push(JSON.parse(stmt.get()[0] as string) as RunEvent);
    } finally {
      stmt.free();
    }
    return out;
  }

  /** Rows of a query, as objects (for tests and the editor's queries). */
  query(sql: string, params: (string | number | null)[] = []): Record<string, unknown>[] {
    const res = this.db.exec(sql, params)[0];
    if (!res) return [];
    return res.values.map((row) => Object.fromEntries(res.columns.map((c, i) => [c, row[i]])));
  }

  export(): Uint8Array {
    // sql.js frees every prepared statement on export.
    this.statements.clear();
    return this.db.export();
  }

  close(): void {
    for (const st of this.statements.values()) st.free();
    this.statements.clear();
    this.db.close();
  }
}
