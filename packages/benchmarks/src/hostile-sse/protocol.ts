/** Messages between the hostile-SSE benchmark and its worker processes. */

/** Hog worker: open `count` streams that read their response head and then nothing more. */
export interface HogOpenMessage {
  type: 'open';
  url: string;
  key: string;
  count: number;
  /** Loopback source addresses (127.0.0.x) the sockets bind to, round robin. */
  addresses: string[];
}

/** Hog worker: destroy every socket opened before the last `open`. */
export interface HogRetireMessage {
  type: 'retire';
}

export interface HogOpenedMessage {
  type: 'opened';
  /** Answers by HTTP status (200: a stalled stream; 429: refused by a cap). */
  statuses: Record<string, number>;
  ms: number;
}

/** SDK worker: start `count` `@switchboard/node` clients, client `i` behind address `addressOf(offset + i)`. */
export interface SdkStartMessage {
  type: 'start';
  url: string;
  key: string;
  flagKey: string;
  count: number;
  offset: number;
  /** The flag's state when the clients connect. */
  enabled: boolean;
}

/** SDK worker: from now on, a client seeing the flag in state `enabled` counts for flip `flip`. */
export interface SdkArmMessage {
  type: 'arm';
  flip: number;
  enabled: boolean;
  timeoutMs: number;
}

export interface StopMessage {
  type: 'stop';
}

export interface ReadyMessage {
  type: 'ready';
}

export interface ArmedMessage {
  type: 'armed';
  flip: number;
}

export interface SeenMessage {
  type: 'seen';
  flip: number;
  /** monotonicMs() when each client saw the change (NaN: not within the timeout). */
  times: number[];
}

export interface FailedMessage {
  type: 'failed';
  error: string;
}

export type ToHogWorker = HogOpenMessage | HogRetireMessage | StopMessage;
export type FromHogWorker = HogOpenedMessage | FailedMessage;
export type ToSdkWorker = SdkStartMessage | SdkArmMessage | StopMessage;
export type FromSdkWorker = ReadyMessage | ArmedMessage | SeenMessage | FailedMessage;
