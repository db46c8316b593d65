/** What a heap worker process reports for one SDK. */
export interface HeapReport {
  id: string;
  label: string;
  source: string;
  setup: string;
  serves: boolean;
  clients: number;
  /** heapUsed growth / clients, bytes. */
  heapPerClient: number;
  /** external (ArrayBuffers, native) growth / clients, bytes. */
  externalPerClient: number;
  /** Evaluations checked against the flags' meaning, over all clients. */
  checked: number;
  /** One line on what the rollout check saw. */
  rolloutCheck: string;
}
