/**
 * The CommonJS entry: `require('kcmp')` returns the same module as `import 'kcmp'`.
 *
 * kcmp is an ES module. Node.js can `require()` an ES module graph without top-level await from 20.19 and
 * 22.12 on (`process.features.require_module`); older releases get one clear line instead of
 * ERR_REQUIRE_ESM. TypeScript resolves the same declarations for both (`types` in the exports map).
 *
 * @example
 * const { kcmp } = require('kcmp');
 * kcmp(process.pid, process.pid, 'vm'); // 'equal'
 */
if (!process.features.require_module) {
  throw new Error(
    `kcmp is an ES module: require('kcmp') needs Node.js >= 20.19 or >= 22.12 (this is ${process.version}); use import, or upgrade Node.js`,
  );
}
module.exports = require('./index.js');
