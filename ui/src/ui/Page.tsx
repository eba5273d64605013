import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { PageId } from "../shell/navStore";
import "./Page.css";

/** Common frame of every page: the test hook, the <h1> and a one-line lead. */
export function Page({ id, children }: { id: PageId; children: ReactNode }) {
  const { t } = useTranslation();
  const titleId = `page-${id}-title`;
  return (
    <section className="page" data-testid={`page-${id}`} aria-labelledby={titleId}>
      <header className="page-header">
        <h1 id={titleId}>{t(`pages.${id}.title`)}</h1>
        <p className="page-lead">{t(`pages.${id}.lead`)}</p>
      </header>
      {children}
    </section>
  );
}
