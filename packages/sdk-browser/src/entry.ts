/**
 * The package's entry: everything index.ts exports, with `createClient`'s typed overload
 * (`createClient<Flags>(…)`, flags from `switchboard codegen`). The overload is declared
 * here rather than in client.ts so the bundled sources stay as they are: esbuild picks
 * minified names by the character frequency of the whole source, type text included, so
 * even a type in client.ts would change the bytes scripts/size.mjs measures.
 */
import type { ClientSideFlags, FlagDescriptions, TypedClient } from '@switchboard/sdk-client';
import type { ClientOptions, SwitchboardClient, UserOrContext } from './client.js';

export * from './index.js';

/**
 * A client typed by the flags `switchboard codegen` generated: only the keys of client-side
 * flags, their variant names and their value types type-check.
 */
export type TypedSwitchboardClient<F extends FlagDescriptions<F>> = TypedClient<SwitchboardClient, ClientSideFlags<F>, UserOrContext>;

export type { BooleanFlagKey, FlagDescription, FlagDescriptions, TypedVariantResult } from '@switchboard/sdk-client';

/**
 * Creates a client. Online clients serve the persisted (or bootstrap) snapshot at once and
 * start connecting. Throws TypeError only without `url`/`key` when not offline.
 */
export declare function createClient(options: ClientOptions): SwitchboardClient;
/** The same client, typed by the flags `switchboard codegen` generated: `createClient<Flags>({ … })`. */
export declare function createClient<F extends FlagDescriptions<F>>(options: ClientOptions): TypedSwitchboardClient<F>;
