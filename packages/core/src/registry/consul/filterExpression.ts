/** Tags and meta an instance must have, applied by Consul before answering. */
export interface ServerFilter {
  /** Instances must carry every one of these tags. */
  readonly tags?: readonly string[];
  /** Instances must have these exact meta values. Keys follow Consul's rules: letters, digits, `-`, `_`. */
  readonly meta?: Readonly<Record<string, string>>;
}

/**
 * A Consul filter expression (go-bexpr) for `filter`, or `undefined` when there is
 * nothing to send. Strings go in double quotes, or in backquotes (raw) when they hold a
 * `"` or `\` (Consul 1.14's parser accepts no escapes). A string holding both a quote or
 * backslash and a backquote, or a control character, is not written at all; its clause is left out here and
 * applied client-side only (the registry re-checks every clause anyway).
 */
export function filterExpression(filter: ServerFilter | undefined): string | undefined {
  if (filter === undefined) return undefined;
  const clauses: string[] = [];
  for (const tag of filter.tags ?? []) {
    const literal = quote(tag);
    if (literal !== undefined) clauses.push(`${literal} in Service.Tags`);
  }
  for (const [key, value] of Object.entries(filter.meta ?? {})) {
    const literal = quote(value);
    if (literal !== undefined) clauses.push(`Service.Meta["${key}"] == ${literal}`);
  }
  return clauses.length === 0 ? undefined : clauses.join(' and ');
}

function quote(text: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f]/.test(text)) return undefined;
  if (!text.includes('"') && !text.includes('\\')) return `"${text}"`;
  if (!text.includes('`')) return `\`${text}\``;
  return undefined;
}
