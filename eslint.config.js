// ESLint flat config: typescript-eslint's type-aware rules over src/ and test/
// (floating and misused promises, the no-unsafe-* family), so CI catches what
// the type check and the tests miss. `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'data/',
      'node_modules/',
      'src/generated/',
      '**/__generated__/',
      'bench/',
      'scripts/',
      'templates/',
      'coverage/',
      '**/*.mjs',
      '**/*.cjs',
      '*.config.*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      // Off: most `async` functions without an `await` implement interfaces that require a Promise (Apollo Server
      // plugin hooks such as requestDidStart/willSendResponse, storage and notifier interfaces), where `async` keeps a
      // throw a rejection rather than a synchronous exception; the rule would force `Promise.resolve()` wrappers instead.
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a parameter or binding kept for its position or to drop a key.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read the JSON bodies of HTTP answers (REST dialects, GraphQL over fetch) and assert them with expect():
    // a body is untyped data by nature, so the no-unsafe-* family would flag every `body.user.id` without finding a
    // defect. Promises stay checked (floating and misused) in tests as everywhere.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
