/** Sent with every request and event batch; a test keeps it equal to package.json's version. */
export const SDK_NAME = '@switchboard/node';
export const SDK_VERSION = '0.1.0';
