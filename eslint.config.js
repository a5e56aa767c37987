import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'public',
      'test-results',
      'playwright-report',
      '.tsbuild',
      '.scratch',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/app/**/*.{ts,tsx}', 'src/components/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The page never trains: tfjs belongs to the worker and the model. Types may cross.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*'],
              message: 'The page must not run tfjs; use the worker API.',
              allowTypeImports: true,
            },
            {
              group: [
                '**/model/vaegan',
                '**/model/networks',
                '**/model/losses',
                '**/model/serialize',
                '**/workers/trainer',
                '**/workers/backend',
                '**/workers/quality',
                '**/model/quality',
                '**/model/classifier',
              ],
              message:
                'This module loads tfjs: import its types only, or move the value to a tfjs-free file.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/model/**/*.ts', 'src/workers/**/*.ts'],
    languageOptions: { globals: globals.worker },
  },
  {
    files: [
      'scripts/**/*.{js,mjs}',
      'tests/**/*.ts',
      'e2e/**/*.ts',
      'bench/**/*.{ts,mjs}',
      '*.config.{js,ts}',
    ],
    languageOptions: { globals: globals.node },
  },
  {
    // Benchmarks drive the page: their page.evaluate callbacks run in the browser.
    files: ['bench/**/*.{ts,mjs}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
);
