import { diff, show, type Change } from '../model/diff';

/** Before/after of every changed field. */
export function DiffTable({
  before,
  after,
  ignore = ['updatedAt', 'createdAt'],
  caption,
}: {
  before: unknown;
  after: unknown;
  ignore?: string[];
  caption?: string;
}) {
  const changes: Change[] = diff(before, after, { ignore });
  if (changes.length === 0) return <p className="muted">No differences.</p>;
  return (
    <div className="table-wrap">
      <table className="diff">
        {caption ? <caption className="visually-hidden">{caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.path}>
              <th scope="row">
                <code>{c.path || '(whole)'}</code>
              </th>
              <td className="diff__before">
                <code>{show(c.before)}</code>
              </td>
              <td className="diff__after">
                <code>{show(c.after)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
