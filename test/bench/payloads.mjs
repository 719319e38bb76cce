// The two payloads of every benchmark: ~200 bytes of plain JSON, and one with rich types.
export function plainPayload(seq) {
  return {
    seq,
    id: `user-${seq}`,
    email: `user${seq}@example.com`,
    name: 'Ada Lovelace',
    plan: 'pro',
    tags: ['beta', 'newsletter'],
    sentAt: 1_795_521_600_000 + seq,
    source: 'signup-form',
    locale: 'en-GB',
  };
}

export function richPayload(seq) {
  return {
    seq,
    id: `user-${seq}`,
    at: new Date(1_795_521_600_000 + seq),
    roles: new Set(['member', 'beta']),
    limits: new Map([
      ['requests', 1000],
      ['storage', 5_000_000],
    ]),
    balance: 12_345_678_901_234_567_890n,
  };
}

export const payloads = { plain: plainPayload, rich: richPayload };
