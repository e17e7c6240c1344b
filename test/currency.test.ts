import { describe, expect, it } from 'vitest';
import {
  currencyUnitMicros,
  isMultipleOfCurrencyUnit,
  isSupportedCurrency,
  roundToCurrencyUnit,
} from '../sla/currency';

describe('currency minimum units (NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT)', () => {
  it('knows cents, whole yen/won and three-decimal dinars', () => {
    expect(currencyUnitMicros('USD')).toBe(10_000);
    expect(currencyUnitMicros('EUR')).toBe(10_000);
    expect(currencyUnitMicros('JPY')).toBe(1_000_000);
    expect(currencyUnitMicros('KRW')).toBe(1_000_000);
    expect(currencyUnitMicros('CLP')).toBe(1_000_000);
    expect(currencyUnitMicros('BHD')).toBe(1_000);
  });

  it('refuses codes that are not Google Ads currencies, including prototype names and lower case', () => {
    for (const code of ['XTS', 'usd', 'toString', '__proto__', 'hasOwnProperty', '']) {
      expect(isSupportedCurrency(code)).toBe(false);
      expect(() => currencyUnitMicros(code)).toThrow(/is not a Google Ads currency/);
    }
  });

  it('rounds down by default so a target never exceeds what was approved', () => {
    expect(roundToCurrencyUnit(52_500_009_999, 'USD')).toBe(52_500_000_000);
    expect(roundToCurrencyUnit(6_300_000_999_999, 'JPY')).toBe(6_300_000_000_000);
    expect(roundToCurrencyUnit(1_234_567, 'JPY', 'up')).toBe(2_000_000);
    expect(roundToCurrencyUnit(1_500_000, 'JPY', 'nearest')).toBe(2_000_000);
    expect(roundToCurrencyUnit(1_499_999, 'JPY', 'nearest')).toBe(1_000_000);
    expect(roundToCurrencyUnit(30_000_000, 'USD')).toBe(30_000_000);
  });

  it('keeps amounts exact up to large budgets and rejects non-finite ones', () => {
    expect(Number.isSafeInteger(roundToCurrencyUnit(900_000_000_000_123, 'JPY'))).toBe(true);
    expect(roundToCurrencyUnit(900_000_000_000_123, 'JPY')).toBe(900_000_000_000_000);
    expect(() => roundToCurrencyUnit(Number.NaN, 'USD')).toThrow(/finite/);
    expect(() => roundToCurrencyUnit(Number.POSITIVE_INFINITY, 'USD')).toThrow(/finite/);
  });

  it('tells multiples from non-multiples', () => {
    expect(isMultipleOfCurrencyUnit(1_000_000, 'JPY')).toBe(true);
    expect(isMultipleOfCurrencyUnit(1_230_000, 'JPY')).toBe(false);
    expect(isMultipleOfCurrencyUnit(1_230_000, 'USD')).toBe(true);
    expect(isMultipleOfCurrencyUnit(1_230_001, 'USD')).toBe(false);
    expect(isMultipleOfCurrencyUnit(1.5, 'USD')).toBe(false);
  });
});
