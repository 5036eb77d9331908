/**
 * A FIFO ring buffer: O(1) push and shift (Array.prototype.shift is O(n) once an array leaves the
 * engine's fast path). Capacity is a power of two so the index wraps with a mask; it doubles when
 * full and never shrinks, which suits queues that refill at a steady rate.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  length = 0;

  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity *= 2;
    this.items = new Array(capacity);
    this.mask = capacity - 1;
  }

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** puts an item back in front of the oldest, as if it had never been shifted */
  unshift(item: T): void {
    if (this.length > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.length++;
  }

  /** removes and returns the oldest item; undefined when empty */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const old = this.items;
    const capacity = old.length * 2;
    const items: (T | undefined)[] = new Array(capacity);
    for (let i = 0; i < this.length; i++) items[i] = old[(this.head + i) & this.mask];
    this.items = items;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
