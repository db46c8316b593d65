// The root config, plus type-aware promise rules for the server: an un-awaited promise in
// a hook or handler is how a request slips past a check that hasn't finished (Unleash's
// missing-await advisory), so lint refuses one instead of a reviewer having to spot it.
import root from '../../eslint.config.js';

export default [
  ...root,
  {
    files: ['src/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
];
