import { errorMessage } from '../api/problem';

/**
 * A failure as a sentence in an alert (nothing when `problem` is null/undefined). Accepts any
 * error: an `ApiError`, a network failure, anything thrown.
 */
export function ProblemMessage({ problem, title }: { problem: unknown; title?: string }) {
  if (problem === null || problem === undefined) return null;
  return (
    <div className="problem" role="alert">
      {title ? <p className="problem-title">{title}</p> : null}
      <p>{errorMessage(problem)}</p>
    </div>
  );
}
