/** Modal dialogs on the native <dialog>: focus moves in, Escape closes, focus returns. */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export interface DialogProps {
  open: boolean;
  title: ReactNode;
  onClose(): void;
  children: ReactNode;
  /** Buttons; the first focusable element inside gets focus unless `initialFocus` is set. */
  actions?: ReactNode;
  tone?: 'default' | 'danger';
}

export function Dialog({ open, title, onClose, children, actions, tone = 'default' }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const returnFocus = useRef<Element | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnFocus.current = document.activeElement;
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
      const focusable =
        dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>('input, select, textarea, button');
      focusable?.focus();
    } else if (!open && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
      (returnFocus.current as HTMLElement | null)?.focus?.();
    }
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog dialog--${tone}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <div className="dialog__body">
          <h2 id={titleId} className="dialog__title">
            {title}
          </h2>
          {children}
          {actions ? <div className="dialog__actions">{actions}</div> : null}
        </div>
      ) : null}
    </dialog>
  );
}

export interface ConfirmDialogProps {
  open: boolean;
  title: ReactNode;
  /** The destructive button's label, e.g. "Revoke key". */
  confirm: string;
  onConfirm(): void;
  onClose(): void;
  /** What confirming does and what it doesn't undo. */
  children: ReactNode;
  /** `danger` (default) for what can't be undone; `default` for a write that only needs a second look. */
  tone?: 'danger' | 'default';
}

/**
 * A confirmation before a write that deserves a second look. Cancel holds the focus, so an
 * Enter pressed out of habit never confirms.
 */
export function ConfirmDialog({ open, title, confirm, onConfirm, onClose, children, tone = 'danger' }: ConfirmDialogProps) {
  return (
    <Dialog
      open={open}
      tone={tone}
      title={title}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className={tone === 'danger' ? 'button button--danger' : 'button button--primary'} onClick={onConfirm}>
            {confirm}
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
