import { describe, expect, it } from 'vitest';
import { testChat } from '../testing.ts';

describe('POST /api/chat with sessions checked in the chat (the embedded process)', () => {
  it('refuses an ended session itself, even for a turn that needs no task', async () => {
    const checked = await testChat({ sessions: true });
    const unchecked = await testChat();
    for (const api of [checked, unchecked]) {
      const token = await api.signup();
      const help = () => api.chat('POST', '/api/chat', { body: { message: 'help' }, token });
      expect((await help()).status).toBe(200);
      expect((await api.tasks('POST', '/api/auth/signout', { token })).status).toBe(204);
      // Without the check the chat can only notice when the tasks service refuses a call.
      expect((await help()).status).toBe(api === checked ? 401 : 200);
    }
  });
});
