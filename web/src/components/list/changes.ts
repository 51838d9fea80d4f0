// What differs between two versions of a record, for the "someone else saved first" message.

export interface FieldChange {
  field: string;
  label: string;
  before: string;
  after: string;
}

const IGNORED = new Set(['id', 'version', 'created_at', 'updated_at']);

function flatten(value: unknown, prefix: string, out: Map<string, unknown>) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, null);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
}

/**
 * The fields (as API paths, e.g. `billing_address.city`) whose values differ, with labels and
 * shown values. `show(field, value)` turns a value into text ("" for none); `labels` names fields.
 */
export function changedFields(
  before: object,
  after: object,
  labels: Record<string, string>,
  show: (field: string, value: unknown, record: object) => string = (_f, v) => (v === null || v === undefined ? '' : String(v)),
): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before, '', a);
  flatten(after, '', b);
  const fields = [...new Set([...a.keys(), ...b.keys()])].filter((f) => !IGNORED.has(f));
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const was = show(field, a.get(field), before);
    const now = show(field, b.get(field), after);
    if (was !== now) changes.push({ field, label: labels[field] ?? field, before: was, after: now });
  }
  const order = Object.keys(labels);
  const rank = (f: string) => (order.includes(f) ? order.indexOf(f) : order.length);
  return changes.sort((x, y) => rank(x.field) - rank(y.field));
}
