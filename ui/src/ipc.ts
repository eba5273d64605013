// The only door to the Rust core. Results are unwrapped here so callers just
// await values and catch one error type, whatever failed on the way.
import { Channel } from "@tauri-apps/api/core";
import { open } from "@tauri-apps/plugin-dialog";
import { commands } from "./bindings";
import type {
  ApiError,
  BackendDraft,
  Comparison,
  ExportFormat,
  ExportSelection,
  GenerationRecord,
  HistoryFacets,
  HistoryPage,
  HistoryQuery,
  HistoryStats,
  ImportSummary,
  RunEvent,
  BackendView,
  CatalogEntry,
  ChatSettings,
  ConnectionReport,
  ConversationFormat,
  Conversation,
  ConversationSummary,
  ConversationView,
  DoctorReport,
  DownloadProgress,
  EngineStatus,
  ExportScope,
  FoundServer,
  HubFile,
  ImportFile,
  ImportMode,
  ImportOutcome,
  KeyLocation,
  LocalModel,
  LocalThreads,
  Preset,
  Preview,
  NewConversation,
  Result,
  Settings,
  SettingsUpdate,
  StartupStatus,
  TemplateEntry,
  TemplateKey,
  TemplateSummary,
  Turn,
  TurnStarted,
  VarValue,
} from "./bindings";

export type {
  ApiError,
  BackendDraft,
  BackendRecord,
  BackendSettings,
  BackendView,
  ConnectionReport,
  DoctorReport,
  FoundServer,
  KeyLocation,
  LanguagePref,
  ModelInfo,
  Preset,
  Settings,
  SettingsUpdate,
  ThemePref,
} from "./bindings";
export type {
  ChatSettings,
  ContextReport,
  Conversation,
  ConversationSummary,
  ConversationView,
  ConversationFormat,
  Event as StreamEvent,
  ExportScope,
  Message,
  MessageStatus,
  NewConversation,
  Outcome,
  Params,
  Role,
  Turn,
  TurnStarted,
} from "./bindings";
export type {
  ChatMessage,
  ImportFile,
  ImportOutcome,
  Origin,
  Preview,
  Problem,
  Prompt,
  Rendering,
  Template,
  TemplateEntry,
  TemplateKey,
  TemplateKind,
  TemplateSummary,
  VarType,
  VarValue,
  Variable,
} from "./bindings";

/** Values for a template's variables, by name. */
export type Values = Partial<Record<string, VarValue>>;

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

/** For commands that cannot fail in Rust: only the IPC itself can. */
async function plain<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw new IpcError(toApiError(error));
  }
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

