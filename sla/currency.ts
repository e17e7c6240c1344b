// Money amounts in Google Ads are micros of the account's currency, and a budget amount must be a whole
// number of the currency's minimum unit (CampaignBudgetError.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT):
// JPY and KRW have no cents, so 1,234,567 micros is rejected where USD would accept 1,230,000.

const MICROS_PER_UNIT = 1_000_000;

/**
 * ISO 4217 minor-unit digits of the currencies Google Ads accepts as an account currency
 * (https://developers.google.com/google-ads/api/docs/reference/data/codes-formats#currency_codes;
 * withdrawn codes such as DEM, FRF, LTL, VEF are left out: no live account can use them).
 */
// prettier-ignore
const MINOR_UNIT_DIGITS: Readonly<Record<string, 0 | 2 | 3>> = {
  AED: 2, ARS: 2, AUD: 2, BGN: 2, BHD: 3, BND: 2, BOB: 2, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, COP: 2,
  CZK: 2, DKK: 2, DZD: 2, EGP: 2, EUR: 2, FJD: 2, GBP: 2, HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0,
  JOD: 3, JPY: 0, KES: 2, KRW: 0, KWD: 3, LKR: 2, MAD: 2, MXN: 2, MYR: 2, NGN: 2, NOK: 2, NZD: 2, OMR: 3,
  PEN: 2, PHP: 2, PKR: 2, PLN: 2, QAR: 2, RON: 2, RSD: 2, RUB: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3,
  TRY: 2, TWD: 2, UAH: 2, USD: 2, UYU: 2, VND: 0, ZAR: 2,
};

export type RoundingDirection = 'down' | 'up' | 'nearest';

export function isSupportedCurrency(code: string): boolean {
  return Object.hasOwn(MINOR_UNIT_DIGITS, code);
}

/** The currency's minimum unit in micros: 10,000 for USD (a cent), 1,000,000 for JPY (a yen). */
export function currencyUnitMicros(code: string): number {
  if (!isSupportedCurrency(code)) throw new RangeError(`currency ${JSON.stringify(code)} is not a Google Ads currency`);
  return MICROS_PER_UNIT / 10 ** MINOR_UNIT_DIGITS[code];
}

export function isMultipleOfCurrencyUnit(micros: number, code: string): boolean {
  return Number.isSafeInteger(micros) && micros % currencyUnitMicros(code) === 0;
}

/**
 * Rounds an amount to a whole number of the currency's minimum unit. Budget targets round down by
 * default, so a rounded target never exceeds the figure the guardrails and the approver accepted.
 */
export function roundToCurrencyUnit(micros: number, code: string, direction: RoundingDirection = 'down'): number {
  if (!Number.isFinite(micros)) throw new RangeError(`amount must be a finite number of micros, got ${micros}`);
  const unit = currencyUnitMicros(code);
  const round = direction === 'down' ? Math.floor : direction === 'up' ? Math.ceil : Math.round;
  return round(micros / unit) * unit;
}
