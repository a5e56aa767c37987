import { useEffect, useRef, useState, type PointerEvent } from 'react';

interface Props {
  /** What the help is about, for the button's name ("What is <about>?"). */
  about: string;
  /** The button's name when "What is <about>?" does not fit, e.g. "What do these figures mean?". */
  question?: string;
  /** The help text (for settings: the settings table's `help`). */
  text: string;
}

/** Where the bubble goes: under the button, kept inside the window (it never widens the page). */
interface Place {
  left: number;
  top: number;
}

const BUBBLE_WIDTH = 280;
const MARGIN = 8;

/**
 * A toggletip: a small "?" button whose help opens on keyboard focus, on a tap or click, and
 * under a mouse pointer, and closes on Escape, on leaving, or on a tap elsewhere (help in a
 * `title` shows for none of keyboard, touch or screen readers). The text is written into a live
 * region that is always there, so a screen reader reads it as it opens.
 */
export function Toggletip({ about, question, text }: Props) {
  const [place, setPlace] = useState<Place | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  // A press focuses the button first: that focus must not open what the click then closes.
  const pressing = useRef(false);
  const open = place !== null;

  const show = () => {
    const rect = button.current?.getBoundingClientRect();
    if (!rect) return;
    const width = Math.min(BUBBLE_WIDTH, window.innerWidth - 2 * MARGIN);
    const left = Math.min(Math.max(MARGIN, rect.left - 12), window.innerWidth - width - MARGIN);
    setPlace({ left, top: rect.bottom + 6 });
  };
  const hide = () => setPlace(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') hide();
    };
    const onPointer = (e: Event) => {
      if (!button.current?.contains(e.target as Node)) hide();
    };
    // The bubble is placed for the button where it was: a scroll or resize closes it.
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', onPointer);
    window.addEventListener('scroll', hide, true);
    window.addEventListener('resize', hide);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('scroll', hide, true);
      window.removeEventListener('resize', hide);
    };
  }, [open]);

  const onPointerDown = () => {
    pressing.current = true;
  };
  const onPointerEnter = (e: PointerEvent) => {
    if (e.pointerType === 'mouse') show();
  };
  const onPointerLeave = (e: PointerEvent) => {
    if (e.pointerType === 'mouse' && document.activeElement !== button.current) hide();
  };

  return (
    <span className="toggletip">
      <button
        ref={button}
        type="button"
        className="toggletip__button"
        aria-expanded={open}
        onFocus={() => {
          if (!pressing.current) show();
        }}
        onBlur={hide}
        onPointerDown={onPointerDown}
        onPointerEnter={onPointerEnter}
        onPointerLeave={onPointerLeave}
        onClick={() => {
          pressing.current = false;
          if (open) hide();
          else show();
        }}
      >
        {/* Named by its text, not aria-label, so a search for the setting's label finds the
            setting alone. */}
        <span aria-hidden="true">?</span>
        <span className="visually-hidden">{question ?? `What is ${about}?`}</span>
      </button>
      <span
        role="status"
        className="toggletip__bubble"
        style={place ? { left: place.left, top: place.top, maxWidth: BUBBLE_WIDTH } : undefined}
      >
        {open ? text : ''}
      </span>
    </span>
  );
}
