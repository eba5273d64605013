/** `record` without `key`: a new object, for immutable store updates. */
export function without<T>(record: Partial<Record<string, T>>, key: string): Partial<Record<string, T>> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}
