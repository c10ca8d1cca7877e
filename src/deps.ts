/**
 * What every command handler receives: built once by the composition root (or a test), never
 * imported as a singleton, so tests pass their own database, model and clock.
 */
import type { Db } from '../db/client.ts';
import type { Llm } from './ai/llm.ts';
import type { Config } from './config.ts';
import type { AppLogger } from './logger.ts';
import type { IcpProvider } from './usecases/icp-provider.ts';
import type { PersonaProvider } from './usecases/persona-provider.ts';
import type { suggestIcp } from './usecases/suggest-icp.ts';

export interface Deps {
  config: Config;
  db: Db;
  icp: IcpProvider;
  /** Current persona file per workspace (the default applied lazily). */
  personas: PersonaProvider;
  /** Absent when no OpenAI key is configured: every feature then works without AI. */
  llm: Llm | undefined;
  logger: AppLogger;
  now: () => number;
  /** Used for response_url posts outside Bolt's respond() (after modals); the console injects its own. */
  fetch?: typeof globalThis.fetch;
  /** The suggestion computation where a use case takes it from deps (default: suggestIcp); tests count its runs. */
  suggestIcp?: typeof suggestIcp;
}
