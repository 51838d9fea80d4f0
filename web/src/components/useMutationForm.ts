import { useMutation, type UseMutationOptions } from '@tanstack/react-query';

import { ApiError, fieldErrors } from '../api/problem';

/**
 * A mutation for a form: `fieldErrors` (API field => message, for the fields' `error`) and
 * `formError` (what <ProblemMessage problem={formError}/> shows: the failure, or for a 422 a
 * summary that the fields explain).
 *
 *   const save = useMutationForm({ mutationFn: (body: Body) => unwrap(api.POST(...)), onSuccess });
 *   <form onSubmit={(e) => { e.preventDefault(); save.mutate(body); }}>
 *     <TextField name="name" label="Name" error={save.fieldErrors.name} />
 *     <ProblemMessage problem={save.formError} />
 */
export function useMutationForm<TData, TVariables>(options: UseMutationOptions<TData, unknown, TVariables>) {
  const mutation = useMutation(options);
  const errors = fieldErrors(mutation.error);
  const hasFieldErrors = Object.keys(errors).length > 0;
  const formError =
    mutation.error instanceof ApiError && hasFieldErrors
      ? new ApiError(422, { type: '/problems/validation', title: 'Invalid input', status: 422, detail: '' })
      : mutation.error;
  return { ...mutation, fieldErrors: errors, formError: formError ?? null };
}
