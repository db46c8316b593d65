export { main, COMMANDS } from './main.js';
export { EXIT, type ExitCode } from './errors.js';
export type { Io, Output } from './io.js';
