// Names for the generated API types. Never hand-write an API type: derive it from the schema.
//   type Customer = Schema<'Customer'>;
//   type CustomerQuery = NonNullable<operations['list_customers']['parameters']['query']>;
import type { components } from './schema';

export type { components, operations, paths } from './schema';

/** A schema of the OpenAPI document by name, e.g. `Schema<'Customer'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

export type Permission = Schema<'Permission'>;
export type Role = Schema<'Role'>;
export type Me = Schema<'MeResponse'>;
export type Money = Schema<'Money'>;
export type ProblemBody = Schema<'ProblemBody'>;
export type FieldError = Schema<'FieldError'>;
