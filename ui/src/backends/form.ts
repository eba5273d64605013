// The add/edit form as plain data: what the fields hold, how a preset fills
// them, and how they become a BackendDraft or a list of inline problems.
import type { BackendDraft, BackendRecord, BackendSettings, FoundServer, Preset } from "../ipc";

/**
 * BackendSettings::default() in src/backend/registry.rs, which no command
 * returns: a new backend starts from these, as one added by the CLI does.
 */
export const DEFAULT_SETTINGS: BackendSettings = {
  headers: {},
  proxy: null,
  connectTimeoutSecs: 10,
  firstByteTimeoutSecs: 120,
  idleTimeoutSecs: 60,
  maxRetries: 4,
  maxConcurrent: 4,
  stream: true,
};

/** The preset choice for "my own base URL". No preset has this id. */
export const CUSTOM = "custom";

export type HeaderRow = { key: number; name: string; value: string };

/** Every field as the person typed it; numbers stay text until saved. */
export type FormValues = {
  presetId: string;
  name: string;
  baseUrl: string;
  defaultModel: string;
  proxy: string;
  headers: HeaderRow[];
  connectTimeout: string;
  firstByteTimeout: string;
  idleTimeout: string;
  maxRetries: string;
  maxConcurrent: string;
  stream: boolean;
};

export type Problem =
  | "nameMissing"
  | "nameTaken"
  | "urlInvalid"
  | "proxyInvalid"
  | "headerName"
  | "headerAuthorization"
  | "headerDuplicate"
  | "timeout"
  | "retries"
  | "concurrent";

export type FieldName =
  | "name"
  | "baseUrl"
  | "proxy"
  | "connectTimeout"
  | "firstByteTimeout"
  | "idleTimeout"
  | "maxRetries"
  | "maxConcurrent";

/** Problems by field; a header row's is under `header:<row key>`. */
export type Problems = Partial<Record<FieldName | `header:${string}`, Problem>>;

let nextHeaderKey = 0;

export function headerRow(name = "", value = ""): HeaderRow {
  return { key: nextHeaderKey++, name, value };
}

/** `base`, or `base 2`, `base 3`, … whichever no other backend has. */
export function uniqueName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let n = 2; taken.includes(name); n++) name = `${base} ${String(n)}`;
  return name;
}

function settingsValues(settings: BackendSettings) {
  return {
    proxy: settings.proxy ?? "",
    headers: Object.entries(settings.headers).map(([name, value]) => headerRow(name, value)),
    connectTimeout: String(settings.connectTimeoutSecs),
    firstByteTimeout: String(settings.firstByteTimeoutSecs),
    idleTimeout: String(settings.idleTimeoutSecs),
    maxRetries: String(settings.maxRetries),
    maxConcurrent: String(settings.maxConcurrent),
    stream: settings.stream,
  };
}

/** A new backend, from a preset or (null) from a custom URL. */
export function newValues(preset: Preset | null, taken: readonly string[]): FormValues {
  return {
    presetId: preset?.id ?? CUSTOM,
    name: preset ? uniqueName(preset.name, taken) : "",
    baseUrl: preset?.baseUrl ?? "",
    defaultModel: preset?.defaultModel ?? "",
    ...settingsValues(DEFAULT_SETTINGS),
  };
}

/** A server found running here, ready to add as it is, with its first model. */
export function foundDraft(server: FoundServer, taken: readonly string[]): BackendDraft {
  return {
    name: uniqueName(server.preset.name, taken),
    kind: "openai",
    baseUrl: server.preset.baseUrl,
    defaultModel: server.models[0]?.id ?? server.preset.defaultModel,
    settings: DEFAULT_SETTINGS,
  };
}

