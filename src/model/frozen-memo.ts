/**
 * A function of an immutable key, worked out once per object. The layers
 * below hand on the same frozen readings while their counts stay put, so with
 * thousands of counters and a few moving, ids are made for the few. Only
 * frozen objects are remembered: anything else could change under the memo.
 */
export interface FrozenMemo<K extends object, V> {
  (key: K): V;
  /** Tell the memo that a frozen object made from another (same key, new counts or rates) has this value too. */
  remember(key: K, value: V): void;
}

export function frozenMemo<K extends object, V>(make: (key: K) => V): FrozenMemo<K, V> {
  const made = new WeakMap<K, V>();
  const memo = (key: K): V => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      if (Object.isFrozen(key)) made.set(key, value);
    }
    return value;
  };
  memo.remember = (key: K, value: V): void => {
    if (Object.isFrozen(key)) made.set(key, value);
  };
  return memo;
}
