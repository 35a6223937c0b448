// Reference positions from toml-eslint-parser's AST, for tests and benches
// only: the scanner in toml-positions.ts must agree with it on every path.
import { parseTOML, type AST } from 'toml-eslint-parser';
import type { Span } from './span';
import type { PositionEntry, PositionIndex, TomlPath } from './toml-positions';

interface TrieNode {
  key?: Span;
  value?: Span;
  children?: Map<string | number, TrieNode>;
}

/**
 * A trie over path segments: building and looking up are linear in the path,
 * where a flat map keyed by joined paths goes quadratic on long dotted keys.
 */
class TrieIndex implements PositionIndex {
  readonly root: TrieNode = {};

  get(path: TomlPath): PositionEntry | undefined {
    let node: TrieNode | undefined = this.root;
    for (const seg of path) {
      node = node.children?.get(seg);
      if (!node) return undefined;
    }
    return node === this.root ? undefined : node;
  }

  child(node: TrieNode, seg: string | number): TrieNode {
    node.children ??= new Map();
    let c = node.children.get(seg);
    if (!c) node.children.set(seg, (c = {}));
    return c;
  }

  /** First definition wins: a table is "where it is first named". */
  set(node: TrieNode, key: Span | undefined, value: Span | undefined): void {
    if (key && !node.key) node.key = key;
    if (value && !node.value) node.value = value;
  }
}

const toSpan = (n: { range: [number, number] }): Span => ({ start: n.range[0], end: n.range[1] });

function keyName(k: AST.TOMLBare | AST.TOMLQuoted): string {
  return k.type === 'TOMLBare' ? k.name : k.value;
}

/**
 * Index the positions of every path in `text`. Throws if toml-eslint-parser
 * rejects the text (callers only pass text that smol-toml accepted).
 */
export function referencePositions(text: string): PositionIndex {
  // A BOM is one character the parser rejects; a space keeps every offset.
  const ast = parseTOML(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text);
  const index = new TrieIndex();
  const top = ast.body[0];
  for (const node of top.body) {
    if (node.type === 'TOMLTable') indexTable(index, node);
    else indexKeyValue(index, index.root, node);
  }
  return index;
}

function indexTable(index: TrieIndex, table: AST.TOMLTable): void {
  // resolvedKey carries array-of-table indices: ['tasks', 'a'] or ['step', 2].
  const resolved = table.resolvedKey;
  const segs = table.key.keys;
  let si = 0;
  let node = index.root;
  for (let i = 0; i < resolved.length; i++) {
    const seg = resolved[i]!;
    node = index.child(node, seg);
    if (typeof seg === 'number') {
      // An index names no key; the last one is this [[table]] entry itself.
      if (i === resolved.length - 1) index.set(node, undefined, toSpan(table));
      continue;
    }
    const keySeg = segs[si++];
    const isLast = i === resolved.length - 1 || (i === resolved.length - 2 && typeof resolved[i + 1] === 'number');
    index.set(node, keySeg ? toSpan(keySeg) : undefined, isLast && table.kind === 'standard' ? toSpan(table) : undefined);
  }
  for (const kv of table.body) indexKeyValue(index, node, kv);
}

function indexKeyValue(index: TrieIndex, base: TrieNode, kv: AST.TOMLKeyValue): void {
  let node = base;
  const keys = kv.key.keys;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    node = index.child(node, keyName(k));
    index.set(node, toSpan(k), i === keys.length - 1 ? toSpan(kv.value) : undefined);
  }
  indexContent(index, node, kv.value);
}

// Iterative: arrays and inline tables may nest as deep as the parser allows.
function indexContent(index: TrieIndex, start: TrieNode, value: AST.TOMLContentNode): void {
  const stack: [TrieNode, AST.TOMLContentNode][] = [[start, value]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, content] = item;
    if (content.type === 'TOMLInlineTable') {
      for (const kv of content.body) {
        let n = node;
        const keys = kv.key.keys;
        for (let i = 0; i < keys.length; i++) {
          n = index.child(n, keyName(keys[i]!));
          index.set(n, toSpan(keys[i]!), i === keys.length - 1 ? toSpan(kv.value) : undefined);
        }
        stack.push([n, kv.value]);
      }
    } else if (content.type === 'TOMLArray') {
      content.elements.forEach((el, i) => {
        const n = index.child(node, i);
        index.set(n, undefined, toSpan(el));
        stack.push([n, el]);
      });
    }
  }
}
