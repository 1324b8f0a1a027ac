/**
 * The kcmp command. First the SIGUSR1 guard (util/sigusr1-guard.ts: before any other module runs), then
 * the open-file limit (file-limit.ts), then the program (program.ts), imported
 * only once the limit is known to suffice: loading its modules opens many files at once, and under a low
 * limit that failed with EMFILE and a stack trace before any of our code ran.
 */
import '../util/sigusr1-guard.js'; // first: SIGUSR1 must not open an inspector (see there)
import { fileLimitSuffices } from './file-limit.js';

// A rejection ends the process as an uncaught error would: every failure the program expects is caught by
// its actions (run.ts) and said in one line.
if (fileLimitSuffices()) void import('./program.js').then((program) => program.run(process.argv));
