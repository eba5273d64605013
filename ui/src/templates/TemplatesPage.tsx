import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { TemplatesIcon } from "../ui/icons";
import { Page } from "../ui/Page";

export function TemplatesPage() {
  const { t } = useTranslation();
  return (
    <Page id="templates">
      <EmptyState icon={<TemplatesIcon />} title={t("pages.templates.emptyTitle")} body={t("pages.templates.emptyBody")} />
    </Page>
  );
}
