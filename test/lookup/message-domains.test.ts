import { describe, expect, it } from 'vitest';
import { companyDomainsIn, messageText } from '../../src/lookup/message-domains.ts';

describe('companyDomainsIn: the companies a Slack message points at', () => {
  it('reads Slack links, e-mail links and plain domains, in order, once each', () => {
    const text =
      'New inbound from <mailto:jane@globex.se|jane@globex.se>, see <https://www.globex.se/about|their site> ' +
      'and (initech.io), also <http://globex.se|globex.se> again.';
    expect(companyDomainsIn(text)).toEqual(['globex.se', 'initech.io']);
  });

  it('skips CRM, meeting, document and free-mail links, which name no prospect', () => {
    const text =
      '<https://app.hubspot.com/contacts/123/deal/456|Deal> · <https://us02web.zoom.us/j/1|call> · ' +
      '<https://docs.google.com/document/d/x|notes> · <mailto:ceo@gmail.com|ceo@gmail.com> · ' +
      '<https://acme.lightning.force.com/lightning/r/Opportunity/1/view|SFDC> · <https://northwind-analytics.se|Northwind>';
    expect(companyDomainsIn(text)).toEqual(['northwind-analytics.se']);
  });

  it('ignores mentions, channels, special mentions, version numbers and prose', () => {
    const text = 'Hey <@U123> in <#C123|deals> <!here>: v2.0 is out, e.g. Node.js works. No domain here.';
    expect(companyDomainsIn(text)).toEqual([]);
  });

  it('keeps registrable domains only (sub-domains and paths folded)', () => {
    expect(companyDomainsIn('<https://shop.acme.co.uk/x?y=1|shop>')).toEqual(['acme.co.uk']);
  });
});

describe('messageText: what a message payload shows, blocks and attachments included', () => {
  it('collects text and link targets and leaves ids and other fields out', () => {
    const message = {
      type: 'message',
      user: 'U1',
      ts: '1.2',
      text: 'Deal update',
      blocks: [
        {
          type: 'rich_text',
          block_id: 'globex.se',
          elements: [{ type: 'rich_text_section', elements: [{ type: 'link', url: 'https://initech.io/pricing' }] }],
        },
      ],
      attachments: [{ title: 'Acme', title_link: 'https://acme.com', fallback: 'Acme Corp' }],
    };
    const text = messageText(message);
    expect(text).toContain('Deal update');
    expect(text).toContain('https://initech.io/pricing');
    expect(text).toContain('https://acme.com');
    expect(text).not.toContain('globex.se');
    expect(companyDomainsIn(text)).toEqual(['initech.io', 'acme.com']);
  });

  it('stays bounded on huge messages', () => {
    const message = { text: 'x '.repeat(50_000), attachments: [{ text: 'y'.repeat(50_000) }] };
    expect(messageText(message).length).toBeLessThanOrEqual(20_000);
  });
});
