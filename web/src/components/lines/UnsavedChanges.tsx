// Unsaved changes are not lost by accident: in-app navigation asks first (useBlocker), and
// closing or reloading the tab triggers the browser's own warning (beforeunload).
//   const guard = useUnsavedChanges(model.state.dirty);
//   {guard.prompt}             // "Leave without saving?" when a navigation was blocked
//   guard.release(); navigate(...)   // after a save, leave without asking
import { useCallback, useEffect, useRef, type ReactNode } from 'react';
import { useBlocker, type BlockerFunction } from 'react-router';

export function useUnsavedChanges(dirty: boolean): { prompt: ReactNode; release: () => void } {
  const released = useRef(false);
  const dirtyRef = useRef(dirty);
  useEffect(() => {
    dirtyRef.current = dirty;
    if (dirty) released.current = false;
  }, [dirty]);
  const blocker = useBlocker(
    useCallback<BlockerFunction>(
      ({ currentLocation, nextLocation }) =>
        dirtyRef.current && !released.current && currentLocation.pathname !== nextLocation.pathname,
      [],
    ),
  );
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      if (released.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  useEffect(() => {
    if (blocker.state === 'blocked') ref.current?.focus();
  }, [blocker.state]);
  const release = useCallback(() => {
    released.current = true;
  }, []);
  const prompt =
    blocker.state === 'blocked' ? (
      <div className="problem lines-leave" role="alertdialog" aria-labelledby="leave-title" aria-describedby="leave-text" tabIndex={-1} ref={ref}>
        <p className="problem-title" id="leave-title">Leave without saving?</p>
        <p id="leave-text">Your changes are not saved yet. If you leave this page, they are lost.</p>
        <div className="button-row">
          <button type="button" className="button button-primary" onClick={() => blocker.reset()}>Stay on this page</button>
          <button type="button" className="button button-danger" onClick={() => blocker.proceed()}>Leave and discard changes</button>
        </div>
      </div>
    ) : null;
  return { prompt, release };
}
