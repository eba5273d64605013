import type { TemplateKind, TemplateSummary } from "../ipc";

export const KINDS: readonly TemplateKind[] = ["chat", "story", "translate", "utility"];

export type TemplateFilter = {
  kind: TemplateKind | "all";
  /** A language code, or "all". */
  language: string;
  query: string;
};

/**
 * The templates a filter lets through. Every word of the query must occur
 * in the name, id or description (ignoring case), so "translate sub" finds
 * the subtitle template.
 */
export function filterTemplates(list: readonly TemplateSummary[], filter: TemplateFilter): TemplateSummary[] {
  const words = filter.query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  return list.filter((t) => {
    if (filter.kind !== "all" && t.kind !== filter.kind) return false;
    if (filter.language !== "all" && t.language !== filter.language) return false;
    const haystack = `${t.name}\n${t.id}\n${t.description}`.toLocaleLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

/** The languages templates exist in, for the language filter. */
export function languagesOf(list: readonly TemplateSummary[]): string[] {
  return [...new Set(list.map((t) => t.language))].sort();
}

/**
 * Templates grouped by kind, in the app's order of kinds, each group by
 * name as the person reads it; empty groups left out.
 */
export function groupByKind(
  list: readonly TemplateSummary[],
  locale: string,
): [TemplateKind, TemplateSummary[]][] {
  const byName = new Intl.Collator(locale);
  return KINDS.map((kind): [TemplateKind, TemplateSummary[]] => [
    kind,
    list.filter((t) => t.kind === kind).sort((a, b) => byName.compare(a.name, b.name) || a.language.localeCompare(b.language)),
  ]).filter(([, items]) => items.length > 0);
}

/** The language filter to start with: the interface's, when templates exist in it. */
export function startingLanguage(list: readonly TemplateSummary[], uiLanguage: string): string {
  return list.some((t) => t.language === uiLanguage) ? uiLanguage : "all";
}
