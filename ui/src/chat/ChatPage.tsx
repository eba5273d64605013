import { useTranslation } from "react-i18next";
import { EmptyState } from "../ui/EmptyState";
import { ChatIcon } from "../ui/icons";
import { Page } from "../ui/Page";

export function ChatPage() {
  const { t } = useTranslation();
  return (
    <Page id="chat">
      <EmptyState icon={<ChatIcon />} title={t("pages.chat.emptyTitle")} body={t("pages.chat.emptyBody")} />
    </Page>
  );
}
