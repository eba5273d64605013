import { useTranslation } from "react-i18next";
import { LogoMark } from "../ui/icons";
import { PAGE_IDS, useNavStore } from "./navStore";
import type { PageId } from "./navStore";
import { PAGES } from "./pages";
import "./Sidebar.css";

// Settings sits apart at the bottom, as in most desktop apps.
const WORK_PAGES = PAGE_IDS.filter((id) => id !== "settings");

function NavButton({ id }: { id: PageId }) {
  const { t } = useTranslation();
  const active = useNavStore((s) => s.page === id);
  const go = useNavStore((s) => s.go);
  const { Icon } = PAGES[id];
  return (
    <button
      type="button"
      className="nav-item"
      data-testid={`nav-${id}`}
      aria-current={active ? "page" : undefined}
      onClick={() => {
        go(id);
      }}
    >
      <Icon />
      <span>{t(`nav.${id}`)}</span>
    </button>
  );
}

export function Sidebar() {
  const { t } = useTranslation();
  return (
    <aside className="sidebar">
      <div className="sidebar-brand">
        <LogoMark />
        <div>
          <div className="sidebar-name">{t("app.name")}</div>
          <div className="sidebar-tagline">{t("app.tagline")}</div>
        </div>
      </div>
      <nav className="sidebar-nav" aria-label={t("app.navigation")}>
        <ul className="sidebar-list">
          {WORK_PAGES.map((id) => (
            <li key={id}>
              <NavButton id={id} />
            </li>
          ))}
        </ul>
        <ul className="sidebar-list sidebar-list-end">
          <li>
            <NavButton id="settings" />
          </li>
        </ul>
      </nav>
    </aside>
  );
}
