import { describe, expect, it } from 'vitest';
import {
  detectDateOrder,
  detectNumberStyle,
  isFailure,
  parseBoolean,
  parseCount,
  parseDate,
  parseNumber,
  snakeCase,
} from '../../src/import/values.ts';

describe('parseNumber', () => {
  it.each([
    ['1,234', 1234],
    ['1,234,567.89', 1234567.89],
    ['1234.5', 1234.5],
    ['$1,200', 1200],
    ['USD 1,200', 1200],
    ['US$ 99.99', 99.99],
    ['€1.234,56', 1234.56],
    ['1 234 kr', 1234],
    ['£900', 900],
    ['(500)', -500],
    ['-42', -42],
    ['1.2M', 1_200_000],
    ['500k', 500_000],
    ['15%', 15],
    ['0.0', 0],
  ])('reads %s as %d', (raw, expected) => {
    expect(parseNumber(raw)).toBe(expected);
  });

  it('reads European style when the column is European', () => {
    expect(parseNumber('1.234', 'eu')).toBe(1234);
    expect(parseNumber('12,5', 'eu')).toBe(12.5);
    expect(parseNumber('1.234.567', 'eu')).toBe(1234567);
    expect(parseNumber('1 234,56 €', 'eu')).toBe(1234.56);
  });

  it('returns null for empty cells and placeholders', () => {
    expect(parseNumber('')).toBeNull();
    expect(parseNumber('   ')).toBeNull();
    expect(parseNumber('N/A')).toBeNull();
    expect(parseNumber(undefined)).toBeNull();
  });

  it('fails on text that is not a number', () => {
    expect(isFailure(parseNumber('lots'))).toBe(true);
    expect(isFailure(parseNumber('1.2.3,4,5'))).toBe(true);
    expect(isFailure(parseNumber('12abc'))).toBe(true);
  });
});

describe('detectNumberStyle', () => {
  it('chooses European when values show a decimal comma', () => {
    expect(detectNumberStyle(['1.234,56', '99,5', '1.000'])).toBe('eu');
  });
  it('defaults to US when nothing decides', () => {
    expect(detectNumberStyle(['1,234', '500'])).toBe('us');
    expect(detectNumberStyle(['1,234.50', '12.5'])).toBe('us');
  });
});

describe('parseCount', () => {
  it('reads whole counts, ranges and plus signs', () => {
    expect(parseCount('1,200')).toBe(1200);
    expect(parseCount('51-200')).toBe(126);
    expect(parseCount('10,000+')).toBe(10000);
    expect(parseCount('1.200')).toBe(1200);
    expect(parseCount('1.200', 'eu')).toBe(1200);
    expect(parseCount('')).toBeNull();
  });
  it('rejects negatives and text', () => {
    expect(isFailure(parseCount('-5'))).toBe(true);
    expect(isFailure(parseCount('many'))).toBe(true);
  });
});

describe('parseBoolean', () => {
  it.each([
    ['True', true],
    ['FALSE', false],
    ['yes', true],
    ['N', false],
    ['1', true],
    ['0', false],
  ])('reads %s', (raw, expected) => {
    expect(parseBoolean(raw)).toBe(expected);
  });
  it('returns null when empty and fails on other words', () => {
    expect(parseBoolean('')).toBeNull();
    expect(isFailure(parseBoolean('maybe'))).toBe(true);
  });
});

describe('parseDate', () => {
  it.each([
    ['2017-03-01', '2017-03-01'],
    ['2017/3/1', '2017-03-01'],
    ['2017-03-01T10:00:00Z', '2017-03-01'],
    ['2017-03-01 23:59:59', '2017-03-01'],
    ['Mar 1, 2017', '2017-03-01'],
    ['March 1 2017', '2017-03-01'],
    ['1 Mar 2017', '2017-03-01'],
    ['01-Mar-17', '2017-03-01'],
    ['20170301', '2017-03-01'],
    ['42795', '2017-03-01'],
  ])('reads %s', (raw, expected) => {
    expect(parseDate(raw)).toBe(expected);
  });

  it('reads numeric dates in the given order and falls back when only the other order is valid', () => {
    expect(parseDate('03/01/2017', 'mdy')).toBe('2017-03-01');
    expect(parseDate('03/01/2017', 'dmy')).toBe('2017-01-03');
    expect(parseDate('01.03.2017', 'dmy')).toBe('2017-03-01');
    expect(parseDate('25/03/2017', 'mdy')).toBe('2017-03-25');
    expect(parseDate('3/1/17 10:32 AM', 'mdy')).toBe('2017-03-01');
  });

  it('fails only on dates that cannot be read any way', () => {
    expect(isFailure(parseDate('31/31/2017'))).toBe(true);
    expect(isFailure(parseDate('2017-02-30'))).toBe(true);
    expect(isFailure(parseDate('soon'))).toBe(true);
    expect(parseDate('')).toBeNull();
  });
});

describe('detectDateOrder', () => {
  it('decides day/month order from the whole column', () => {
    expect(detectDateOrder(['03/01/2017', '04/02/2017', '03/25/2017'])).toBe('mdy');
    expect(detectDateOrder(['03/01/2017', '25/03/2017'])).toBe('dmy');
    expect(detectDateOrder(['01.03.2017', '02.03.2017'])).toBe('dmy');
    expect(detectDateOrder(['03/01/2017', '04/02/2017'])).toBe('mdy');
  });
});

describe('snakeCase', () => {
  it('turns headers into attribute keys', () => {
    expect(snakeCase('Lifecycle Stage')).toBe('lifecycle_stage');
    expect(snakeCase('year_established')).toBe('year_established');
    expect(snakeCase('Probability (%)')).toBe('probability_pct');
    expect(snakeCase('hs_lead_status')).toBe('hs_lead_status');
    expect(snakeCase('ForecastCategoryName')).toBe('forecast_category_name');
  });
});
