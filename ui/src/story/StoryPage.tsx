import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { StoryIcon } from "../ui/icons";
import { Page } from "../ui/Page";

export function StoryPage() {
  const { t } = useTranslation();
  return (
    <Page id="story">
      <EmptyState icon={<StoryIcon />} title={t("pages.story.emptyTitle")} body={t("pages.story.emptyBody")} />
    </Page>
  );
}
