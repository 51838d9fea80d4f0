// The company's currency and time zone, and formatters bound to them.
//
// GET /api/v1/settings/company needs `settings:manage` (admins). Other roles cannot read the
// company's time zone or default currency anywhere in the API, so for them dates and times
// are shown in the browser's time zone and `currency` is null (amounts always carry their
// own currency in `Money`, so formatting money never needs it).
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

import { api } from './api/client';
import { unwrap } from './api/problem';
import type { Money } from './api/types';
import * as f from './format';
import { usePermission } from './session/context';

export const companySettingsKey = ['settings', 'company'] as const;

export interface Company {
  /** The company's default currency, when the user may read the settings. */
  currency: string | null;
  /** IANA zone for date-times: the company's for admins, else the browser's. */
  timeZone: string;
  /** True when `timeZone` is the company's (not the browser's fallback). */
  fromSettings: boolean;
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function useCompany(): Company {
  const canRead = usePermission('settings:manage');
  const settings = useQuery({
    queryKey: companySettingsKey,
    queryFn: () => unwrap(api.GET('/api/v1/settings/company')),
    enabled: canRead,
    staleTime: 10 * 60_000,
  });
  const data = settings.data;
  return useMemo(
    () =>
      data
        ? { currency: data.default_currency, timeZone: data.time_zone, fromSettings: true }
        : { currency: null, timeZone: browserZone(), fromSettings: false },
    [data],
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
