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
    // The page: the app shell, reusable UI parts and each feature's client side.
    files: ['src/app/**/*.{ts,tsx}', 'src/ui/**/*.{ts,tsx}', 'src/features/*/client/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The page never trains: tfjs and everything that loads it (the model, the runtime and
      // each feature's worker side) belong to the workers. Types may cross.
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
              group: ['**/model/**', '**/runtime/**', '**/worker/**'],
              message:
                'The model, the runtime and worker folders load tfjs: import their types only, ' +
                'or move the value to a shared/ folder.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Code that runs anywhere (page, workers, Node): no tfjs, no DOM, no page code.
    files: ['src/shared/**/*.ts', 'src/features/*/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*', '**/model/**', '**/runtime/**', '**/worker/**'],
              message: 'shared/ code runs on the page too: import types only from here.',
              allowTypeImports: true,
            },
            {
              group: ['react', 'react-dom', '**/app/**', '**/ui/**', '**/client/**'],
              message: 'shared/ code runs in the workers too: it must not import page code.',
            },
          ],
        },
      ],
    },
  },
  {
    // The workers' side: the model, the runtime, each feature's worker folder, the service worker.
    files: [
      'src/model/**/*.ts',
      'src/runtime/**/*.ts',
      'src/features/*/worker/**/*.ts',
      'src/service-worker/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', '**/app/**', '**/ui/**', '**/client/**'],
              message: 'Worker code must not import page code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/shared/**/*.ts',
      'src/model/**/*.ts',
      'src/runtime/**/*.ts',
      'src/features/*/{shared,worker}/**/*.ts',
    ],
    languageOptions: { globals: globals.worker },
  },
  {
    files: ['src/service-worker/**/*.ts'],
    languageOptions: { globals: globals.serviceworker },
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
