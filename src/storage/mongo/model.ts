import type { Connection, Model, Schema } from 'mongoose';

/** The connection's model of that name, compiled on first use (a connection keeps its own models). */
export function modelOn<Doc>(connection: Connection, name: string, schema: Schema, collection: string): Model<Doc> {
  // Typed by the caller's document interface; mongoose's own inference from the schema is both
  // looser and very costly for the compiler.
  const existing: unknown = connection.models[name] ?? connection.model(name, schema, collection);
  return existing as Model<Doc>;
}
