import { useEffect, useState } from "react";
import { boot } from "./boot";
import type { Boot } from "./boot";
import { useAppliedPreferences } from "./prefs/useAppliedPreferences";
import { useSettingsStore } from "./settings/settingsStore";
import { Shell } from "./shell/Shell";
import { Splash } from "./shell/Splash";
import { StartupError } from "./shell/StartupError";

export function App() {
  const [state, setState] = useState<Boot>({ phase: "starting" });
  useAppliedPreferences(useSettingsStore((s) => s.settings));

  useEffect(() => {
    let mounted = true;
    void boot().then((result) => {
      if (mounted) setState(result);
    });
    return () => {
      mounted = false;
    };
  }, []);

  switch (state.phase) {
    case "starting":
      return <Splash />;
    case "failed":
      return <StartupError error={state.error} />;
    case "ready":
      return <Shell />;
  }
}
