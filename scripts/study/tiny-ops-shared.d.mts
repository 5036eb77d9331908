export declare const TINY_OPS: Record<string, () => () => unknown>;
