// Server-Sent Events over fetch (EventSource cannot send the X-Api-Key header), reconnecting with backoff.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { authHeaders } from "../api/client";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "closed";

export interface StreamOptions {
  onMessage(message: EventSourceMessage): void;
  onStatus?(status: StreamStatus): void;
  /** Called after a reconnect: what happened while disconnected must be read again. */
  onReconnected?(): void;
  /** Called when the first connection is established. */
  onOpened?(): void;
  /** Stop instead of reconnecting when the stream ends normally (a finished log). */
  endOnClose?: boolean;
}

export function openStream(url: string, options: StreamOptions): () => void {
  const controller = new AbortController();
  let delay = 500;
  let connectedBefore = false;

  const run = async () => {
    while (!controller.signal.aborted) {
      options.onStatus?.(connectedBefore ? "reconnecting" : "connecting");
      try {
        const response = await fetch(url, { headers: { Accept: "text/event-stream", ...authHeaders() }, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        if (connectedBefore) options.onReconnected?.();
        else options.onOpened?.();
        connectedBefore = true;
        delay = 500;
        options.onStatus?.("live");
        const parser = createParser({ onEvent: options.onMessage });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
        if (options.endOnClose) {
          options.onStatus?.("closed");
          return;
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      options.onStatus?.("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    controller.abort();
    options.onStatus?.("closed");
  };
}
