/** The staged reveal draws nothing deferred before it starts, then one part at a time, in order. */
import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useStagedReveal } from './staged';

function Page({ ready, renders }: { ready: boolean; renders: number[] }) {
  const shown = useStagedReveal(3, ready);
  renders.push(shown);
  return (
    <>
      <p>main</p>
      {['first', 'second', 'third'].map((name, i) => (shown > i ? <p key={name}>{name}</p> : null))}
    </>
  );
}

describe('useStagedReveal', () => {
  it('waits for start, then reveals the parts one at a time until all are shown', async () => {
    const renders: number[] = [];
    const { rerender } = render(<Page ready={false} renders={renders} />);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByText('first')).toBeNull();
    expect(new Set(renders)).toEqual(new Set([0]));
    rerender(<Page ready renders={renders} />);
    await waitFor(() => expect(screen.getByText('third')).toBeTruthy());
    expect(screen.getByText('first')).toBeTruthy();
    expect(screen.getByText('second')).toBeTruthy();
    // Every render shows at most one part more than the one before, and never goes back.
    expect(renders.every((n, i) => i === 0 || n === renders[i - 1]! || n === renders[i - 1]! + 1)).toBe(true);
    expect(renders.at(-1)).toBe(3);
  });
});
