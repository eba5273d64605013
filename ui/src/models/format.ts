import type { TFunction } from "i18next";
import type { CatalogEntry, DownloadProgress, HubFile } from "../ipc";

/** Rounds like the core's sizes: one decimal below 10, none above. */
function scaled(value: number, units: readonly string[], base: string): string {
  let unit: string | null = null;
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  if (unit === null) return `${String(value)}${base}`;
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

/** Sizes as the hub and file managers show them: `812 KB`, `1.1 GB`. */
export function formatBytes(bytes: number): string {
  return scaled(bytes, ["KB", "MB", "GB", "TB"], " bytes");
}

/** A model's weight count: `1.5 B`, `494 M`. */
export function formatParameters(count: number): string {
  return scaled(count, ["K", "M", "B", "T"], "");
}

/** Whole percent, never 100 before the last byte. */
export function percentOf({ downloaded, total }: DownloadProgress): number | null {
  if (total === null || total === 0) return null;
  return Math.min(Math.floor((downloaded / total) * 100), 100);
}

/** What the core downloads for a catalog entry. */
export function hubFile(entry: CatalogEntry): HubFile {
  return { repo: entry.repo, file: entry.file, revision: "main" };
}

/** The id the entry's model has once installed: its file name without `.gguf`. */
export function modelIdOf(entry: CatalogEntry): string {
  return entry.file.replace(/\.gguf$/i, "");
}

/** The entry's description in the interface's language. Catalog keys hold dots
 * (`qwen2.5-1.5b`) and i18next reads `.` (and `:`) as separators, so the
 * resources list each under its key with every character but letters, digits
 * and `-` made `_` (`models.catalog.descriptions.qwen2_5-1_5b`); a key they
 * lack, from a newer core, shows the core's own English text. */
export function catalogDescription(t: TFunction, entry: CatalogEntry): string {
  const key = entry.key.replace(/[^A-Za-z0-9-]/g, "_");
  return t(`models.catalog.descriptions.${key}`, { defaultValue: entry.description });
}
