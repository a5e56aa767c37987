import { describe, expect, it } from 'vitest';
import { HIDEABLE, readViewState, TAB_IDS, writeViewState } from '../../src/app/view-state';

describe('the view in the URL (tab=, hide=)', () => {
  it('opens the training view without a tab, and the named tab with one', () => {
    expect(readViewState('')).toEqual({ tab: 'training', hidden: [], problems: [] });
    expect(readViewState('?beta=1&tab=quality').tab).toBe('quality');
    for (const tab of TAB_IDS) expect(readViewState(`?tab=${tab}`).tab).toBe(tab);
  });

  it('ignores an unknown tab, and a tab the same link hides, with a line each', () => {
    const unknown = readViewState('?tab=settings');
    expect(unknown.tab).toBe('training');
    expect(unknown.problems).toEqual([
      'Ignored tab=settings: use one of training, explorer, quality, objective, checkpoints, images, share, model.',
    ]);
    const hidden = readViewState('?tab=explorer&hide=explorer');
    expect(hidden.tab).toBe('training');
    expect(hidden.problems).toEqual(['Ignored tab=explorer: the link also hides it.']);
  });

  it('reads hide= as a list: tabs, live settings by URL key, and lr for the three rates', () => {
    const view = readViewState('?hide=explorer,%20quality,lr,gamma,,tour');
    expect(view.hidden).toEqual([
      'explorer',
      'quality',
      'lr',
      'lrVae',
      'lrD',
      'lrG',
      'gamma',
      'tour',
    ]);
    expect(view.problems).toEqual([]);
    // Each name once, however often it is given.
    expect(readViewState('?hide=lr,lrD,lr').hidden).toEqual(['lr', 'lrVae', 'lrD', 'lrG']);
    // The three rates named one by one hide the group (its heading) too.
    expect(readViewState('?hide=lrVae,lrD,lrG').hidden).toEqual(['lrVae', 'lrD', 'lrG', 'lr']);
    expect(readViewState('?hide=lrVae,lrD').hidden).toEqual(['lrVae', 'lrD']);
  });

  it('ignores names it does not know, and never hides the training view', () => {
    const view = readViewState('?hide=explorer,training,curves');
    expect(view.hidden).toEqual(['explorer']);
    expect(view.problems).toHaveLength(2);
    expect(view.problems[0]).toMatch(/^Ignored hide=training: use any of explorer, quality, /);
    expect(view.problems[1]).toMatch(/^Ignored hide=curves: /);
    expect(HIDEABLE).not.toContain('training');
    expect(HIDEABLE).toEqual(expect.arrayContaining(['beta', 'gamma', 'adv', 'rec', 'lrVae']));
  });

  it('writes tab= in place, leaves it out for the training view, and keeps every other parameter', () => {
    expect(writeViewState('quality', '?beta=1&gamma=0.1')).toBe('?beta=1&gamma=0.1&tab=quality');
    expect(writeViewState('objective', '?tab=quality&beta=1')).toBe('?tab=objective&beta=1');
    expect(writeViewState('training', '?tab=quality&hide=lr&beta=1')).toBe('?hide=lr&beta=1');
    expect(writeViewState('training', '?tab=quality')).toBe('');
    // What it writes reads back.
    expect(readViewState(writeViewState('share', '?hide=quality')).tab).toBe('share');
  });
});
