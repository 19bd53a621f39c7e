/**
 * The builders of the config schema DSL (`s.string(…)`, `s.object(…)`, …). They live apart from
 * `schema.ts` so that section schemas imported by it (e.g. `lib/gardener/schema.ts`) can use them
 * without an import cycle at run time: this module imports only types.
 */
import type {
  ArraySchema,
  ArraySchemaProps,
  BooleanSchema,
  BooleanSchemaProps,
  MapSchema,
  MapSchemaProps,
  ObjectSchema,
  ObjectSchemaProps,
  OpenSchema,
  OpenSchemaProps,
  Schema,
  StringSchema,
  StringSchemaProps,
} from './schema';

/** Builders, so that a schema definition reads like the YAML it describes. */
export const s = {
  string: (props: StringSchemaProps): StringSchema => ({ kind: 'string', ...props }),
  boolean: (props: BooleanSchemaProps): BooleanSchema => ({ kind: 'boolean', ...props }),
  object: (properties: { readonly [key: string]: Schema }, props: ObjectSchemaProps): ObjectSchema => ({ kind: 'object', properties, ...props }),
  map: (values: Schema, props: MapSchemaProps): MapSchema => ({ kind: 'map', values, ...props }),
  array: (items: Schema, props: ArraySchemaProps): ArraySchema => ({ kind: 'array', items, ...props }),
  open: (props: OpenSchemaProps): OpenSchema => ({ kind: 'open', ...props }),
};
