/**
 * The companies a Slack message points at, by domain: what the "Check ICP fit" message shortcut
 * scores. Slack writes links as `<https://acme.com/x|label>` and e-mail addresses as
 * `<mailto:jane@acme.com|jane@acme.com>`; plain words that are domains count too. Links to the tools
 * a deal message usually carries (the CRM record, the call recording, the shared doc) and free-mail
 * addresses name no prospect, so they are skipped. Pure: no Slack client, no database.
 */
import { registrableDomain } from './normalize.ts';

/** Registrable domains that never identify the company a deal is about. */
const NOT_A_COMPANY = new Set([
  // Chat, CRM, sales tools
  'slack.com',
  'slack-edge.com',
  'hubspot.com',
  'hs-sites.com',
  'salesforce.com',
  'force.com',
  'pipedrive.com',
  'gong.io',
  'chorus.ai',
  'outreach.io',
  'salesloft.com',
  'apollo.io',
  'calendly.com',
  'docusign.com',
  'docusign.net',
  'pandadoc.com',
  'zoominfo.com',
  'crunchbase.com',
  'linkedin.com',
  // Meetings, documents, work tools
  'zoom.us',
  'google.com',
  'goo.gl',
  'microsoft.com',
  'office.com',
  'live.com',
  'sharepoint.com',
  'dropbox.com',
  'box.com',
  'notion.so',
  'notion.site',
  'atlassian.net',
  'atlassian.com',
  'github.com',
  'loom.com',
  'figma.com',
  'miro.com',
  'youtube.com',
  'youtu.be',
  'twitter.com',
  'x.com',
  'bit.ly',
  // Free mail
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
]);

/** Keys whose string values carry a message's visible text and link targets (text, blocks, attachments). */
const TEXT_KEYS = new Set(['text', 'url', 'title_link', 'from_url', 'fallback', 'title', 'pretext']);
const MAX_TEXT = 20_000;

/** The text and link targets of a message payload, blocks and attachments included, in order. */
export function messageText(message: unknown): string {
  const parts: string[] = [];
  let size = 0;
  const walk = (node: unknown, key: string | null): void => {
    if (size > MAX_TEXT) return;
    if (typeof node === 'string') {
      if (key !== null && TEXT_KEYS.has(key)) {
        parts.push(node);
        size += node.length;
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key);
      return;
    }
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, k);
    }
  };
  walk(message, null);
  return parts.join('\n').slice(0, MAX_TEXT);
}

/** Edge punctuation around a plain word ("(acme.com)," → "acme.com"). */
const EDGE = /^[([{"'“‘]+|[)\]}"'”’,;:!?.]+$/g;

/**
 * The distinct company domains in `text`, in the order they appear: link targets and e-mail
 * addresses first-class, plain words when they end in a known public suffix; tool and free-mail
 * domains skipped.
 */
export function companyDomainsIn(text: string): string[] {
  const found: string[] = [];
  const add = (candidate: string) => {
    const domain = registrableDomain(candidate);
    if (domain && !NOT_A_COMPANY.has(domain) && !found.includes(domain)) found.push(domain);
  };
  for (const m of text.matchAll(/<([^<>]*)>|(\S+)/g)) {
    if (m[1] !== undefined) {
      // A link or mention: the target before '|' (mentions and channels are no domains).
      const target = m[1].split('|')[0] ?? '';
      if (/^(https?:\/\/|mailto:)/i.test(target)) add(target);
    } else if (m[2] !== undefined && m[2].includes('.')) {
      add(m[2].replace(EDGE, ''));
    }
  }
  return found;
}
