import { useLayoutEffect } from "react";
import i18n from "../i18n";
import type { Settings } from "../ipc";
import { resolveLanguage, resolveTheme } from "./resolve";
import { useSystemPrefersDark } from "./useSystemPrefersDark";

/**
 * Puts the effective theme and language on <html> and into i18next.
 * Layout effects, so a change is visible in the very next frame, without a flash.
 */
export function useAppliedPreferences({ language, theme }: Settings): void {
  const effectiveTheme = resolveTheme(theme, useSystemPrefersDark());
  const effectiveLanguage = resolveLanguage(language, navigator.language);

  useLayoutEffect(() => {
    document.documentElement.dataset.theme = effectiveTheme;
  }, [effectiveTheme]);

  useLayoutEffect(() => {
    document.documentElement.lang = effectiveLanguage;
    void i18n.changeLanguage(effectiveLanguage);
  }, [effectiveLanguage]);
}
