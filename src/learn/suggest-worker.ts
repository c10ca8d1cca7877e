/** Worker-thread entry for `suggestFromUnits` (see src/worker.ts): units and options in, the suggestion out. */
import { parentPort, workerData } from 'node:worker_threads';
import type { LearnUnit } from './profile.ts';
import { type SuggestOptions, suggestFromUnits } from './suggest.ts';

const { units, opts } = (workerData as { data: { units: LearnUnit[]; opts: SuggestOptions } }).data;
parentPort!.postMessage(suggestFromUnits(units, opts));
