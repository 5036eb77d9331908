/** asyncbench's own version, recorded in every result file. */
export const VERSION = '0.1.0';