export function startupStatus(): Promise<StartupStatus> {
  return plain(() => commands.startupStatus());
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

export function listBackends(): Promise<BackendView[]> {
  return call(() => commands.listBackends());
}

export function listPresets(): Promise<Preset[]> {
  return plain(() => commands.listPresets());
}

/** Servers answering on this machine's usual ports; takes at most 300 ms. */
export function probeLocalServers(): Promise<FoundServer[]> {
  return plain(() => commands.probeLocalServers());
}

export function addBackend(draft: BackendDraft, apiKey: string | null): Promise<BackendView> {
  return call(() => commands.addBackend(draft, apiKey));
}

/** Renaming moves the key along. */
export function updateBackend(name: string, draft: BackendDraft): Promise<BackendView> {
  return call(() => commands.updateBackend(name, draft));
}

/** An empty key removes the stored one. */
export function setBackendKey(name: string, apiKey: string): Promise<KeyLocation | null> {
  return call(() => commands.setBackendKey(name, apiKey));
}

export function deleteBackend(name: string): Promise<Settings> {
  return call(() => commands.deleteBackend(name));
}

/** Fails with the server's reason, in one sentence, as the error message. */
export function testBackend(name: string): Promise<ConnectionReport> {
  return call(() => commands.testBackend(name));
}

export function setDefaultBackend(name: string | null): Promise<Settings> {
  return call(() => commands.setDefaultBackend(name));
}

export function listTemplates(): Promise<TemplateSummary[]> {
  return call(() => commands.listTemplates());
}

export function getTemplate(key: TemplateKey): Promise<TemplateEntry> {
  return call(() => commands.getTemplate(key));
}

export function previewTemplate(source: string, values: Values): Promise<Preview> {
  return call(() => commands.previewTemplate(source, values));
}

export async function templateStarter(): Promise<string> {
  try {
    return await commands.templateStarter();
  } catch (error) {
    throw new IpcError(toApiError(error));
  }
}

export function saveTemplate(source: string, replacing: TemplateKey | null): Promise<TemplateEntry> {
  return call(() => commands.saveTemplate(source, replacing));
}

export function duplicateTemplate(key: TemplateKey): Promise<TemplateEntry> {
  return call(() => commands.duplicateTemplate(key));
}

export async function deleteTemplate(key: TemplateKey): Promise<void> {
  await call(() => commands.deleteTemplate(key));
}

export function resetTemplate(key: TemplateKey): Promise<TemplateEntry> {
  return call(() => commands.resetTemplate(key));
}

export function importTemplates(files: ImportFile[], replace: boolean): Promise<ImportOutcome[]> {
  return call(() => commands.importTemplates(files, replace));
}

/** Saves the files in the Downloads folder; resolves to the paths written. */
export function exportTemplates(keys: TemplateKey[]): Promise<string[]> {
  return call(() => commands.exportTemplates(keys));
}

export type {
  Comparison,
  DiffPart,
  Distribution,
  ExportFormat,
  ExportSelection,
  GenerationRecord,
  GenerationStatus,
  HistoryFacets,
  HistoryItem,
  HistoryPage,
  HistoryQuery,
  HistorySort,
  HistoryStats,
  ImportSummary,
  RunEvent,
  SnippetPart,
} from "./bindings";
/** One keyset page: pass the previous page's `next` to continue. */
export function historyPage(query: HistoryQuery, after: string | null, limit: number): Promise<HistoryPage> {
  return call(() => commands.historyPage(query, after, limit));
}

export function historyFacets(): Promise<HistoryFacets> {
  return call(() => commands.historyFacets());
}

export function getGeneration(id: number): Promise<GenerationRecord> {
  return call(() => commands.getGeneration(id));
}

export async function setFavourite(id: number, favourite: boolean): Promise<void> {
  await call(() => commands.setFavourite(id, favourite));
}

/** Replaces the tags; resolves to them as stored (trimmed, sorted). */
export function setGenerationTags(id: number, tags: string[]): Promise<string[]> {
  return call(() => commands.setGenerationTags(id, tags));
}

export function deleteGenerations(ids: number[]): Promise<number> {
  return call(() => commands.deleteGenerations(ids));
}

/** Starts the re-run; resolves to its id, its events follow on `onEvent`. */
export function rerunGeneration(id: number, onEvent: (event: RunEvent) => void): Promise<number> {
  const channel = new Channel<RunEvent>();
  channel.onmessage = onEvent;
  return call(() => commands.rerunGeneration(id, channel));
}

export function compareGenerations(first: number, second: number): Promise<Comparison> {
  return call(() => commands.compareGenerations(first, second));
}

/** Saves in the Downloads folder; resolves to the file written. */
export function exportHistory(selection: ExportSelection, format: ExportFormat): Promise<string> {
  return call(() => commands.exportHistory(selection, format));
}

export function importHistory(text: string): Promise<ImportSummary> {
  return call(() => commands.importHistory(text));
}

export function historyStats(since: string | null): Promise<HistoryStats> {
  return call(() => commands.historyStats(since));
}

export function listConversations(query: string): Promise<ConversationSummary[]> {
  return call(() => commands.listConversations(query));
}

export function createConversation(draft: NewConversation): Promise<Conversation> {
  return call(() => commands.createConversation(draft));
}

export function getConversation(id: number): Promise<ConversationView> {
  return call(() => commands.getConversation(id));
}

export async function renameConversation(id: number, title: string): Promise<void> {
  await call(() => commands.renameConversation(id, title));
}

export async function pinConversation(id: number, pinned: boolean): Promise<void> {
  await call(() => commands.pinConversation(id, pinned));
}

export async function deleteConversation(id: number): Promise<void> {
  await call(() => commands.deleteConversation(id));
}

export async function restoreConversation(id: number): Promise<void> {
  await call(() => commands.restoreConversation(id));
}

export async function updateChatSettings(id: number, settings: ChatSettings): Promise<void> {
  await call(() => commands.updateChatSettings(id, settings));
}

/** Starts a turn; the answer streams into `onEvent`, ending with `finished`. */
export function sendTurn(
  conversation: number,
  turn: Turn,
  onEvent: (event: RunEvent) => void,
): Promise<TurnStarted> {
  const channel = new Channel<RunEvent>();
  channel.onmessage = onEvent;
  return call(() => commands.sendTurn(conversation, turn, channel));
}

export function stopTurn(message: number): Promise<boolean> {
  return call(() => commands.stopTurn(message));
}

export function switchBranch(message: number): Promise<ConversationView> {
  return call(() => commands.switchBranch(message));
}

export function deleteBranch(message: number): Promise<ConversationView> {
  return call(() => commands.deleteBranch(message));
}

export async function pinMessage(message: number, pinned: boolean): Promise<void> {
  await call(() => commands.pinMessage(message, pinned));
}

export function sentRequest(message: number): Promise<GenerationRecord> {
  return call(() => commands.sentRequest(message));
}

/** Saves the file in the Downloads folder; resolves to its path. */
export function exportConversation(id: number, scope: ExportScope, format: ConversationFormat): Promise<string> {
  return call(() => commands.exportConversation(id, scope, format));
}

export function importConversation(json: string): Promise<Conversation> {
  return call(() => commands.importConversation(json));
}

/** Opens an http(s) link in the system browser; Rust refuses anything else. */
export async function openLink(url: string): Promise<void> {
  await call(() => commands.openLink(url));
}

export type {
  CatalogEntry,
  DownloadProgress,
  EngineStatus,
  HubFile,
  ImportMode,
  LocalModel,
  LocalThreads,
  ModelSummary,
} from "./bindings";

export function listLocalModels(): Promise<LocalModel[]> {
  return call(() => commands.listLocalModels());
}

/** The curated models offered for download. */
export function modelCatalog(): Promise<CatalogEntry[]> {
  return plain(() => commands.modelCatalog());
}

/** Copies (or links) the file into the models folder after checking it. */
export function importModel(path: string, mode: ImportMode = "copy"): Promise<LocalModel> {
  return call(() => commands.importModel(path, mode));
}

export async function deleteModel(id: string): Promise<void> {
  await call(() => commands.deleteModel(id));
}

/** Resolves to the installed model; a cancel rejects with code "cancelled". */
export function downloadModel(file: HubFile, onProgress: (progress: DownloadProgress) => void): Promise<LocalModel> {
  const channel = new Channel<DownloadProgress>();
  channel.onmessage = onProgress;
  return call(() => commands.downloadModel(file, channel));
}

/** The bytes downloaded so far are kept: downloading again resumes. */
export function cancelDownload(file: HubFile): Promise<boolean> {
  return plain(() => commands.cancelDownload(file));
}

export function localEngineStatus(): Promise<EngineStatus> {
  return call(() => commands.localEngineStatus());
}

/** The thread count local models run with now, and what can be chosen. */
export function localThreads(): Promise<LocalThreads> {
  return plain(() => commands.localThreads());
}

/** null: automatic, the physical cores. The core reads it at start, so it applies from the next one. */
export function setLocalThreads(count: number | null): Promise<Settings> {
  return call(() => commands.setLocalThreads(count));
}

/** The system's open-file dialog for GGUF files; null when dismissed. */
export function pickModelFile(title: string): Promise<string | null> {
  return plain(() =>
    open({ title, multiple: false, directory: false, filters: [{ name: "GGUF", extensions: ["gguf"] }] }),
  );
}
