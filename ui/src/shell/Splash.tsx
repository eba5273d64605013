import { useTranslation } from "react-i18next";
import "./Splash.css";

/** Shown while the core opens its store; the text fades in only if that is slow. */
export function Splash() {
  const { t } = useTranslation();
  return (
    <div className="splash" aria-busy="true">
      <p className="splash-text">{t("app.starting")}</p>
    </div>
  );
}
