// Pure rules for turning a saved preference plus what the system says into
// what the window actually uses. Kept free of DOM access so they are testable.
import type { LanguagePref, ThemePref } from "../ipc";

export type Theme = "light" | "dark";
export type Language = "en" | "zh-CN";

export function resolveTheme(pref: ThemePref, systemPrefersDark: boolean): Theme {
  if (pref !== "system") return pref;
  return systemPrefersDark ? "dark" : "light";
}

/** Any Chinese system locale gets Simplified Chinese, the only Chinese we ship. */
export function resolveLanguage(pref: LanguagePref, systemLocale: string | undefined): Language {
  if (pref !== "system") return pref;
  return systemLocale?.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}
