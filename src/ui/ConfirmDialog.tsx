/**
 * The page's own yes/no question, in a modal <dialog> (focus held inside, Escape answers no),
 * instead of window.confirm, which blocks the page's thread and cannot be styled or named.
 * One question at a time: `askConfirm` resolves with the answer, and <ConfirmDialog /> is
 * rendered once by the app.
 */
import { useEffect, useRef } from 'react';
import { create } from 'zustand';
import './confirm-dialog.css';

export interface ConfirmQuestion {
  /** The dialog's accessible name. */
  title: string;
  body: string;
  /** The button that says yes, e.g. "Replace it". */
  confirm: string;
  /** The button that says no, e.g. "Keep training"; it has the focus. */
  cancel: string;
}

interface Pending extends ConfirmQuestion {
  answer: (yes: boolean) => void;
}

const useQuestion = create<{ pending: Pending | null }>()(() => ({ pending: null }));

/** Asks in the page's dialog; resolves true for yes. A newer question answers an open one no. */
export function askConfirm(question: ConfirmQuestion): Promise<boolean> {
  useQuestion.getState().pending?.answer(false);
  return new Promise((resolve) => {
    const pending: Pending = {
      ...question,
      answer: (yes) => {
        if (useQuestion.getState().pending === pending) useQuestion.setState({ pending: null });
        resolve(yes);
      },
    };
    useQuestion.setState({ pending });
  });
}

/** The dialog for askConfirm; render it once. */
export function ConfirmDialog() {
  const pending = useQuestion((s) => s.pending);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (pending && !d.open) d.showModal();
    if (!pending && d.open) d.close();
  }, [pending]);

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby="confirm-dialog-title"
      aria-describedby="confirm-dialog-body"
      onCancel={(e) => {
        // Escape: the dialog closes through the store, answering no.
        e.preventDefault();
        pending?.answer(false);
      }}
    >
      {pending && (
        <>
          <h2 id="confirm-dialog-title">{pending.title}</h2>
          <p id="confirm-dialog-body">{pending.body}</p>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => pending.answer(true)}>
              {pending.confirm}
            </button>
            <button type="button" autoFocus onClick={() => pending.answer(false)}>
              {pending.cancel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
