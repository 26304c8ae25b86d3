/**
 * Windows PowerShell invocations whose script is a constant: any data it
 * needs comes through environment variables, so nothing is ever quoted into
 * PowerShell source.
 *
 * @module
 */

/**
 * The arguments that make `powershell.exe` run `script`: no profile, no
 * prompts, and the script as `-EncodedCommand` (base64 of its UTF-16LE
 * bytes), which no command-line parser can split or reinterpret.
 *
 * @example
 * ```ts ignore
 * await env.run("powershell.exe", powerShellArgs("Remove-Item -LiteralPath $env:TARGET"), {
 *   env: { TARGET: path },
 * });
 * ```
 */
export function powerShellArgs(script: string): string[] {
  return ["-NoProfile", "-NonInteractive", "-EncodedCommand", encodeUtf16Base64(script)];
}

function encodeUtf16Base64(text: string): string {
  let binary = "";
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    binary += String.fromCharCode(unit & 0xff, unit >> 8);
  }
  return btoa(binary);
}
