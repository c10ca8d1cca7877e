/**
 * App Home for one user: the current ICP, when it is due for review, their recent checks, the setup
 * checklist, the buyer personas and the review status. Rebuilt each time the tab opens or changes.
 */
import { dataPresence } from '../../db/queries/accounts.ts';
import { recentChecks } from '../../db/queries/checks.ts';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { firstAppliedAt, lastReview } from '../../db/queries/reviews.ts';
import { pendingSuggestion } from '../../db/queries/suggestions.ts';
import type { Deps } from '../deps.ts';
import { reviewStatus } from '../review/calendar.ts';
import { isOwner } from '../review/settings.ts';
import { type HomeData, homeView, isPlaceholderUser } from '../slack/blocks/home.ts';
import { type ConnectLinks, type CrmHomeStatus, crmHomeSection } from '../slack/blocks/home-crm.ts';
import { personasHomeSection } from '../slack/blocks/home-personas.ts';
import { reviewHomeSection } from '../slack/blocks/review.ts';
import type { Block } from '../slack/blocks/types.ts';
import { mappingState } from './crm-mapping.ts';
import { authorizeUrl, oauthConfigured } from './crm-oauth.ts';
import { freshness } from './personas.ts';
import { reviewContext } from './reminders/compose.ts';
import { loadReviewSettings } from './review-settings.ts';
import { HOME_BACKGROUND_FROM, starterIcp } from './starter-icp.ts';

/** The personas on file, with their buying role and a marker when one needs a review. */
async function personasSection(deps: Deps, teamId: string): Promise<Block[]> {
  const current = await deps.personas.current(teamId);
  return personasHomeSection(current.spec.personas, await freshness(deps, teamId), current.version);
}

/** This owner's signed HubSpot OAuth link, when the bot has a HubSpot app (else the CLI is the way). */
function connectLinks(deps: Deps, teamId: string, userId: string): ConnectLinks {
  const links: ConnectLinks = {};
  for (const provider of ['hubspot', 'salesforce'] as const) {
    if (!oauthConfigured(deps.config, provider)) continue;
    try {
      links[provider] = authorizeUrl(deps, provider, teamId, userId);
    } catch (err) {
      // Without CRM_ENCRYPTION_KEY there is no link to sign: Home says how to connect from the CLI.
      deps.logger.warn('no CRM connect link for App Home', { teamId, provider }, err);
    }
  }
  return links;
}

/** The CRM connection's status, mapping and last sync, for owners (src/slack/blocks/home-crm.ts). */
async function crmSection(deps: Deps, teamId: string, userId: string): Promise<Block[]> {
  const [current, crm] = await Promise.all([deps.icp.current(teamId), getCrmConnection(deps.db, teamId)]);
  const owner = isOwner(current.version.spec.owners, userId);
  if (!owner) return [];
  if (!crm) return crmHomeSection(null, owner, connectLinks(deps, teamId, userId));
  const counts = crm?.lastSyncCounts as (CrmHomeStatus['counts'] & { problems?: number }) | null | undefined;
  return crmHomeSection(
    {
      provider: crm.provider,
      connectedBy: crm.createdBy,
      lastSyncAt: crm.lastSyncAt,
      status: crm.lastSyncStatus as CrmHomeStatus['status'],
      counts: counts ?? null,
      problems: crm.lastSyncErrors as CrmHomeStatus['problems'],
      ...(counts?.problems !== undefined ? { problemCount: counts.problems } : {}),
      mapping: mappingState(crm).status,
      mappingConfirmedBy: crm.mappingConfirmedBy,
      writebackOn: crm.writebackEnabledAt !== null,
      writeback: (crm.lastWriteback as CrmHomeStatus['writeback']) ?? null,
    },
    owner,
  );
}

/** Last review, due date, reminder channel (or that none is set), snooze; owners get its buttons. */
async function reviewSection(deps: Deps, teamId: string, userId: string): Promise<Block[]> {
  const now = new Date(deps.now());
  const ctx = await reviewContext(deps, teamId, now);
  const [settings, last, pending] = await Promise.all([
    loadReviewSettings(deps.db, teamId),
    lastReview(deps.db, teamId),
    pendingSuggestion(deps.db, teamId, ctx.icp.version),
  ]);
  return reviewHomeSection({
    status: ctx.status,
    lastReview: last ? { by: last.reviewedBy, at: last.reviewedAt, icpChanged: last.icpChanged } : null,
    channelId: settings.channelId,
    timeOfDay: settings.timeOfDay,
    timezone: settings.timezone,
    snoozedUntil: settings.snoozedUntil,
    now,
    owner: isOwner(ctx.icp.owners, userId),
    proposal: pending ? { computedAt: pending.computedAt } : null,
  });
}

export async function buildHome(deps: Deps, teamId: string, userId: string) {
  const current = await deps.icp.current(teamId);
  const [last, first, checks, present, settings, personas, review, crm] = await Promise.all([
    lastReview(deps.db, teamId),
    firstAppliedAt(deps.db, teamId),
    recentChecks(deps.db, teamId, userId, 5),
    dataPresence(deps.db, teamId),
    loadReviewSettings(deps.db, teamId),
    personasSection(deps, teamId),
    reviewSection(deps, teamId, userId),
    crmSection(deps, teamId, userId),
  ]);
  const spec = current.version.spec;
  // The example ICP the bot starts with is stored with origin 'default'; anything applied since is theirs.
  const icpApplied = current.version.origin !== 'default';
  // Only while the example is in charge and data is in (a setup step). The suggestion costs a profile of the
  // deals: it is cached per data fingerprint, and a large one is computed in the background, never inline.
  const starter =
    !icpApplied && present.accounts && present.deals
      ? await starterIcp(deps, teamId, { backgroundFrom: HOME_BACKGROUND_FROM })
      : null;
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
    extra: [...personas, ...review, ...crm],
    setup: {
      teamId,
      userId,
      icpApplied,
      ownersSet: spec.owners.length > 0 && !spec.owners.some(isPlaceholderUser),
      accounts: present.accounts,
      deals: present.deals,
      reminderChannel: settings.channelId !== null,
      starter,
    },
  };
  return homeView(data);
}
