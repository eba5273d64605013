import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ImportFile } from "../ipc";
import { Page } from "../ui/Page";
import { startingLanguage } from "./filter";
import type { TemplateFilter } from "./filter";
import { NoticeBar } from "./NoticeBar";
import { TemplateList } from "./TemplateList";
import { TemplateWorkbench } from "./TemplateWorkbench";
import { keyOf, useTemplatesStore } from "./templatesStore";
import "./Templates.css";

export function TemplatesPage() {
  const { t, i18n } = useTranslation();
  const load = useTemplatesStore((s) => s.load);
  const templates = useTemplatesStore((s) => s.templates);
  const open = useTemplatesStore((s) => s.open);
  const leaving = useTemplatesStore((s) => s.leaving);
  const notice = useTemplatesStore((s) => s.notice);
  const busy = useTemplatesStore((s) => s.busy);
  const { refresh, select, startNew, importFiles, dismissNotice, discardAndLeave, stay } =
    useTemplatesStore.getState();
  const [filter, setFilter] = useState<TemplateFilter | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // The language filter starts at the interface language once the list is known.
  const shownFilter = filter ?? {
    kind: "all",
    language: load.status === "ready" ? startingLanguage(templates, i18n.language) : "all",
    query: "",
  };

  const readPicked = async (list: FileList | null) => {
    const files: ImportFile[] = await Promise.all(
      Array.from(list ?? []).map(async (file) => ({ name: file.name, text: await file.text() })),
    );
    if (picker.current) picker.current.value = "";
    if (files.length > 0) await importFiles(files, false);
  };

  const selected = open.kind === "entry" ? keyOf(open.entry) : null;

  return (
    <Page id="templates">
      <div className="templates-layout">
        <aside className="templates-sidebar">
          <div className="templates-toolbar">
            <button
              type="button"
              className="button button-primary"
              data-testid="templates-new"
              onClick={() => void startNew()}
            >
              {t("templates.actions.new")}
            </button>
            <button
              type="button"
              className="button"
              data-testid="templates-import"
              disabled={busy}
              onClick={() => picker.current?.click()}
            >
              {t("templates.actions.import")}
            </button>
            <input
              ref={picker}
              type="file"
              accept=".md,.markdown,.txt,text/markdown,text/plain"
              multiple
              hidden
              data-testid="templates-import-files"
              onChange={(event) => void readPicked(event.target.files)}
            />
          </div>
          {load.status === "loading" && <p className="template-list-empty">{t("templates.loading")}</p>}
          {load.status === "failed" && (
            <p className="template-list-empty error-text" role="alert">
              {t("templates.loadFailed", { message: load.error.message })}
            </p>
          )}
          {load.status === "ready" && (
            <TemplateList
              templates={templates}
              filter={shownFilter}
              onFilter={setFilter}
              selected={selected}
              onSelect={(key) => void select(key)}
            />
          )}
        </aside>

        <div className="templates-main">
          {notice && (
            <NoticeBar
              notice={notice}
              onDismiss={dismissNotice}
              onReplace={() => {
                if (notice.kind === "importConflict") void importFiles(notice.files, true);
              }}
            />
          )}
          {leaving && (
            <div className="template-notice is-error" role="alert" data-testid="templates-leaving">
              <p className="template-notice-body">{t("templates.leaving.question")}</p>
              <div className="template-notice-actions">
                <button
                  type="button"
                  className="button button-danger"
                  data-testid="templates-discard"
                  onClick={() => void discardAndLeave()}
                >
                  {t("templates.leaving.discard")}
                </button>
                <button type="button" className="button" onClick={stay}>
                  {t("templates.leaving.stay")}
                </button>
              </div>
            </div>
          )}
          {open.kind === "none" ? (
            <div className="templates-placeholder">
              <h2>{t("pages.templates.emptyTitle")}</h2>
              <p>{t("pages.templates.emptyBody")}</p>
            </div>
          ) : (
            <TemplateWorkbench
              key={open.kind === "entry" ? `${open.entry.summary.id}/${open.entry.summary.language}` : "new"}
              entry={open.kind === "entry" ? open.entry : null}
            />
          )}
        </div>
      </div>
    </Page>
  );
}
