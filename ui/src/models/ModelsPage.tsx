import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { ModelsIcon } from "../ui/icons";
import { Page } from "../ui/Page";

export function ModelsPage() {
  const { t } = useTranslation();
  return (
    <Page id="models">
      <EmptyState icon={<ModelsIcon />} title={t("pages.models.emptyTitle")} body={t("pages.models.emptyBody")} />
    </Page>
  );
}
