import { describe, expect, it, vi } from 'vitest';

import { askEarly, takeOverEarlyQueries } from './boot';

describe('queries asked for before the app starts', () => {
  it('are asked at once, handed to the app, and fetched anew after their first answer', async () => {
    const queryFn = vi.fn().mockResolvedValueOnce('early').mockResolvedValueOnce('later');
    askEarly({ queryKey: ['customers', 'list', {}], queryFn });
    expect(queryFn).toHaveBeenCalledTimes(1);

    const received: Parameters<Parameters<typeof takeOverEarlyQueries>[0]>[0][] = [];
    takeOverEarlyQueries((query) => received.push(query));
    expect(received.map((q) => q.queryKey)).toEqual([['customers', 'list', {}]]);
    const [handed] = received;
    // The first call is the answer asked for early; a refetch (an invalidation) asks again.
    expect(await handed?.queryFn()).toBe('early');
    expect(queryFn).toHaveBeenCalledTimes(1);
    expect(await handed?.queryFn()).toBe('later');
    expect(queryFn).toHaveBeenCalledTimes(2);

    // Once the app has started, a query goes to its cache as it is.
    const next = { queryKey: ['auth', 'me'], queryFn: vi.fn() };
    askEarly(next);
    expect(received.at(-1)).toBe(next);
    expect(next.queryFn).not.toHaveBeenCalled();
  });
});
