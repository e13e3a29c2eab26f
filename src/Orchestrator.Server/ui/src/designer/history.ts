// Undo and redo over whole definitions. Consecutive edits of the same field (typing in a form, dragging a node)
// coalesce into one step when they share a key and follow each other within a second.

export interface History<T> {
  past: T[];
  present: T;
  future: T[];
  lastKey: string | null;
  lastAt: number;
}

const limit = 200;

export function start<T>(present: T): History<T> {
  return { past: [], present, future: [], lastKey: null, lastAt: 0 };
}

export function record<T>(h: History<T>, next: T, key: string | null = null, now = Date.now()): History<T> {
  if (next === h.present) return h;
  const coalesce = key !== null && key === h.lastKey && now - h.lastAt < 1000;
  return {
    past: coalesce ? h.past : [...h.past, h.present].slice(-limit),
    present: next,
    future: [],
    lastKey: key,
    lastAt: now,
  };
}

export function undo<T>(h: History<T>): History<T> {
  const previous = h.past.at(-1);
  return previous === undefined ? h : { past: h.past.slice(0, -1), present: previous, future: [h.present, ...h.future], lastKey: null, lastAt: 0 };
}

export function redo<T>(h: History<T>): History<T> {
  const next = h.future[0];
  return next === undefined ? h : { past: [...h.past, h.present], present: next, future: h.future.slice(1), lastKey: null, lastAt: 0 };
}
