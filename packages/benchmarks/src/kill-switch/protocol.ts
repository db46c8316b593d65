/** Messages between the kill-switch benchmark and its client worker processes. */

export type ClientMode = 'raw' | 'sdk';

export interface StartMessage {
  type: 'start';
  mode: ClientMode;
  /** Server base URLs; client `offset + j` connects to `urls[(offset + j) % urls.length]`. */
  urls: string[];
  key: string;
  flagKey: string;
  clients: number;
  offset: number;
  /** The flag's state when the clients connect. */
  enabled: boolean;
}

/** Arms every client for one flip: from now on, seeing the flag in state `enabled` counts. */
export interface ArmMessage {
  type: 'arm';
  flip: number;
  enabled: boolean;
  /** Report whatever was seen after this long, counting the rest as missed. */
  timeoutMs: number;
}

export interface StopMessage {
  type: 'stop';
}

export type ToWorker = StartMessage | ArmMessage | StopMessage;

export interface ReadyMessage {
  type: 'ready';
  /** Clients per server URL. */
  perServer: number[];
}

export interface ArmedMessage {
  type: 'armed';
  flip: number;
}

export interface SeenMessage {
  type: 'seen';
  flip: number;
  /** monotonicMs() at which each client saw the change (NaN: not within the timeout). */
  times: number[];
  /** Index into `urls` of each client's server. */
  servers: number[];
  /** CPU time this worker process used from arming to reporting, ms. */
  cpuMs: number;
}

export interface FailedMessage {
  type: 'failed';
  error: string;
}

export type FromWorker = ReadyMessage | ArmedMessage | SeenMessage | FailedMessage;
