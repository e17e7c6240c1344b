// A binary min-heap of due times. The campaign workflow keeps one timer for the earliest entry
// instead of one server timer per lead, so a wake-up costs O(k log n) for k due entries.
// Entries are plain tuples so the heap is JSON and survives continue-as-new as it is.

/** [dueAtMs, key, seq]: `key` says what is due; `seq` keeps ordering stable among equal times. */
export type DueEntry = [number, string, number];

export interface DueQueue {
  heap: DueEntry[];
  seq: number;
}

export function emptyDueQueue(): DueQueue {
  return { heap: [], seq: 0 };
}

function less(a: DueEntry, b: DueEntry): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[2] < b[2]);
}

function swap(heap: DueEntry[], i: number, j: number): void {
  const tmp = heap[i];
  heap[i] = heap[j];
  heap[j] = tmp;
}

export function pushDue(queue: DueQueue, dueAt: number, key: string): void {
  const heap = queue.heap;
  heap.push([dueAt, key, queue.seq++]);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i], heap[parent])) break;
    swap(heap, i, parent);
    i = parent;
  }
}

export function peekDueAt(queue: DueQueue): number | undefined {
  return queue.heap[0]?.[0];
}

/** Removes and returns the earliest entry if it is due at or before `now`. */
export function popDue(queue: DueQueue, now: number): DueEntry | undefined {
  const heap = queue.heap;
  if (heap.length === 0 || heap[0][0] > now) return undefined;
  const top = heap[0];
  const last = heap.pop() as DueEntry;
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && less(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && less(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) break;
      swap(heap, i, smallest);
      i = smallest;
    }
  }
  return top;
}
