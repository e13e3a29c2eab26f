// The API key a user typed, kept for the browser tab only (session storage), sent as X-Api-Key.

const storageKey = "orchestrator.apiKey";
const listeners = new Set<() => void>();

export function getApiKey(): string | null {
  try {
    return sessionStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(storageKey, key);
  else sessionStorage.removeItem(storageKey);
  listeners.forEach((l) => l());
}

/** Called when the server answered 401: the key is missing or wrong, the header asks for one. */
let unauthorized = false;
export function markUnauthorized(value: boolean): void {
  if (unauthorized === value) return;
  unauthorized = value;
  listeners.forEach((l) => l());
}

export function isUnauthorized(): boolean {
  return unauthorized;
}

export function subscribeApiKey(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
