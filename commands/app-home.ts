/**
 * App Home: built by src/usecases/home.ts and published each time a user opens it; the CRM section's
 * "Review field mapping" button and the modal whose submission confirms the mapping (owners only).
 */

import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Deps } from '../src/deps.ts';
import { AppError, ErrorCode } from '../src/errors.ts';
import { isOwner } from '../src/review/settings.ts';
import { CrmMappingIds, crmMappingModal, parseCrmMappingSubmission } from '../src/slack/blocks/crm-mapping.ts';
import { ownersOnly } from '../src/slack/blocks/review-message.ts';
import type { ActionArgs, Policy, ViewArgs } from '../src/slack/listen.ts';
import * as listen from '../src/slack/listen.ts';
import { confirmMapping, loadMapping } from '../src/usecases/crm-mapping.ts';
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

const owners = async (deps: Deps, teamId: string) => (await deps.icp.current(teamId)).version.spec.owners;

/** "Review field mapping": the mapping modal for an owner, a refusal for anyone else. */
export const openCrmMapping =
  (deps: Deps) =>
  async ({ body, client, tell }: ActionArgs & Policy): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const list = await owners(deps, teamId);
    if (!isOwner(list, body.user.id)) {
      await tell(ownersOnly(list, 'review the CRM field mapping'));
      return;
    }
    if (!body.trigger_id) throw new AppError(ErrorCode.NoTrigger);
    const state = await loadMapping(deps, teamId);
    const provider = state.provider === 'hubspot' ? 'HubSpot' : state.provider;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: crmMappingModal(state.mapping, state.status, provider) as never,
    });
  };

/** The modal's submission: the choices applied and the mapping confirmed, or the problem under its select. */
export const submitCrmMapping =
  (deps: Deps, home: Home) =>
  async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const list = await owners(deps, teamId);
    // Checked again: a view_submission is a request of its own.
    if (!isOwner(list, userId)) {
      await ack({
        response_action: 'errors',
        errors: { [CrmMappingIds.churn]: `Only ${list.join(', ') || 'ICP owners'} can confirm the CRM field mapping.` },
      });
      return;
    }
    const { edits, errors } = parseCrmMappingSubmission(view.state.values as never);
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    // Confirmed before the ack: a refused choice is shown in the modal, nothing chosen is lost.
    await confirmMapping(deps, { teamId, userId, edits });
    await ack();
    await home.refresh(client, teamId, userId);
  };

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
  app.action<BlockAction>(CrmMappingIds.review, listen.action(deps, 'CRM mapping modal', openCrmMapping(deps)));
  // A link button still sends an action: acked, the browser does the rest.
  for (const id of [CrmMappingIds.connect, CrmMappingIds.connectSalesforce]) {
    app.action<BlockAction>(
      id,
      listen.action(deps, 'CRM connect link', async () => {}),
    );
  }
  app.view<ViewSubmitAction>(
    CrmMappingIds.callback,
    listen.view(deps, 'confirm CRM mapping', submitCrmMapping(deps, home)),
  );
}
