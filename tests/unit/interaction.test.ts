import { describe, expect, it } from 'vitest';
import {
  beginInteraction,
  beginPageWork,
  helpersHeld,
  isInteracting,
  onInteractionEnd,
} from '../../src/app/interaction';

describe('drag mode', () => {
  it('lasts while any drag runs and tells its listeners once, when the last one ends', () => {
    let ended = 0;
    const unlisten = onInteractionEnd(() => ended++);
    expect(isInteracting()).toBe(false);
    const endPointer = beginInteraction();
    const endKey = beginInteraction();
    expect(isInteracting()).toBe(true);
    endPointer();
    expect(isInteracting()).toBe(true);
    expect(ended).toBe(0);
    endPointer(); // a second call of the same end changes nothing
    expect(isInteracting()).toBe(true);
    endKey();
    expect(isInteracting()).toBe(false);
    expect(ended).toBe(1);
    unlisten();
    beginInteraction()();
    expect(ended).toBe(1);
  });

  it('page work leaves the helper threads out without holding the redraws', () => {
    let ended = 0;
    const unlisten = onInteractionEnd(() => ended++);
    expect(helpersHeld()).toBe(false);
    const endRedraw = beginPageWork();
    expect(helpersHeld()).toBe(true);
    expect(isInteracting()).toBe(false);
    const endDrag = beginInteraction();
    endRedraw();
    endRedraw(); // a second call changes nothing
    expect(helpersHeld()).toBe(true);
    endDrag();
    expect(helpersHeld()).toBe(false);
    expect(ended).toBe(1);
    unlisten();
  });
});
