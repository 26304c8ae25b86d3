/**
 * A copy of twg that runs from a source checkout: `twg update` and
 * `twg uninstall` leave the checkout to the person (it is their working tree).
 *
 * @module
 */
import { dirname } from "node:path";

/**
 * The checkout's root, from the entry point `<root>/src/main.ts`.
 *
 * @example
 * ```ts
 * checkoutRootOf("/home/ada/src/twg/src/main.ts"); // "/home/ada/src/twg"
 * ```
 */
export function checkoutRootOf(mainPath: string): string {
  return dirname(dirname(mainPath));
}
