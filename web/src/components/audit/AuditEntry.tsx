import { useFormat } from '../../company';
import { changeLines, describeRecord, type AuditRecord, type Names } from './describe';

/** One audit record: the sentence, when, and the changes as "field: old → new". */
export function AuditEntry({
  record, names, known,
}: { record: AuditRecord; names: Names; known?: (type: string, id: string) => string | undefined }) {
  const fmt = useFormat();
  const lines = changeLines(record.changes);
  return (
    <li className="audit-entry">
      <p className="audit-entry-what">
        <span>{describeRecord(record, names, known)}</span>{' '}
        <time className="audit-entry-when" dateTime={record.at}>
          {fmt.dateTime(record.at)}
        </time>
      </p>
      {lines.length > 0 ? (
        <ul className="audit-changes">
          {lines.map((l) => (
            <li key={l.field}>
              <span className="audit-field">{l.label}:</span>{' '}
              {l.kind === 'set' ? (
                <ins className="audit-new">{l.new}</ins>
              ) : l.kind === 'cleared' ? (
                <>
                  <del className="audit-old">{l.old}</del> <span className="audit-note">(removed)</span>
                </>
              ) : (
                <>
                  <del className="audit-old">{l.old}</del> <span aria-hidden="true">→</span>{' '}
                  <span className="visually-hidden">changed to</span> <ins className="audit-new">{l.new}</ins>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
