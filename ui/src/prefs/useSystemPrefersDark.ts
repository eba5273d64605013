import { useSyncExternalStore } from "react";

const DARK_QUERY = "(prefers-color-scheme: dark)";

function subscribe(onChange: () => void): () => void {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener("change", onChange);
  return () => {
    query.removeEventListener("change", onChange);
  };
}

function prefersDark(): boolean {
  return window.matchMedia(DARK_QUERY).matches;
}

/** Live system colour scheme: re-renders when the OS switches light/dark. */
export function useSystemPrefersDark(): boolean {
  return useSyncExternalStore(subscribe, prefersDark);
}
