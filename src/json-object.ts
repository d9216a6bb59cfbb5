/**
 * JSON text that must hold an object: what the stores keep records as, what a `claims`
 * authorization parameter carries. Anything else (text cut short, an array, a number) is no object,
 * and reads as undefined rather than throwing.
 */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
