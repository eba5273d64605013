import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { TranslateIcon } from "../ui/icons";
import { Page } from "../ui/Page";

export function TranslatePage() {
  const { t } = useTranslation();
  return (
    <Page id="translate">
      <EmptyState icon={<TranslateIcon />} title={t("pages.translate.emptyTitle")} body={t("pages.translate.emptyBody")} />
    </Page>
  );
}
