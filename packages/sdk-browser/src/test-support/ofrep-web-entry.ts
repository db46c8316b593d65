/** The OFREP test page's bundle: OpenFeature's web SDK and its unmodified OFREP web provider. */
import { OpenFeature } from '@openfeature/web-sdk';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';

(globalThis as { OFREP?: unknown }).OFREP = { OpenFeature, OFREPWebProvider };
