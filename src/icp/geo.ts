/**
 * Countries and regions. Country text from CRMs ("United States", "usa", "Sverige", "SE") is
 * normalised to ISO 3166-1 alpha-2; regions ("Nordics", "DACH", "EMEA") expand to country codes.
 */
import { createRequire } from 'node:module';

// i18n-iso-countries ships CommonJS with its locale data; load it through require to keep ESM happy.
const require = createRequire(import.meta.url);
const countries = require('i18n-iso-countries') as {
  getAlpha2Code(name: string, lang: string): string | undefined;
  getNames(lang: string, opts?: { select: 'official' | 'alias' | 'all' }): Record<string, string | string[]>;
  isValid(code: string): boolean;
  alpha3ToAlpha2(code: string): string | undefined;
};

const aliases: Record<string, string> = {
  usa: 'US',
  us: 'US',
  'u.s.': 'US',
  'u.s.a.': 'US',
  america: 'US',
  'united states': 'US',
  uk: 'GB',
  'u.k.': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  britain: 'GB',
  'great britain': 'GB',
  korea: 'KR',
  'south korea': 'KR',
  russia: 'RU',
  sverige: 'SE',
  norge: 'NO',
  danmark: 'DK',
  suomi: 'FI',
  deutschland: 'DE',
  schweiz: 'CH',
  suisse: 'CH',
  österreich: 'AT',
  holland: 'NL',
  'the netherlands': 'NL',
  uae: 'AE',
  czechia: 'CZ',
  'czech republic': 'CZ',
  vietnam: 'VN',
  taiwan: 'TW',
  iran: 'IR',
  'ivory coast': 'CI',
  philipines: 'PH', // misspelt in the Maven CRM sample export
  phillipines: 'PH',
  syria: 'SY',
  laos: 'LA',
  moldova: 'MD',
  macedonia: 'MK',
  brunei: 'BN',
  vatican: 'VA',
  'vatican city': 'VA',
  micronesia: 'FM',
  'dr congo': 'CD',
  drc: 'CD',
  burma: 'MM',
  swaziland: 'SZ',
  macau: 'MO',
  macao: 'MO',
};

let byName: Map<string, string> | undefined;
function nameIndex(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  const names = countries.getNames('en', { select: 'all' });
  for (const [code, n] of Object.entries(names)) {
    for (const name of Array.isArray(n) ? n : [n]) byName.set(name.toLowerCase(), code);
  }
  for (const [k, v] of Object.entries(aliases)) byName.set(k, v);
  return byName;
}

const memo = new Map<string, string | null>();

/** ISO alpha-2 code for a country name or code, or null when not recognised. */
export function normalizeCountry(input: string | null | undefined): string | null {
  if (input == null) return null;
  const raw = input.trim();
  if (raw === '') return null;
  const cached = memo.get(raw);
  if (cached !== undefined) return cached;
  let result: string | null = null;
  const lower = raw.toLowerCase().replace(/\s+/g, ' ');
  const named = nameIndex().get(lower);
  if (named) result = named;
  else if (/^[a-z]{2}$/i.test(raw) && countries.isValid(raw.toUpperCase())) result = raw.toUpperCase();
  else if (/^[a-z]{3}$/i.test(raw)) result = countries.alpha3ToAlpha2(raw.toUpperCase()) ?? null;
  if (memo.size < 10_000) memo.set(raw, result);
  return result;
}

let officialNames: Record<string, string | string[]> | undefined;

/** English short name for an ISO code ("SE" → "Sweden"), or the input when unknown. */
export function countryName(code: string): string {
  // getNames rebuilds its whole table on every call; scoring shows names per account, so build it once.
  officialNames ??= countries.getNames('en', { select: 'official' });
  const n = officialNames[code];
  return typeof n === 'string' ? n : code;
}

const EU = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' ');
const EUROPE_EXTRA = 'GB NO CH IS LI AL AD BA BY FO GI GG IM JE XK MD MC ME MK RU SM RS UA VA'.split(' ');
const MIDDLE_EAST = 'AE BH EG IL IQ IR JO KW LB OM PS QA SA SY TR YE'.split(' ');

/** Named regions and the countries they expand to. Keys are lower case. */
export const regions: Record<string, readonly string[]> = {
  nordics: ['SE', 'NO', 'DK', 'FI', 'IS'],
  scandinavia: ['SE', 'NO', 'DK'],
  baltics: ['EE', 'LV', 'LT'],
  dach: ['DE', 'AT', 'CH'],
  benelux: ['BE', 'NL', 'LU'],
  uki: ['GB', 'IE'],
  'uk&i': ['GB', 'IE'],
  eu: EU,
  europe: [...EU, ...EUROPE_EXTRA],
  'middle east': MIDDLE_EAST,
  africa:
    'DZ AO BJ BW BF BI CM CV CF TD KM CG CD DJ EG GQ ER SZ ET GA GM GH GN GW CI KE LS LR LY MG MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG TN UG ZM ZW'.split(
      ' ',
    ),
  'north america': ['US', 'CA'],
  latam: 'AR BO BR CL CO CR CU DO EC SV GT HN MX NI PA PY PE PR UY VE'.split(' '),
  apac: 'AU NZ JP KR CN HK TW SG MY TH ID PH VN IN BD LK PK'.split(' '),
  anz: ['AU', 'NZ'],
  'western europe': ['AT', 'BE', 'CH', 'DE', 'FR', 'GB', 'IE', 'LI', 'LU', 'MC', 'NL'],
  'northern europe': ['SE', 'NO', 'DK', 'FI', 'IS', 'EE', 'LV', 'LT', 'GB', 'IE'],
  'southern europe': ['ES', 'PT', 'IT', 'GR', 'MT', 'CY', 'HR', 'SI', 'AD', 'SM', 'VA'],
  cee: ['PL', 'CZ', 'SK', 'HU', 'RO', 'BG', 'SI', 'HR', 'EE', 'LV', 'LT', 'RS', 'BA', 'ME', 'MK', 'AL', 'UA', 'MD'],
};
regions.emea = [...new Set([...regions.europe!, ...MIDDLE_EAST, ...regions.africa!])];
regions.amer = [...regions['north america']!, ...regions.latam!];
regions.americas = regions.amer;
regions['uk and ireland'] = regions.uki!;
regions['uk & ireland'] = regions.uki!;

/** Countries of a region name, or of a single country; null when neither is recognised. */
export function expandRegion(name: string): readonly string[] | null {
  const key = name.trim().toLowerCase();
  const r = regions[key];
  if (r) return r;
  const c = normalizeCountry(name);
  return c ? [c] : null;
}
