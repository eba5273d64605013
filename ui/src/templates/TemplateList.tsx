import { useTranslation } from "react-i18next";
import type { TemplateKey, TemplateSummary } from "../ipc";
import { KINDS, filterTemplates, groupByKind, languagesOf } from "./filter";
import type { TemplateFilter } from "./filter";
import { sameKey } from "./templatesStore";

type Props = {
  templates: readonly TemplateSummary[];
  filter: TemplateFilter;
  onFilter: (filter: TemplateFilter) => void;
  selected: TemplateKey | null;
  onSelect: (key: TemplateKey) => void;
};

/** The library: search, kind and language filters, and the templates grouped by kind. */
export function TemplateList({ templates, filter, onFilter, selected, onSelect }: Props) {
  const { t, i18n } = useTranslation();
  const shown = filterTemplates(templates, filter);
  const languages = languagesOf(templates);
  const languageName = (code: string) => t(`templates.languages.${code}`, { defaultValue: code });

  return (
    <div className="template-browser">
      <input
        type="search"
        className="input"
        data-testid="templates-search"
        placeholder={t("templates.search")}
        aria-label={t("templates.search")}
        value={filter.query}
        onChange={(event) => {
          onFilter({ ...filter, query: event.target.value });
        }}
      />
      <div className="template-kinds" role="group" aria-label={t("templates.kindFilter")}>
        {(["all", ...KINDS] as const).map((kind) => (
          <button
            key={kind}
            type="button"
            className="template-kind"
            data-testid={`templates-kind-${kind}`}
            aria-pressed={filter.kind === kind}
            onClick={() => {
              onFilter({ ...filter, kind });
            }}
          >
            {t(`templates.kinds.${kind}`)}
          </button>
        ))}
      </div>
      <select
        className="select"
        data-testid="templates-language"
        aria-label={t("templates.languageFilter")}
        value={filter.language}
        onChange={(event) => {
          onFilter({ ...filter, language: event.target.value });
        }}
      >
        <option value="all">{t("templates.allLanguages")}</option>
        {languages.map((code) => (
          <option key={code} value={code}>
            {languageName(code)}
          </option>
        ))}
      </select>

      {shown.length === 0 ? (
        <p className="template-list-empty">{t("templates.noMatch")}</p>
      ) : (
        <div className="template-groups">
          {groupByKind(shown, i18n.language).map(([kind, items]) => (
            <section key={kind} className="template-group" aria-label={t(`templates.kinds.${kind}`)}>
              <h3 className="template-group-title">{t(`templates.kinds.${kind}`)}</h3>
              <ul className="template-items">
                {items.map((item) => {
                  const key = { id: item.id, language: item.language };
                  const current = selected !== null && sameKey(selected, key);
                  return (
                    <li key={`${item.id}/${item.language}`}>
                      <button
                        type="button"
                        className="template-item"
                        data-testid={`template-${item.id}-${item.language}`}
                        aria-current={current || undefined}
                        title={item.problem ?? item.description}
                        onClick={() => {
                          onSelect(key);
                        }}
                      >
                        <span className="template-item-name">
                          {item.problem && <span className="template-item-broken">! </span>}
                          {item.name}
                        </span>
                        <span className="template-item-meta">
                          {filter.language === "all" && <span className="template-tag">{item.language}</span>}
                          {item.origin !== "builtIn" && (
                            <span className="template-tag template-tag-accent">{t(`templates.origin.${item.origin}`)}</span>
                          )}
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
        </div>
      )}
    </div>
  );
}
