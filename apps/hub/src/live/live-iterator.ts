/**
 * What a subscription sends: each item of `source` mapped (`undefined` skips it), until the
 * subscriber goes (its `return` reaches `source` at once, waiting for nothing) or `map` throws,
 * which is sent as the field's error and ends the subscription.
 */
export function mappedLive<Item, Value>(source: AsyncIterableIterator<Item>, field: string, map: (item: Item) => Promise<Value | undefined>): AsyncIterableIterator<Record<string, Value | Error>> {
  let ended = false;
  const end = async (): Promise<IteratorResult<Record<string, Value | Error>>> => {
    ended = true;
    await source.return?.();
    return { done: true, value: undefined };
  };
  const iterator: AsyncIterableIterator<Record<string, Value | Error>> = {
    async next() {
      while (!ended) {
        const item = await source.next();
        if (item.done || ended) return end();
        try {
          const value = await map(item.value);
          if (value !== undefined) return { done: false, value: { [field]: value } };
        } catch (error) {
          // graphql-js reports a field whose value is an Error as that field's error.
          await end();
          return { done: false, value: { [field]: error instanceof Error ? error : new Error(String(error)) } };
        }
      }
      return { done: true, value: undefined };
    },
    return: end,
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
