import type { TestInfo } from '@playwright/test';

/**
 * Records how long a case took as a person sees it (from the action to the message, and from
 * Step to the next step) as an annotation of the test and a `[case]` line in the output: a
 * record for the report, never an assertion (the machine may be loaded).
 */
export function recordCase(
  testInfo: TestInfo,
  what: string,
  times: { messageMs: number; stepMs?: number; stepAfter?: 'Step' | 'Train' },
  said: string,
): void {
  const step =
    times.stepMs === undefined ? '' : ` | stepped ${Math.round(times.stepMs)} ms after Step`;
  const description = `${what} | message after ${Math.round(times.messageMs)} ms${step} | "${said}"`;
  testInfo.annotations.push({ type: 'case', description });
  console.log(`[case] ${description}`);
}
