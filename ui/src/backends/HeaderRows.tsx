import { useId } from "react";
import { useTranslation } from "react-i18next";
import { headerRow } from "./form";
import type { HeaderRow, Problem } from "./form";

type Props = {
  rows: readonly HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  problemOf: (row: HeaderRow) => Problem | undefined;
};

/** Extra HTTP headers as name/value rows. */
export function HeaderRows({ rows, onChange, problemOf }: Props) {
  const { t } = useTranslation();
  const hintId = useId();
  const edit = (key: number, patch: Partial<HeaderRow>) => {
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  };

  return (
    <fieldset className="field header-rows" aria-describedby={hintId}>
      <legend className="field-label">{t("backends.form.headers")}</legend>
      {rows.map((row, index) => {
        const problem = problemOf(row);
        const problemId = `${hintId}-${String(row.key)}`;
        const number = String(index + 1);
        return (
          <div className="header-row" key={row.key}>
            <div className="field-pair">
              <input
                className="input"
                aria-label={t("backends.form.headerName", { number })}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? problemId : undefined}
                value={row.name}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => {
                  edit(row.key, { name: e.target.value });
                }}
              />
              <input
                className="input"
                aria-label={t("backends.form.headerValue", { number })}
                value={row.value}
                spellCheck={false}
                autoComplete="off"
                onChange={(e) => {
                  edit(row.key, { value: e.target.value });
                }}
              />
              <button
                type="button"
                className="button button-quiet"
                aria-label={t("backends.form.removeHeader", { number })}
                onClick={() => {
                  onChange(rows.filter((r) => r.key !== row.key));
                }}
              >
                ×
              </button>
            </div>
            {problem && (
              <p className="field-problem" id={problemId}>
                {t(`backends.problems.${problem}`)}
              </p>
            )}
          </div>
        );
      })}
      <p className="field-hint" id={hintId}>
        {t("backends.form.headersHint")}
      </p>
      <div>
        <button
          type="button"
          className="button"
          onClick={() => {
            onChange([...rows, headerRow()]);
          }}
        >
          {t("backends.form.addHeader")}
        </button>
      </div>
    </fieldset>
  );
}
