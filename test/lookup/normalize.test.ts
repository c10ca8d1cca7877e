import { describe, expect, it } from 'vitest';
import { looksLikeDomain, normalizeCompanyName, registrableDomain } from '../../src/lookup/normalize.ts';

describe('normalizeCompanyName', () => {
  it.each([
    ['Acme Inc.', 'acme'],
    ['Acme, Inc.', 'acme'],
    ['ACME Incorporated', 'acme'],
    ['Acme Ltd', 'acme'],
    ['Acme Limited', 'acme'],
    ['Acme LLC', 'acme'],
    ['Acme L.L.C.', 'acme'],
    ['Acme PLC', 'acme'],
    ['Bosch GmbH', 'bosch'],
    ['Bosch GmbH & Co. KG', 'bosch'],
    ['Siemens AG', 'siemens'],
    ['Volvo AB', 'volvo'],
    ['Maersk A/S', 'maersk'],
    ['Equinor ASA', 'equinor'],
    ['Nokia Oyj', 'nokia'],
    ['Philips N.V.', 'philips'],
    ['Nestlé S.A.', 'nestle'],
    ['Ferrari S.p.A.', 'ferrari'],
    ['Acme Pty Ltd', 'acme'],
    ['Microsoft Corp', 'microsoft'],
    ['Microsoft Corporation', 'microsoft'],
    ['3M Co', '3m'],
    ['The Coca-Cola Company', 'coca cola'],
    ['Procter & Gamble Co', 'procter and gamble'],
    ['Smith & Co.', 'smith'],
    ['AT&T Inc.', 'at and t'],
    ["McDonald's Corp", 'mcdonalds'],
    ['J.P. Morgan Chase & Co.', 'jp morgan chase'],
    ['Société Générale', 'societe generale'],
    ['Ørsted A/S', 'orsted'],
    ['Straße GmbH', 'strasse'],
    ['  Acme    Widgets  ', 'acme widgets'],
    ['Blackstone Group L.P.', 'blackstone group'],
    ['AMC Entertainment Holdings Inc', 'amc entertainment holdings'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeCompanyName(input)).toBe(expected);
  });

  it('never returns an empty key for a non-empty name', () => {
    expect(normalizeCompanyName('Inc.')).toBe('inc');
    expect(normalizeCompanyName('The')).toBe('the');
    expect(normalizeCompanyName('Company')).toBe('company');
    expect(normalizeCompanyName('!!!')).toBe('!!!');
    expect(normalizeCompanyName('   ')).toBe('');
  });

  it('gives spelling variants of one company the same key', () => {
    expect(normalizeCompanyName('Alberto-Culver Co')).toBe(normalizeCompanyName('Alberto Culver Co.'));
    expect(normalizeCompanyName('The Acme Corporation')).toBe(normalizeCompanyName('ACME, Inc.'));
  });
});

describe('registrableDomain', () => {
  it.each([
    ['acme.com', 'acme.com'],
    ['ACME.COM', 'acme.com'],
    ['www.acme.com', 'acme.com'],
    ['https://www.Acme.co.uk/about', 'acme.co.uk'],
    ['http://shop.acme.com.au/x?y=1', 'acme.com.au'],
    ['acme.com:8080', 'acme.com'],
    ['http://user:pw@acme.com:8443/path', 'acme.com'],
    ['sales@acme.com', 'acme.com'],
    ['mailto:sales@eu.acme.de', 'acme.de'],
    ['<http://acme.com|acme.com>', 'acme.com'],
    ['www.acme.com/', 'acme.com'],
    ['example.com.', 'example.com'],
    ['https://www.zorvex-pay.example/pricing', 'zorvex-pay.example'],
  ])('%s → %s', (input, expected) => {
    expect(registrableDomain(input)).toBe(expected);
  });

  it.each([
    'acme',
    'Acme Inc.',
    'foo bar.com',
    'localhost',
    '1.2.3.4',
    'co.uk',
    'acme.c',
    'acme..com',
    'e.g.',
    '',
    'a@',
    'example',
    'acme.invalid',
  ])('rejects %j', (input) => {
    expect(registrableDomain(input)).toBeNull();
    expect(looksLikeDomain(input)).toBe(false);
  });
});
