import type { ResultEntry, ResultFile } from '../../src/result/schema.js';

export declare function isStudyRun(name: string): boolean;
export declare function studyRuns(dir: string): ResultFile[];
export declare function logForkMedians(entry: Pick<ResultEntry, 'forks'>): number[];
export declare function logTruth(runs: readonly ResultFile[], r: number, key: string): number | undefined;
