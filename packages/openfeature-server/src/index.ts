export { SwitchboardProvider, toSwitchboardContext, type SwitchboardProviderOptions } from './provider.js';
