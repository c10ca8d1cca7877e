import { createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizationCode } from '../../src/cli/crm.ts';
import { jwtAssertion, salesforceFailure } from '../../src/crm/salesforce.ts';
import { missingAccess, proposeSalesforceMapping } from '../../src/crm/salesforce-mapping.ts';
import { AppError } from '../../src/errors.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const app = {
  loginUrl: 'https://test.salesforce.com',
  clientId: '3MVG9key',
  clientSecret: undefined,
  redirectUri: undefined,
  jwtPrivateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const f = (name: string, type = 'string', custom = false) => ({ name, label: name, type, custom });

describe('Salesforce parts', () => {
  it('signs the JWT bearer assertion with RS256: iss, sub, aud and a 3-minute exp', () => {
    const [h, p, sig] = jwtAssertion(app, 'ops@acme.example', Date.UTC(2026, 0, 1)).split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256' });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({
      iss: '3MVG9key',
      sub: 'ops@acme.example',
      aud: 'https://test.salesforce.com',
      exp: Date.UTC(2026, 0, 1) / 1000 + 180,
    });
    expect(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, sig!, 'base64url')).toBe(true);
  });

  it('words Salesforce’s refusals, and rethrows what it does not know', () => {
    const refused = (errorCode: string) => {
      try {
        salesforceFailure(Object.assign(new Error('x'), { errorCode }));
      } catch (err) {
        return err;
      }
    };
    expect(refused('REQUEST_LIMIT_EXCEEDED')).toBeInstanceOf(AppError);
    expect(String(refused('REQUEST_LIMIT_EXCEEDED'))).toMatch(/daily API requests/);
    expect(String(refused('SERVER_UNAVAILABLE'))).toMatch(/kept failing \(SERVER_UNAVAILABLE\) after every retry/);
    expect(String(refused('INSUFFICIENT_ACCESS'))).toMatch(/API Enabled/);
    expect(refused('MALFORMED_QUERY')).not.toBeInstanceOf(AppError);
  });

  it('names the objects and fields the user cannot read', () => {
    const account = { queryable: true, fields: ['Id', 'Name', 'SystemModstamp', 'IsDeleted'].map((n) => f(n)) };
    expect(missingAccess({ companies: account, deals: null })).toEqual(['Account.MasterRecordId', 'Opportunity']);
  });

  it('proposes standard fields first, custom __c fields as attributes, and leaves compound fields out', () => {
    const m = proposeSalesforceMapping(
      {
        companies: [
          f('Id', 'id'),
          f('Region__c', 'picklist', true),
          f('Name'),
          f('Industry'),
          f('HQ__c', 'location', true),
          f('Churned_On__c', 'date', true),
          // The write-back's fields are not read back as attributes.
          f('ICP_Tier__c', 'string', true),
          f('ICP_Fit_Score__c', 'double', true),
        ],
        deals: [f('Id', 'id'), f('StageName', 'picklist'), f('IsWon', 'boolean')],
      },
      null,
    );
    expect(m.companies.properties).toEqual(['Id', 'Name', 'Industry', 'Region__c', 'Churned_On__c']);
    expect(m.companies.mapped).toMatchObject({ Id: 'externalId', Region__c: 'attributes.region_c' });
    expect(m.churn).toEqual({ kind: 'property', property: 'Churned_On__c' });
    expect(m.stages).toEqual([]);
  });

  it('takes the code pasted, or the address Salesforce redirected to', () => {
    expect(authorizationCode('aPrx%3D%3D')).toBe('aPrx==');
    expect(authorizationCode('https://bot.example/crm/oauth/callback?code=aPrx%3D%3D&state=s1.x')).toBe('aPrx==');
    expect(authorizationCode(' aPrxPlain \n')).toBe('aPrxPlain');
  });
});
