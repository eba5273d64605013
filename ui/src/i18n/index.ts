import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { resolveLanguage } from "../prefs/resolve";
import en from "./en.json";
import zhCN from "./zh-CN.json";

const resources = {
  en: { translation: en },
  "zh-CN": { translation: zhCN },
} as const;

// Resources are bundled, so initialise synchronously: the first frame is
// already in the system language and never flashes untranslated keys.
void i18n.use(initReactI18next).init({
  resources,
  lng: resolveLanguage("system", navigator.language),
  fallbackLng: "en",
  initAsync: false,
  // React already escapes text it renders.
  interpolation: { escapeValue: false },
});

export default i18n;
