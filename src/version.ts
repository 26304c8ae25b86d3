/** twg's version; a test keeps it equal to `deno.json`'s. */
export const version = "0.1.0";
