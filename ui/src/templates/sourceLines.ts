/** The lines of a source text, as the editor's gutter and backdrop show them. */
export function lines(source: string): string[] {
  return source.split("\n");
}

/**
 * The offset in `source` of a 1-based line and column (in characters, as
 * the core reports them), clamped to the text, for placing the caret.
 */
export function offsetOf(source: string, line: number, column: number | null): number {
  const all = lines(source);
  const index = Math.min(Math.max(line, 1), all.length) - 1;
  let offset = 0;
  for (let i = 0; i < index; i++) offset += (all[i]?.length ?? 0) + 1;
  const text = all[index] ?? "";
  // Columns count characters; JavaScript strings count UTF-16 units.
  const chars = Array.from(text).slice(0, Math.max((column ?? 1) - 1, 0));
  return offset + Math.min(chars.join("").length, text.length);
}
