import { create } from "zustand";

export const PAGE_IDS = ["chat", "story", "translate", "history", "templates", "models", "settings"] as const;
export type PageId = (typeof PAGE_IDS)[number];

type NavState = {
  page: PageId;
  go: (page: PageId) => void;
};

export const useNavStore = create<NavState>()((set) => ({
  page: "chat",
  go: (page) => {
    set({ page });
  },
}));
