import { useEffect, useState } from "react";
import { previewTemplate, toApiError } from "../ipc";
import type { ApiError, Preview, Values } from "../ipc";

export type PreviewState =
  | { status: "idle" }
  | { status: "ready"; preview: Preview; stale: boolean }
  | { status: "failed"; error: ApiError };

/** How long typing pauses before the preview is asked for. */
export const PREVIEW_DELAY_MS = 200;

type Answer = { request: string } & ({ ok: true; preview: Preview } | { ok: false; error: ApiError });

/**
 * Checks and renders `source` with `values` as the person types: debounced,
 * and only answers to the newest request are kept, however they arrive.
 * The last preview stays on screen (marked stale) while the next one is on
 * its way, so the pane does not flicker.
 */
export function usePreview(source: string | null, values: Values): PreviewState {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const request = JSON.stringify([source, values]);

  useEffect(() => {
    const [text, given] = JSON.parse(request) as [string | null, Values];
    if (text === null) return;
    let current = true;
    const timer = setTimeout(() => {
      previewTemplate(text, given).then(
        (preview) => {
          if (current) setAnswer({ request, ok: true, preview });
        },
        (error: unknown) => {
          if (current) setAnswer({ request, ok: false, error: toApiError(error) });
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [request]);

  if (source === null || answer === null) return { status: "idle" };
  if (!answer.ok) return { status: "failed", error: answer.error };
  return { status: "ready", preview: answer.preview, stale: answer.request !== request };
}
