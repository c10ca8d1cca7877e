/** App Home: rebuilt and published each time a user opens it. */

import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { dataPresence } from '../db/queries/accounts.ts';
import { recentChecks } from '../db/queries/checks.ts';
import { firstAppliedAt, lastReview } from '../db/queries/reviews.ts';
import type { Deps } from '../src/deps.ts';
import { reviewStatus } from '../src/review/calendar.ts';
import { loadReviewSettings } from '../src/review/settings.ts';
import { type HomeData, homeView, isPlaceholderUser } from '../src/slack/blocks/home.ts';
import type { Block } from '../src/slack/blocks/types.ts';
import * as listen from '../src/slack/listen.ts';

export const commandNames: string[] = [];

/** Sections other features add to the Home tab (personas list, review status). */
export type HomeSection = (deps: Deps, teamId: string, userId: string) => Promise<Block[]>;

/**
 * Publishes a user's Home tab again, after an action taken from it changed what it shows (a check
 * from the Home modal, a review, new reminder settings). Never throws: a failure is logged.
 */
export type RefreshHome = (client: WebClient, teamId: string, userId: string) => Promise<void>;

/** What listeners that change the Home tab get. */
export interface Home {
  refresh: RefreshHome;
}

export function homeRefresher(deps: Deps, sections: readonly HomeSection[]): RefreshHome {
  return async (client, teamId, userId) => {
    try {
      const view = await buildHome(deps, teamId, userId, sections);
      await client.views.publish({ user_id: userId, view: view as never });
    } catch (err) {
      deps.logger.error('could not publish App Home', { teamId }, err);
    }
  };
}

export async function buildHome(
  deps: Deps,
  teamId: string,
  userId: string,
  extraSections: readonly HomeSection[] = [],
) {
  const current = await deps.icp.current(teamId);
  const [last, first, checks, present, settings] = await Promise.all([
    lastReview(deps.db, teamId),
    firstAppliedAt(deps.db, teamId),
    recentChecks(deps.db, teamId, userId, 5),
    dataPresence(deps.db, teamId),
    loadReviewSettings(deps.db, teamId),
  ]);
  const spec = current.version.spec;
  const extra = (await Promise.all(extraSections.map((s) => s(deps, teamId, userId)))).flat();
  const data: HomeData = {
    icp: {
      version: current.version.version,
      name: current.version.name,
      spec,
      appliedAt: current.version.createdAt,
      appliedBy: current.version.createdBy,
    },
    review: reviewStatus({
      cadenceDays: spec.review_every_days,
      remindDaysBefore: spec.review_remind_days_before,
      lastReviewedAt: last?.reviewedAt ?? null,
      firstAppliedAt: first ?? current.version.createdAt,
      timezone: settings.timezone,
      now: new Date(deps.now()),
    }),
    recentChecks: checks,
    extra,
    setup: {
      teamId,
      userId,
      // The example ICP the bot starts with is stored with origin 'default'; anything applied since is theirs.
      icpApplied: current.version.origin !== 'default',
      ownersSet: spec.owners.length > 0 && !spec.owners.some(isPlaceholderUser),
      accounts: present.accounts,
      deals: present.deals,
      reminderChannel: settings.channelId !== null,
    },
  };
  return homeView(data);
}

export function register(app: App, deps: Deps, sections: readonly HomeSection[] = []): void {
  const publish = homeRefresher(deps, sections);
  app.event(
    'app_home_opened',
    listen.event<'app_home_opened'>(deps, 'App Home', async ({ event, body, client }) => {
      // The Messages tab opens this event too; only the Home tab is ours to draw.
      if (event.tab && event.tab !== 'home') return;
      await publish(client, (body as { team_id?: string }).team_id ?? '', event.user);
    }),
  );
}
