import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { HistoryIcon } from "../ui/icons";
import { Page } from "../ui/Page";

export function HistoryPage() {
  const { t } = useTranslation();
  return (
    <Page id="history">
      <EmptyState icon={<HistoryIcon />} title={t("pages.history.emptyTitle")} body={t("pages.history.emptyBody")} />
    </Page>
  );
}
