/** App Home: rebuilt and published each time a user opens it. */

import { recentChecks } from '../db/queries/checks.ts';
import { firstAppliedAt, lastReview } from '../db/queries/reviews.ts';
import type { Deps } from '../src/deps.ts';
import { reviewStatus } from '../src/review/due.ts';
import { type HomeData, homeView } from '../src/slack/blocks/home.ts';
import type { Block } from '../src/slack/blocks/types.ts';
import type { Listeners } from '../src/slack/router.ts';

export const commandNames: string[] = [];

/** Sections other features add to the Home tab (personas list, review status). */
export type HomeSection = (deps: Deps, teamId: string, userId: string) => Promise<Block[]>;

export async function buildHome(
  deps: Deps,
  teamId: string,
  userId: string,
  extraSections: readonly HomeSection[] = [],
) {
  const current = await deps.icp.current(teamId);
  const [last, first, checks] = await Promise.all([
    lastReview(deps.db, teamId),
    firstAppliedAt(deps.db, teamId),
    recentChecks(deps.db, teamId, userId, 5),
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
      now: new Date(deps.now()),
    }),
    recentChecks: checks,
    extra,
  };
  return homeView(data);
}

export function register(app: Listeners, deps: Deps, sections: readonly HomeSection[] = []): void {
  app.event('app_home_opened', async ({ event, body, client, logger }) => {
    if (event.tab && event.tab !== 'home') return;
    const teamId = (body as { team_id?: string }).team_id ?? '';
    try {
      const view = await buildHome(deps, teamId, event.user, sections);
      await client.views.publish({ user_id: event.user, view: view as never });
    } catch (err) {
      logger.error('could not publish App Home', err);
    }
  });
}
