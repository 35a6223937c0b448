// Replaces secret values with *** in text, including text that arrives in chunks with a secret split across
// them. Knows nothing of streams or files: callers pass strings and write what comes back.

export const MASK = '***';

/** The secrets of one task, compiled once and shared by its stdout and stderr maskers. */
export class SecretMatcher {
  private readonly pattern: RegExp;
  private readonly secrets: readonly string[];
  private readonly firstChars: ReadonlySet<string>;
  readonly maxLength: number;

  /** undefined when there is nothing to mask, so callers can skip masking entirely. */
  static create(secrets: readonly string[]): SecretMatcher | undefined {
    const distinct = [...new Set(secrets.filter((secret) => secret !== ''))];
    return distinct.length === 0 ? undefined : new SecretMatcher(distinct);
  }

  private constructor(secrets: string[]) {
    // Longest first: a regex alternation takes the first alternative that matches, so a secret that contains
    // another (`abc`, `abcdef`) is masked whole, never as `***def`.
    this.secrets = secrets.sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(this.secrets.map(escapeRegExp).join('|'), 'g');
    this.firstChars = new Set(this.secrets.map((secret) => secret.charAt(0)));
    this.maxLength = this.secrets[0]?.length ?? 0;
  }

  maskAll(text: string): string {
    return text.replace(this.pattern, MASK);
  }

  /**
   * Masks every secret that starts before `end`, and returns the masked text up to there (or up to the end of a
   * secret that straddles it) and the index where the unmasked rest begins.
   */
  maskUntil(text: string, end: number): { masked: string; rest: number } {
    let masked = '';
    let done = 0;
    this.pattern.lastIndex = 0;
    for (let match = this.pattern.exec(text); match !== null && match.index < end; match = this.pattern.exec(text)) {
      masked += text.slice(done, match.index) + MASK;
      done = match.index + match[0].length;
    }
    const rest = Math.max(end, done);
    return { masked: masked + text.slice(done, rest), rest };
  }

  /**
   * Where the longest suffix of `text` that could still grow into a secret begins (text.length if none).
   * Only such a suffix needs holding back; everything before it can be emitted now. At most maxLength - 1
   * characters, and usually none, so ordinary output is not delayed behind the next chunk.
   */
  pendingFrom(text: string): number {
    for (let at = Math.max(0, text.length - (this.maxLength - 1)); at < text.length; at++) {
      if (!this.firstChars.has(text.charAt(at))) continue;
      const suffix = text.slice(at);
      if (this.secrets.some((secret) => secret.length > suffix.length && secret.startsWith(suffix))) return at;
    }
    return text.length;
  }
}

/** One stream's masker: what it returns is safe to show; a possible secret prefix waits for the next chunk. */
export class MaskingStream {
  private carry = '';

  constructor(private readonly matcher: SecretMatcher) {}

  write(chunk: string): string {
    const text = this.carry + chunk;
    // Every secret starting before the pending suffix fits inside `text` (the suffix is the only place one can
    // be cut off), so matches found there are final.
    const { masked, rest } = this.matcher.maskUntil(text, this.matcher.pendingFrom(text));
    this.carry = text.slice(rest);
    return masked;
  }

  end(): string {
    const text = this.carry;
    this.carry = '';
    return this.matcher.maskAll(text);
  }
}

export function maskSecrets(text: string, matcher: SecretMatcher | undefined): string {
  return matcher === undefined ? text : matcher.maskAll(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
