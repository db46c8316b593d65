/** What the test page exposes to the Chromium suite. */
import { createClient } from '../index.js';

(globalThis as { Switchboard?: unknown }).Switchboard = { createClient };
