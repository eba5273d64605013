import { useTranslation } from "react-i18next";
import { BackendsSection } from "../backends/BackendsSection";
import type { LanguagePref, ThemePref } from "../ipc";
import { Page } from "../ui/Page";
import { AboutSection } from "./AboutSection";
import { SegmentedControl } from "./SegmentedControl";
import { useSettingsStore } from "./settingsStore";
import "./SettingsPage.css";

const LANGUAGES: readonly LanguagePref[] = ["system", "en", "zh-CN"];
const THEMES: readonly ThemePref[] = ["system", "light", "dark"];

export function SettingsPage() {
  const { t } = useTranslation();
  const settings = useSettingsStore((s) => s.settings);
  const saveError = useSettingsStore((s) => s.saveError);
  const change = useSettingsStore((s) => s.change);

  return (
    <Page id="settings">
      <section className="page-section" aria-labelledby="settings-general">
        <h2 id="settings-general">{t("settings.general")}</h2>
        <div className="card">
          <SegmentedControl
            name="language"
            label={t("settings.language.label")}
            hint={t("settings.language.hint")}
            options={LANGUAGES.map((value) => ({ value, label: t(`settings.language.${value}`) }))}
            value={settings.language}
            onChange={(language) => void change({ language, theme: null })}
          />
          <SegmentedControl
            name="theme"
            label={t("settings.theme.label")}
            hint={t("settings.theme.hint")}
            options={THEMES.map((value) => ({ value, label: t(`settings.theme.${value}`) }))}
            value={settings.theme}
            onChange={(theme) => void change({ language: null, theme })}
          />
        </div>
        {saveError && (
          <p className="error-text" role="alert">
            {t("settings.saveFailed", { message: saveError.message })}
          </p>
        )}
      </section>
      <BackendsSection />
      <AboutSection />
    </Page>
  );
}