/** A stored backend; its preset is the one with the same base URL, if any. */
export function recordValues(record: BackendRecord, presets: readonly Preset[]): FormValues {
  return {
    presetId: presets.find((p) => p.baseUrl === record.baseUrl)?.id ?? CUSTOM,
    name: record.name,
    baseUrl: record.baseUrl,
    defaultModel: record.defaultModel ?? "",
    ...settingsValues(record.settings),
  };
}

/**
 * Switches preset: its URL and model replace the old preset's, and so does
 * its name unless the person already typed one of their own.
 */
export function choosePreset(
  values: FormValues,
  preset: Preset | null,
  presets: readonly Preset[],
  taken: readonly string[],
): FormValues {
  const previous = presets.find((p) => p.id === values.presetId);
  const autoName = values.name.trim() === "" || (previous && values.name === uniqueName(previous.name, taken));
  const autoModel = values.defaultModel.trim() === "" || values.defaultModel === previous?.defaultModel;
  if (!preset) return { ...values, presetId: CUSTOM };
  return {
    ...values,
    presetId: preset.id,
    name: autoName ? uniqueName(preset.name, taken) : values.name,
    baseUrl: preset.baseUrl,
    defaultModel: autoModel ? (preset.defaultModel ?? "") : values.defaultModel,
  };
}

function hasScheme(text: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** A number typed in a field; an empty field is not zero. */
function numberIn(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text);
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const U32_MAX = 4_294_967_295;

function headerProblems(rows: readonly HeaderRow[], problems: Problems): [string, string][] {
  const headers: [string, string][] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (name === "" && row.value.trim() === "") continue;
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) problems[`header:${String(row.key)}`] = "headerName";
    else if (lower === "authorization") problems[`header:${String(row.key)}`] = "headerAuthorization";
    else if (seen.has(lower)) problems[`header:${String(row.key)}`] = "headerDuplicate";
    seen.add(lower);
    headers.push([name, row.value.trim()]);
  }
  return headers;
}

/**
 * The draft to send, or what to fix first. The core checks again; these
 * checks only spare a round trip and point at the field.
 */
export function toDraft(
  values: FormValues,
  taken: readonly string[],
): { draft: BackendDraft; problems?: never } | { draft?: never; problems: Problems } {
  const problems: Problems = {};
  const name = values.name.trim();
  if (name === "") problems.name = "nameMissing";
  else if (taken.includes(name)) problems.name = "nameTaken";
  const baseUrl = values.baseUrl.trim();
  if (!hasScheme(baseUrl, ["http:", "https:"])) problems.baseUrl = "urlInvalid";
  const proxy = values.proxy.trim();
  if (proxy !== "" && !hasScheme(proxy, ["http:", "https:", "socks5:", "socks5h:"])) problems.proxy = "proxyInvalid";
  const headers = headerProblems(values.headers, problems);

  const timeouts = {
    connectTimeout: numberIn(values.connectTimeout),
    firstByteTimeout: numberIn(values.firstByteTimeout),
    idleTimeout: numberIn(values.idleTimeout),
  };
  for (const [field, secs] of Object.entries(timeouts)) {
    if (!(secs > 0) || !Number.isFinite(secs)) problems[field as keyof typeof timeouts] = "timeout";
  }
  const maxRetries = numberIn(values.maxRetries);
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > U32_MAX) problems.maxRetries = "retries";
  const maxConcurrent = numberIn(values.maxConcurrent);
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > U32_MAX) {
    problems.maxConcurrent = "concurrent";
  }

  if (Object.keys(problems).length > 0) return { problems };
  return {
    draft: {
      name,
      kind: "openai",
      baseUrl,
      defaultModel: values.defaultModel.trim() || null,
      settings: {
        headers: Object.fromEntries(headers),
        proxy: proxy || null,
        connectTimeoutSecs: timeouts.connectTimeout,
        firstByteTimeoutSecs: timeouts.firstByteTimeout,
        idleTimeoutSecs: timeouts.idleTimeout,
        maxRetries,
        maxConcurrent,
        stream: values.stream,
      },
    },
  };
}
