/** API keys read `sb_<kind>_<secret>`; the kind says which projection the server serves the key. */
export type KeyKind = 'admin' | 'server' | 'client';

/** The key's kind from its prefix; undefined for a key not shaped like one of ours. */
export const keyKind = (key: string): KeyKind | undefined => /^sb_(admin|server|client)_/.exec(key)?.[1] as KeyKind | undefined;
