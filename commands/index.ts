/** Every listener the bot has: one file per command or surface, each registering on Bolt with its own `register`. */
import type { App } from '@slack/bolt';
import type { Deps } from '../src/deps.ts';
import * as appHome from './app-home.ts';
import * as checkAnywhere from './check-anywhere.ts';
import * as icpCheck from './icp-check.ts';
import * as icpPersona from './icp-persona.ts';
import * as icpReview from './icp-review.ts';
import * as icpSuggest from './icp-suggest.ts';
import * as lifecycle from './lifecycle.ts';

interface CommandModule {
  commandNames: readonly string[];
  /** Callback ids of the shortcuts it handles, if any. */
  shortcutNames?: readonly string[];
  register(app: App, deps: Deps, home: appHome.Home): void;
}

const modules: CommandModule[] = [icpCheck, checkAnywhere, icpPersona, icpReview, icpSuggest, lifecycle, appHome];

/** Slash commands with a handler (a test checks this list against manifest.yml). */
export const handledCommands: string[] = modules.flatMap((m) => m.commandNames);

/** Shortcut callback ids with a handler (checked against manifest.yml the same way). */
export const handledShortcuts: string[] = modules.flatMap((m) => m.shortcutNames ?? []);

/** Registers every listener on the Bolt app; the composition root calls it once per app. */
export function registerCommands(app: App, deps: Deps): void {
  const home = { refresh: appHome.homeRefresher(deps) };
  for (const m of modules) m.register(app, deps, home);
}
