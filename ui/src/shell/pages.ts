import type { ComponentType } from "react";
import { ChatPage } from "../chat/ChatPage";
import { HistoryPage } from "../history/HistoryPage";
import { ModelsPage } from "../models/ModelsPage";
import { SettingsPage } from "../settings/SettingsPage";
import { StoryPage } from "../story/StoryPage";
import { TemplatesPage } from "../templates/TemplatesPage";
import { TranslatePage } from "../translate/TranslatePage";
import {
  ChatIcon,
  HistoryIcon,
  ModelsIcon,
  SettingsIcon,
  StoryIcon,
  TemplatesIcon,
  TranslateIcon,
} from "../ui/icons";
import type { PageId } from "./navStore";

/** Which component renders each page and which icon stands for it in the sidebar. */
export const PAGES: Record<PageId, { Page: ComponentType; Icon: ComponentType }> = {
  chat: { Page: ChatPage, Icon: ChatIcon },
  story: { Page: StoryPage, Icon: StoryIcon },
  translate: { Page: TranslatePage, Icon: TranslateIcon },
  history: { Page: HistoryPage, Icon: HistoryIcon },
  templates: { Page: TemplatesPage, Icon: TemplatesIcon },
  models: { Page: ModelsPage, Icon: ModelsIcon },
  settings: { Page: SettingsPage, Icon: SettingsIcon },
};
