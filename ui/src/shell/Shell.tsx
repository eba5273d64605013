import { useEffect } from "react";
import { useNavStore } from "./navStore";
import { PAGES } from "./pages";
import { Sidebar } from "./Sidebar";
import "./Shell.css";

export function Shell() {
  const page = useNavStore((s) => s.page);
  const { Page } = PAGES[page];

  // The end-to-end test waits for this mark: settings are loaded and applied
  // (Shell only mounts after that) and the first page has been committed.
  useEffect(() => {
    const root = document.documentElement;
    root.dataset.ready = "true";
    return () => {
      delete root.dataset.ready;
    };
  }, []);

  return (
    <div className="shell">
      <Sidebar />
      {/* Keyed by page so each page starts scrolled to the top. */}
      <main className="shell-main" key={page}>
        <Page />
      </main>
    </div>
  );
}
