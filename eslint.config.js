// ESLint (flat config): the recommended JavaScript and typescript-eslint rules and Vue's
// correctness rules, without type information so `npm run lint` stays fast. Layout is Prettier's
// job (`npm run format`), so no rule here is about formatting.
import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'out/',
      'coverage/',
      'test-results/',
      'models/',
      'training/',
      'docs/results/',
      '**/.cache/',
      '**/.vite/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // a leading underscore marks a name that is deliberately unused (`{ compute: _c, ...spec }`)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
      // the text sanitisers (file names, graph names, labels) match control characters on purpose
      'no-control-regex': 'off',
      // errors are rethrown with a message that names the file, the node or the pack and what is
      // wrong; the low-level error they replace adds nothing a user can act on
      'preserve-caught-error': 'off',
      // `let x = 0` before the branches that set it reads better than `let x: number`
      'no-useless-assignment': 'off',
    },
  },
  {
    // browser automation (page.evaluate callbacks) and hostile-input tests handle untyped values
    files: ['test/**', 'tools/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
