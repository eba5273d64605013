import { useEffect } from "react";
import { Page } from "../ui/Page";
import { CatalogSection } from "./CatalogSection";
import { InstalledSection } from "./InstalledSection";
import { ThreadsSection } from "./ThreadsSection";
import { useModelsStore } from "./modelsStore";
import { useEnginePolling } from "./useEnginePolling";
import "./Models.css";

/** Local models: those installed, the curated ones to download, and how many threads they use. */
export function ModelsPage() {
  const refresh = useModelsStore((s) => s.refresh);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  // What the engine is doing changes while the page is open: a model loads, then is ready.
  useEnginePolling();

  return (
    <Page id="models">
      <InstalledSection />
      <CatalogSection />
      <ThreadsSection />
    </Page>
  );
}
