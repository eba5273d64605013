import type { GenerationRecord, Prompt } from "../ipc";

/** "2026-11-28T10:04:05.123Z" as the reader's local date and time, to the minute. */
export function formatTime(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "–";
  return ms < 1000 ? `${String(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatRate(perSecond: number | null): string {
  return perSecond === null ? "–" : perSecond.toFixed(1);
}

/** The prompt as a person reads it: each message under its role, or the raw text. */
export function promptText(prompt: Prompt): string {
  if (prompt.format === "completion") return prompt.text;
  return prompt.messages.map((m) => `── ${m.role} ──\n${m.content}`).join("\n\n");
}

/** Everything worth copying from a generation: its answers, one after another. */
export function outputText(record: GenerationRecord): string {
  return record.choices.map((c) => c.text).join("\n\n");
}

/** Tags typed as "a, b, c": trimmed, empty ones dropped. */
export function parseTags(text: string): string[] {
  return text
    .split(/[,，]/)
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** `YYYY-MM-DD` of the day `days` before `now`, in UTC like the store. */
export function daysAgo(days: number, now: Date = new Date()): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}
