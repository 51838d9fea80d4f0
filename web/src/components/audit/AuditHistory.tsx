import { useInfiniteQuery } from '@tanstack/react-query';
import { useId } from 'react';

import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { usePermission } from '../../session/context';
import { ProblemMessage } from '../ProblemMessage';
import { Skeleton } from '../Skeleton';
import { AuditEntry } from './AuditEntry';
import { learnNames } from './describe';
import { useUserNames } from './useUserNames';
import './audit.css';

/**
 * The audit history of one record, newest first, in words ("Ana Lee updated customer Acme
 * Ltd", "email: a@x → b@x"), 20 at a time with "Show older changes". Renders nothing without
 * `audit:read`.
 *
 *   <AuditHistory entityType="customer" entityId={id} />
 */
export function AuditHistory({
  entityType, entityId, title = 'History', headingLevel = 2,
}: { entityType: string; entityId: string; title?: string; headingLevel?: 2 | 3 }) {
  const allowed = usePermission('audit:read');
  const headingId = useId();
  const names = useUserNames();
  const history = useInfiniteQuery({
    queryKey: ['audit', 'entity', entityType, entityId],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/audit', {
          params: { query: { entity_type: entityType, entity_id: entityId, limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: allowed,
  });
  if (!allowed) return null;
  const Heading = headingLevel === 3 ? 'h3' : 'h2';
  const records = history.data?.pages.flatMap((p) => p.items) ?? [];
  const known = learnNames(records);
  return (
    <section className="audit-history" aria-labelledby={headingId}>
      <Heading id={headingId}>{title}</Heading>
      {history.isPending ? (
        <Skeleton lines={2} label="Loading the history…" />
      ) : history.isError ? (
        <ProblemMessage problem={history.error} title="The history could not be loaded." />
      ) : records.length === 0 ? (
        <p>No changes are recorded yet.</p>
      ) : (
        <>
          <ol className="audit-list">
            {records.map((r) => (
              <AuditEntry key={r.id} record={r} names={names} known={known} />
            ))}
          </ol>
          {history.hasNextPage ? (
            <button type="button" className="button" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
              {history.isFetchingNextPage ? 'Loading…' : 'Show older changes'}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

export default AuditHistory;
