/** Injection token of the normalized module options (internal to the package). */
export const REMIT_SETTINGS = 'REMIT_SETTINGS';
