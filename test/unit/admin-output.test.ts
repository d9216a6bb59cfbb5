import { formatTable } from '../../src/admin/output.js';

describe('formatTable', () => {
  it('shows control and bidi characters as escapes, so a value cannot forge rows or move the cursor', () => {
    const table = formatTable([{ client_id: 'x\u001b[1A\n2030-01-01  account.password_changed\u202e' }], ['client_id']);
    expect(table).toBe('CLIENT_ID\nx\\u001b[1A\\u000a2030-01-01  account.password_changed\\u202e');
    expect(table.split('\n')).toHaveLength(2);
  });
});
