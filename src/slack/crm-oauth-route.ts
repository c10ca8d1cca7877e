/**
 * GET /crm/oauth/callback beside /healthz and /metrics: where a CRM sends the browser back after the
 * user allowed (or refused) the connection. Transport only: the query to src/usecases/crm-oauth.ts
 * completeOAuth, its answer to a small HTML page with every piece of text escaped. The page is never
 * cached and sends no referrer (its URL held the authorization code).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CRM_OAUTH_CALLBACK_PATH } from '../config.ts';
import type { Deps } from '../deps.ts';
import { type CallbackAnswer, completeOAuth } from '../usecases/crm-oauth.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

export function callbackPage(a: CallbackAnswer): string {
  const title = escapeHtml(a.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.4rem}.ok{color:#007a5a}.no{color:#e01e5a}</style></head>
<body><h1 class="${a.ok ? 'ok' : 'no'}">${title}</h1><p>${escapeHtml(a.sentence)}</p></body></html>
`;
}

export function crmOAuthRoute(deps: Deps) {
  return {
    path: CRM_OAUTH_CALLBACK_PATH,
    method: ['GET'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const one = (name: string) => q.get(name) ?? undefined;
      const answer = await completeOAuth(deps, { state: one('state'), code: one('code'), error: one('error') });
      res.writeHead(answer.status, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      });
      res.end(callbackPage(answer));
    },
  };
}
