import { useEffect } from "react";
import { Page } from "../ui/Page";
import { CatalogSection } from "./CatalogSection";
import { InstalledSection } from "./InstalledSection";
import { useModelsStore } from "./modelsStore";
import "./Models.css";

/** Local models: those installed, and the curated ones to download. */
export function ModelsPage() {
  const refresh = useModelsStore((s) => s.refresh);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <Page id="models">
      <InstalledSection />
      <CatalogSection />
    </Page>
  );
}
