// Saving a document's lines: checks them in the client first (every error shown, the first
// focused), sends the lines that are not blank, and maps the server's `lines[i].field`
// errors back to the lines they came from.
import { useState } from 'react';

import type { Schema } from '../../api/types';
import { useMutationForm } from '../useMutationForm';
import { errorsByLine, type LineEditorModel } from './LineEditor';

type LineRequest = Schema<'LineRequest'>;

export function focusFirstInvalid(root: ParentNode = document) {
  setTimeout(() => root.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
}

export function useLinesSubmit<TData, TExtra>({
  model, mutationFn, onSuccess, onError,
}: {
  model: LineEditorModel;
  mutationFn: (v: { lines: LineRequest[]; extra: TExtra }) => Promise<TData>;
  onSuccess: (data: TData) => void;
  onError?: (error: unknown) => void;
}) {
  const [showErrors, setShowErrors] = useState(false);
  const [sentIds, setSentIds] = useState<string[]>([]);
  const mutation = useMutationForm({
    mutationFn,
    onSuccess: (data: TData) => {
      setShowErrors(false);
      onSuccess(data);
    },
    onError: (error) => {
      focusFirstInvalid();
      onError?.(error);
    },
  });
  /** Starts the save; false when the client found errors (shown and focused). */
  function submit(extra: TExtra, valid = true): boolean {
    const collected = model.collect();
    if (!collected || !valid) {
      setShowErrors(true);
      mutation.reset();
      focusFirstInvalid();
      return false;
    }
    setSentIds(collected.ids);
    mutation.mutate({ lines: collected.lines, extra });
    return true;
  }
  const serverErrors = errorsByLine(mutation.fieldErrors, sentIds);
  return { submit, mutation, showErrors, serverErrors, linesError: mutation.fieldErrors['lines'] };
}
