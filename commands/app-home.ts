/** App Home: built by src/usecases/home.ts and published each time a user opens it. */

import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Deps } from '../src/deps.ts';
import * as listen from '../src/slack/listen.ts';
import { buildHome } from '../src/usecases/home.ts';

export const commandNames: string[] = [];

/**
 * Publishes a user's Home tab again, after an action taken from it changed what it shows (a check
 * from the Home modal, a review, new reminder settings). Never throws: a failure is logged.
 */
export type RefreshHome = (client: WebClient, teamId: string, userId: string) => Promise<void>;

/** What listeners that change the Home tab get. */
export interface Home {
  refresh: RefreshHome;
}

export function homeRefresher(deps: Deps): RefreshHome {
  return async (client, teamId, userId) => {
    try {
      const view = await buildHome(deps, teamId, userId);
      await client.views.publish({ user_id: userId, view: view as never });
    } catch (err) {
      deps.logger.error('could not publish App Home', { teamId }, err);
    }
  };
}

export function register(app: App, deps: Deps, home: Home): void {
  const publish = home.refresh;
  app.event(
    'app_home_opened',
    listen.event<'app_home_opened'>(deps, 'App Home', async ({ event, body, client }) => {
      // The Messages tab opens this event too; only the Home tab is ours to draw.
      if (event.tab && event.tab !== 'home') return;
      await publish(client, (body as { team_id?: string }).team_id ?? '', event.user);
    }),
  );
}
