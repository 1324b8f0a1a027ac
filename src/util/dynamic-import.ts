/**
 * import() of a package that is an ES module only (the graph layout engine, report/svg.ts), wherever
 * kcmp runs. The bin runs the bundle as a script compiled from V8's code cache (src/cli/bin.cjs), and code
 * V8 takes from a cache has no dynamic-import callback of Node's ("A dynamic import callback was not
 * specified", whatever option the script was compiled with): there the bin hands over its own import(),
 * a CommonJS file's, under IMPORT. Elsewhere (the library, tsc's output) this module's own is used.
 */
const IMPORT = Symbol.for('kcmp.import');

export function importModule<T>(specifier: string): Promise<T> {
  const handed = (globalThis as { [IMPORT]?: (specifier: string) => Promise<T> })[IMPORT];
  return handed ? handed(specifier) : (import(specifier) as Promise<T>);
}
