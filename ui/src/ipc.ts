// The only door to the Rust core. Results are unwrapped here so callers just
// await values and catch one error type, whatever failed on the way.
import { commands } from "./bindings";
import type { ApiError, DoctorReport, Result, Settings, SettingsUpdate, StartupStatus } from "./bindings";

export type {
  ApiError,
  DoctorReport,
  LanguagePref,
  Settings,
  SettingsUpdate,
  ThemePref,
} from "./bindings";

export class IpcError extends Error implements ApiError {
  readonly code: string;
  readonly details: string | null;

  constructor({ code, message, details }: ApiError) {
    super(message);
    this.name = "IpcError";
    this.code = code;
    this.details = details;
  }
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<ApiError>).code === "string" &&
    typeof (value as Partial<ApiError>).message === "string"
  );
}

/** Turns anything thrown (backend error, missing Tauri runtime, bug) into an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (isApiError(error)) {
    return { code: error.code, message: error.message, details: error.details ?? null };
  }
  if (error instanceof Error) {
    return { code: "ipc", message: error.message, details: error.stack ?? null };
  }
  return { code: "ipc", message: String(error), details: null };
}

async function call<T>(request: () => Promise<Result<T, ApiError>>): Promise<T> {
  let result: Result<T, ApiError>;
  try {
    result = await request();
  } catch (error) {
    throw new IpcError(toApiError(error));
  }
  if (result.status === "error") throw new IpcError(toApiError(result.error));
  return result.data;
}

export async function startupStatus(): Promise<StartupStatus> {
  try {
    return await commands.startupStatus();
  } catch (error) {
    throw new IpcError(toApiError(error));
  }
}

export function getSettings(): Promise<Settings> {
  return call(() => commands.getSettings());
}

export function updateSettings(update: SettingsUpdate): Promise<Settings> {
  return call(() => commands.updateSettings(update));
}

export function doctor(): Promise<DoctorReport> {
  return call(() => commands.doctor());
}
