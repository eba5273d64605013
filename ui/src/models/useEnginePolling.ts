import { useEffect } from "react";
import { useModelsStore } from "./modelsStore";

/** How often the engine's status is read while nothing is loading. */
export const ENGINE_POLL_MS = 2000;
/** How often while a model loads, so its progress moves. */
export const ENGINE_POLL_LOADING_MS = 500;

/** Keeps the store's engine status current while the caller is mounted. Each
 * read is scheduled only once the last one has answered, so reads never
 * overlap, and its delay follows the status then known. Unmounting clears the
 * pending read and schedules no more. */
export function useEnginePolling() {
  const pollEngine = useModelsStore((s) => s.pollEngine);

  useEffect(() => {
    let active = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      const loading = useModelsStore.getState().engine.state === "loading";
      timer = setTimeout(() => void poll(), loading ? ENGINE_POLL_LOADING_MS : ENGINE_POLL_MS);
    };
    const poll = async () => {
      await pollEngine();
      if (active) schedule();
    };
    schedule();
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [pollEngine]);
}
