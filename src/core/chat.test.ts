import { describe, expect, it } from 'vitest';
import { ChatService, type ChatAdapter } from './chat.ts';
import type { Message } from './message/model.ts';
import { Redactor } from './redact.ts';

describe('ChatService: what the bot says on its own leaves redacted', () => {
  it('masks configured secrets and token shapes in posts and edits, data included', async () => {
    const sent: Message[] = [];
    const adapter: ChatAdapter = {
      platform: 'slack',
      start: async () => {},
      stop: async () => {},
      post: async (to, m) => {
        sent.push(m);
        return { platform: 'slack', channel: to.channel, id: '1' };
      },
      update: async (_ref, m) => void sent.push(m),
    };
    const redactor = new Redactor();
    redactor.addSecrets(['argocd-account-token-0123456789']);
    const chat = new ChatService(redactor);
    chat.add(adapter);
    const ref = await chat.post('slack:C0OPS', {
      text: 'Firing: login failed with argocd-account-token-0123456789',
      data: { alert: { summary: 'password=hunter2' } },
    });
    await chat.update(ref, { text: 'resolved; token ghp_R8x2Kq7Lm3Np9Vt4Wz6Yb1Cd5Ef0Gh8Ja9Zk' });
    expect(sent.map((m) => m.text)).toEqual(['Firing: login failed with …6789', 'resolved; token ghp_…a9Zk']);
    expect(sent[0]?.data).toEqual({ alert: { summary: 'password=[redacted]' } });
  });
});
