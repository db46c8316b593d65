export { SwitchboardWebProvider, toSwitchboardContext, type SwitchboardWebProviderOptions } from './provider.js';
