export { FlagsProvider, useFlag, useFlagsClient, useVariant, type FlagsProviderProps, type Register } from './hooks.js';
