// The company's currency, time zone and rounding, and formatters bound to them.
//
// Every role reads them from `GET /api/v1/auth/me` (`company`); the full settings are the
// admins' (`settings:manage`). Before the session has loaded, the browser's time zone.
import { useMemo } from 'react';

import type { Money, Schema } from './api/types';
import * as f from './format';
import { useSession } from './session/context';

/** Key of the admins' full settings query (the settings page). */
export const companySettingsKey = ['settings', 'company'] as const;

export interface Company {
  /** The company's default currency (null until the session has loaded). */
  currency: string | null;
  /** IANA zone for dates and times: the company's once the session has loaded. */
  timeZone: string;
  /** How line amounts are rounded to the minor unit. */
  rounding: Schema<'Rounding'>;
  /** The name on invoices, when set. */
  legalName: string | null;
  /** True when the values are the company's (not the browser's fallback). */
  fromSettings: boolean;
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function useCompany(): Company {
  const { me } = useSession();
  const company = me?.company;
  return useMemo(
    () =>
      company
        ? {
            currency: company.default_currency,
            timeZone: company.time_zone,
            rounding: company.rounding,
            legalName: company.legal_name ?? null,
            fromSettings: true,
          }
        : { currency: null, timeZone: browserZone(), rounding: 'half_up', legalName: null, fromSettings: false },
    [company],
  );
}

export interface Formatter {
  locale: string;
  timeZone: string;
  money: (money: Money) => string;
  number: (value: number | string, maximumFractionDigits?: number) => string;
  percent: (value: number | string) => string;
  date: (value: string) => string;
  dateTime: (value: string) => string;
  today: () => string;
  /** Locale input => API decimal string, or null. */
  parseDecimal: (input: string) => string | null;
  /** Locale input => integer minor units of `currency`, or null. */
  parseMoney: (input: string, currency: string) => number | null;
  moneyInput: (amount: number, currency: string) => string;
  decimalInput: (value: string) => string;
}

/** Formatters in the browser's locale and the company's time zone. */
export function useFormat(): Formatter {
  const { timeZone } = useCompany();
  return useMemo(() => {
    const locale = navigator.language || 'en-US';
    const o = { locale, timeZone };
    return {
      locale,
      timeZone,
      money: (m) => f.formatMoney(m, o),
      number: (v, maximumFractionDigits) => f.formatNumber(v, { ...o, maximumFractionDigits }),
      percent: (v) => f.formatPercent(v, o),
      date: (v) => f.formatDate(v, o),
      dateTime: (v) => f.formatDateTime(v, o),
      today: () => f.todayIn(timeZone),
      parseDecimal: (input) => f.parseDecimal(input, locale),
      parseMoney: (input, currency) => f.parseMoney(input, currency, locale),
      moneyInput: (amount, currency) => f.moneyInputValue(amount, currency, locale),
      decimalInput: (value) => f.decimalInputValue(value, locale),
    };
  }, [timeZone]);
}
