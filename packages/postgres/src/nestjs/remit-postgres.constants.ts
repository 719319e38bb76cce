/** The module's settings after `migrate` is taken out of the outbox options. */
export const REMIT_POSTGRES_SETTINGS = 'REMIT_POSTGRES_SETTINGS';
