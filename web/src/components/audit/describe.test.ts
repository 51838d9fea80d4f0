import { describe, expect, it } from 'vitest';

import { actorText, describeRecord, type AuditRecord } from './describe';

const record = (over: Partial<AuditRecord>): AuditRecord =>
  ({
    id: 'a1',
    at: '2026-12-02T10:00:00Z',
    actor_id: 'u1',
    action: 'invoice.reminder_sent',
    entity_type: 'invoice',
    entity_id: 'i1',
    request_id: 'r1',
    changes: [],
    ...over,
  }) as AuditRecord;

const names = { user: (id: string) => (id === 'u1' ? 'Ana Lee' : undefined) };

describe('who did it', () => {
  it('names the jobs that record as system:<name>, and a user by name', () => {
    expect(actorText(record({ actor_id: 'system:reminders' }), names)).toBe('The reminder job');
    expect(actorText(record({ actor_id: 'system:salesforce' }), names)).toBe('Salesforce');
    expect(actorText(record({ actor_id: 'system:unknown-job' }), names)).toBe('The system');
    expect(actorText(record({ actor_id: 'u1' }), names)).toBe('Ana Lee');
    expect(describeRecord(record({ actor_id: 'system:reminders' }), names)).toMatch(/^The reminder job sent a payment reminder for /);
  });
});
