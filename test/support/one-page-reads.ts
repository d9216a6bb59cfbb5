/**
 * For the Management API's listings of what can grow without bound (users, clients): asks for a
 * page of two while the source's `list` (every record at once) fails, and checks that the store
 * was asked for that page and one more (whether another follows), nothing else.
 */

export async function expectOnePageRead<Source extends { list: () => Promise<unknown>; page: (query: { limit: number }) => Promise<unknown> }>(
  source: Source,
  what: string,
  listTwo: () => Promise<{ status: number; json: { items: unknown[]; next_cursor: unknown } }>,
): Promise<void> {
  const { list, page } = source;
  const asked: number[] = [];
  source.list = () => Promise.reject(new Error(`a listing must not read every ${what}`));
  source.page = ((query: { limit: number }) => {
    asked.push(query.limit);
    return page.call(source, query);
  }) as Source['page'];
  try {
    const reply = await listTwo();
    expect(reply.status).toBe(200);
    expect(reply.json.items).toHaveLength(2);
    expect(reply.json.next_cursor).toEqual(expect.any(String));
    expect(asked).toEqual([3]);
  } finally {
    Object.assign(source, { list, page });
  }
}
