/** Injection token of the normalized module options (internal to the package). */
export const REMIT_SETTINGS = 'REMIT_SETTINGS';
/** Injection token of the route options the metrics scrape reads (internal to the package). */
export const REMIT_METRICS_OPTIONS = 'REMIT_METRICS_OPTIONS';
