/**
 * Loads data for a page and keeps it fresh: refetches when `key` changes and when the
 * live feed reports changes the page cares about. The previous data stays on screen
 * while a refetch runs, so nothing jumps.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AuditEvent } from '@switchboard/api-client';
import { useApp } from './app-context';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): Promise<void>;
  /** Replace the data locally (e.g. with a write's answer) without a refetch. */
  set(data: T): void;
}

export interface ResourceOptions {
  /** Which live changes make this resource refetch; every change when omitted. */
  refreshOn?: (events: AuditEvent[]) => boolean;
  /** Don't load at all (e.g. a parameter is missing). */
  skip?: boolean;
  /** Keep showing the previous key's data while the new key loads (filters, environment switches). */
  keepPrevious?: boolean;
}

export function useResource<T>(key: string, load: (signal: AbortSignal) => Promise<T>, options: ResourceOptions = {}): Resource<T> {
  const { live } = useApp();
  const [state, setState] = useState<{ key: string; data: T | undefined; error: unknown; loading: boolean }>({
    key,
    data: undefined,
    error: undefined,
    loading: !options.skip,
  });
  const loadRef = useRef(load);
  const refreshRef = useRef(options.refreshOn);
  const keepRef = useRef(options.keepPrevious === true);
  useEffect(() => {
    loadRef.current = load;
    refreshRef.current = options.refreshOn;
    keepRef.current = options.keepPrevious === true;
  });
  const controller = useRef<AbortController | null>(null);

  const run = useCallback(async (forKey: string) => {
    controller.current?.abort();
    const ac = new AbortController();
    controller.current = ac;
    setState((s) => ({
      ...s,
      key: forKey,
      loading: true,
      ...(s.key !== forKey && !keepRef.current ? { data: undefined, error: undefined } : {}),
    }));
    try {
      const data = await loadRef.current(ac.signal);
      if (!ac.signal.aborted) setState({ key: forKey, data, error: undefined, loading: false });
    } catch (error) {
      if (!ac.signal.aborted) setState((s) => ({ ...s, key: forKey, error, loading: false }));
    }
  }, []);

  const skip = options.skip === true;
  useEffect(() => {
    if (skip) return;
    void run(key);
    return () => controller.current?.abort();
  }, [key, skip, run]);

  useEffect(() => {
    if (skip) return;
    return live.subscribe((events) => {
      const wanted = refreshRef.current ? refreshRef.current(events) : true;
      if (wanted) void run(key);
    });
  }, [live, key, skip, run]);

  const reload = useCallback(() => run(key), [run, key]);
  const set = useCallback((data: T) => setState({ key, data, error: undefined, loading: false }), [key]);
  const current = state.key === key || options.keepPrevious === true;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: state.key !== key || state.loading,
    reload,
    set,
  };
}
