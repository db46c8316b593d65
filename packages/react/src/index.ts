export { FlagsProvider, useFlag, useFlagsClient, useVariant, type FlagsProviderProps } from './hooks.js';
