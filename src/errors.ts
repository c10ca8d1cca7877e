/**
 * Every error the app raises on purpose. Each code maps to the one friendly sentence a user sees;
 * the original cause stays attached for the log line.
 */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  IcpInvalid: 'icp_invalid',
  PersonaInvalid: 'persona_invalid',
  NoIcp: 'no_icp',
  VersionNotFound: 'version_not_found',
  ImportFailed: 'import_failed',
  BadInput: 'bad_input',
  NotAllowed: 'not_allowed',
  AiUnavailable: 'ai_unavailable',
  CheckGone: 'check_gone',
  PersonaGone: 'persona_gone',
  CompanyGone: 'company_gone',
  FormStale: 'form_stale',
  NoTrigger: 'no_trigger',
  SlackApi: 'slack_api',
  NotInstalled: 'not_installed',
  CrmNotConfigured: 'crm_not_configured',
  CrmNotConnected: 'crm_not_connected',
  CrmRefused: 'crm_refused',
  CrmMappingUnconfirmed: 'crm_mapping_unconfirmed',
  Unexpected: 'unexpected',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const friendly: Record<ErrorCode, string> = {
  config_invalid: 'The bot is not configured correctly; an admin needs to check its settings.',
  icp_invalid: 'That ICP file has problems; nothing was changed.',
  persona_invalid: 'That persona file has problems; nothing was changed.',
  no_icp: 'No ICP has been applied in this workspace yet.',
  version_not_found: 'That version does not exist.',
  import_failed: 'The import failed; nothing was imported.',
  bad_input: 'I could not understand that input.',
  not_allowed: 'You are not allowed to do that.',
  ai_unavailable: 'AI assistance is not available right now.',
  check_gone: 'That check is no longer available.',
  persona_gone: 'That persona is no longer in the persona file. Try `/icp-persona` for the list.',
  company_gone: 'That company is no longer in your CRM data.',
  form_stale: 'That form is out of date; please start again from the message it came from.',
  no_trigger: 'Slack did not send what I need to open that form; please click the button again.',
  slack_api: 'Slack did not accept what I tried to show you; please try again in a moment.',
  not_installed:
    'ICP Coach is not installed in this workspace (or its installation was removed). Ask a Slack admin to install it.',
  crm_not_configured: 'CRM connections are not set up on this bot; an admin needs to set CRM_ENCRYPTION_KEY.',
  crm_not_connected: 'No CRM is connected in this workspace yet.',
  crm_refused: 'The CRM refused the bot’s request; check the token and its scopes, then connect again.',
  crm_mapping_unconfirmed: 'The CRM field mapping waits for an ICP owner to confirm it; nothing syncs until then.',
  unexpected: 'Something went wrong on our side. The error was logged; please try again.',
};

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra lines for the user (e.g. one per validation problem). */
  readonly details: readonly string[];
  readonly original: unknown;

  constructor(code: ErrorCode, message?: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message ?? friendly[code], { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
    this.original = options.cause;
  }

  /** What the user sees: the message plus any details, one per line. */
  get userMessage(): string {
    return [this.message, ...this.details.map((d) => `• ${d}`)].join('\n');
  }
}

/** Row-level problem found while importing a CSV file. */
export interface RowError {
  /** 1-based line number in the file, header being line 1. */
  row: number;
  column: string;
  value: string;
  problem: string;
}

const VISIBLE: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A cell as a row error shows it: at most 60 characters, control characters (NUL, line breaks) made visible. */
export function previewValue(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 60)}… (${value.length.toLocaleString('en-US')} characters)` : value;
  return cut.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is made visible here
    /[\u0000-\u001f\u007f]/g,
    (c) => VISIBLE[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** One row error as every surface prints it: `row 17, column "Company name" = "…": problem` (value already previewed). */
export function formatRowError(e: RowError): string {
  const where = e.column ? `row ${e.row}, column "${e.column}"` : `row ${e.row}`;
  return `${where}${e.value ? ` = "${e.value}"` : ''}: ${e.problem}`;
}

export class ImportError extends AppError {
  readonly rowErrors: readonly RowError[];
  constructor(rowErrors: readonly RowError[], message?: string) {
    const shown = rowErrors.slice(0, 20).map(formatRowError);
    const more = rowErrors.length > 20 ? [`…and ${rowErrors.length - 20} more`] : [];
    super(
      ErrorCode.ImportFailed,
      message ?? `Import failed with ${rowErrors.length} problem(s); nothing was imported.`,
      {
        details: [...shown, ...more],
      },
    );
    this.name = 'ImportError';
    this.rowErrors = rowErrors;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** The sentence users see for `code`. */
export function sentenceFor(code: ErrorCode): string {
  return friendly[code];
}

/** A Web API failure (@slack/web-api sets `code` to one of its slack_webapi_* codes). */
export function isSlackApiError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('slack_webapi_');
}

/** The sentence to show a user for any thrown value; never leaks internals of unexpected errors. */
export function userMessageFor(err: unknown): string {
  if (isAppError(err)) return err.userMessage;
  return isSlackApiError(err) ? friendly.slack_api : friendly.unexpected;
}
