// The typed workflow model: what a *.cairn.toml file says, with the source
// span of everything a diagnostic, hover or rename may need to point at.
import type { Expr } from '../expr/expression';
import type { Span } from './span';
import type { TaskType } from './schema';

/** A string value from the file, and where it is. */
export interface SourceString {
  readonly value: string;
  /** The literal as written, quotes included. */
  readonly span: Span;
  /** The key naming it, where there is one (absent for array elements). */
  readonly keySpan?: Span;
  /** Source offset of value index i (i may equal value.length: the content's end). */
  at(i: number): number;
}

/** Where a task's templates or condition use a variable. */
export interface VarUse {
  readonly name: string;
  /** `{{ .name }}` whole, or the identifier in an `if`. */
  readonly span: Span;
  readonly in: 'run' | 'env' | 'dir' | 'if';
}

export interface VarDecl {
  readonly name: string;
  readonly keySpan: Span;
  readonly default?: string;
  readonly env?: string;
  readonly secret: boolean;
  readonly description?: string;
}

/** Settings shared by [defaults] and tasks. */
export interface TaskSettings {
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly shell?: SourceString;
  readonly env: ReadonlyMap<string, SourceString>;
  readonly envFile?: SourceString;
  readonly dir?: SourceString;
  readonly uses: readonly VarUse[];
}

export interface Task extends TaskSettings {
  readonly id: string;
  /** The id as written: `lint` in `[tasks.lint]`. */
  readonly idSpan: Span;
  /** The whole table: header through its last key, or the inline table. */
  readonly span: Span;
  readonly type: TaskType;
  readonly run?: SourceString;
  readonly deps: readonly SourceString[];
  readonly depsKeySpan?: Span;
  readonly register?: SourceString;
  readonly outputs: readonly SourceString[];
  readonly inputs: readonly SourceString[];
  readonly description?: string;
  readonly target?: SourceString;
  readonly condition?: { readonly source: SourceString; readonly expr?: Expr };
}

export interface Workflow {
  readonly name: string;
  readonly description?: string;
  readonly vars: ReadonlyMap<string, VarDecl>;
  readonly defaults: TaskSettings;
  /** In declaration order. */
  readonly tasks: ReadonlyMap<string, Task>;
}
