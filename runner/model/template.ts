// `{{ .name }}` templates inside run / env / dir strings. Parsed into text,
// variable and literal parts with spans in *value* offsets (callers map them
// to the source); rendering is done by the engine from these parts.

export interface ValueSpan {
  readonly start: number;
  readonly end: number;
}

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  /** `{{ .name }}`: span covers `{{` through `}}`; nameSpan covers `name`. */
  | { readonly kind: 'var'; readonly name: string; readonly span: ValueSpan; readonly nameSpan: ValueSpan }
  /** `{{ "{{" }}`: how a literal `{{` is written. */
  | { readonly kind: 'literal'; readonly text: string; readonly span: ValueSpan };

export interface TemplateError {
  readonly message: string;
  readonly span: ValueSpan;
}

export interface ParsedTemplate {
  readonly parts: readonly TemplatePart[];
  readonly errors: readonly TemplateError[];
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseTemplate(s: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: TemplateError[] = [];
  let textStart = 0;
  let i = s.indexOf('{{');
  while (i !== -1) {
    if (i > textStart) parts.push({ kind: 'text', text: s.slice(textStart, i) });
    let j = i + 2;
    while (s[j] === ' ' || s[j] === '\t') j++;
    const q = s[j];
    if (q === '"' || q === "'") {
      // A quoted literal may itself contain "}}", so find its closing quote first.
      const close = s.indexOf(q, j + 1);
      const after = close === -1 ? -1 : skipSpaces(s, close + 1);
      if (close !== -1 && s.startsWith('}}', after)) {
        parts.push({ kind: 'literal', text: s.slice(j + 1, close), span: { start: i, end: after + 2 } });
        textStart = after + 2;
        i = s.indexOf('{{', textStart);
        continue;
      }
    }
    const close = s.indexOf('}}', i + 2);
    if (close === -1) {
      errors.push({ message: 'unclosed "{{": end the template with "}}" (to write a literal "{{", use {{ "{{" }})', span: { start: i, end: s.length } });
      textStart = s.length;
      break;
    }
    const inner = s.slice(i + 2, close);
    const trimmed = inner.trim();
    const span = { start: i, end: close + 2 };
    if (trimmed.startsWith('.') && VAR_NAME.test(trimmed.slice(1))) {
      const nameStart = i + 2 + inner.indexOf(trimmed) + 1;
      parts.push({ kind: 'var', name: trimmed.slice(1), span, nameSpan: { start: nameStart, end: nameStart + trimmed.length - 1 } });
    } else {
      errors.push({ message: templateProblem(trimmed), span });
    }
    textStart = close + 2;
    i = s.indexOf('{{', textStart);
  }
  if (textStart < s.length) parts.push({ kind: 'text', text: s.slice(textStart) });
  return { parts, errors };
}

function skipSpaces(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}

function templateProblem(inner: string): string {
  if (inner === '') return 'empty template "{{ }}": write {{ .name }} to insert a variable';
  if (VAR_NAME.test(inner)) return `variables are written with a dot: {{ .${inner} }}`;
  if (inner.startsWith('.') && inner.length === 1) return 'missing variable name after "." in {{ . }}';
  return `cannot read "{{ ${inner} }}": a template is {{ .name }} (a variable) or {{ "text" }} (a literal)`;
}

/** Variable names a template refers to, in order (duplicates kept). */
export function templateVariables(t: ParsedTemplate): { name: string; span: ValueSpan }[] {
  const out: { name: string; span: ValueSpan }[] = [];
  for (const p of t.parts) if (p.kind === 'var') out.push({ name: p.name, span: p.span });
  return out;
}

export type RenderResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly missing: string };

/** Renders parts with values looked up by name; the first unset variable fails the render. */
export function renderTemplate(t: ParsedTemplate, lookup: (name: string) => string | undefined): RenderResult {
  let out = '';
  for (const p of t.parts) {
    if (p.kind === 'text' || p.kind === 'literal') out += p.text;
    else {
      const v = lookup(p.name);
      if (v === undefined) return { ok: false, missing: p.name };
      out += v;
    }
  }
  return { ok: true, text: out };
}
