/**
 * Native desktop notifications, shown by running the platform's own tool
 * through the injected runner, never through a shell. The text never becomes
 * part of a script: macOS gets it as `osascript` arguments, D-Bus as quoted
 * GVariant literals, Windows through environment variables.
 *
 * @module
 */
import { systemProgram } from "./windows_system.ts";
import type { Env, OsName, RunOptions } from "../src/env.ts";
import { powerShellArgs } from "./powershell.ts";

/** What a notification says. */
export interface NotificationMessage {
  title: string;
  body: string;
}

/** One way to show a notification: a program, its arguments, and its options. */
export interface NotifierCommand {
  command: string;
  args: string[];
  options?: RunOptions;
}

/**
 * AppleScript that reads the text from its arguments (`on run argv`), so the
 * text needs no escaping whatever it holds.
 */
const APPLESCRIPT_LINES = [
  "on run argv",
  "display notification (item 1 of argv) with title (item 2 of argv)",
  "end run",
];

/**
 * Windows PowerShell 5.1 (`powershell.exe`, which has the WinRT projection
 * that PowerShell 7 lacks) showing a toast. The text comes from
 * `TWG_NOTIFY_TITLE` and `TWG_NOTIFY_BODY`; `CreateTextNode` escapes it for
 * the XML. Toasts need a registered AppUserModelID; PowerShell's own is
 * present on every Windows 10 and 11.
 */
const WINDOWS_TOAST_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$null = [Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime]",
  "$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)",
  "$text = $xml.GetElementsByTagName('text')",
  "$null = $text.Item(0).AppendChild($xml.CreateTextNode($env:TWG_NOTIFY_TITLE))",
  "$null = $text.Item(1).AppendChild($xml.CreateTextNode($env:TWG_NOTIFY_BODY))",
  "$toast = [Windows.UI.Notifications.ToastNotification]::new($xml)",
  "$appId = '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe'",
  "[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($appId).Show($toast)",
].join("\n");

/**
 * The commands that can show `message` on `os`, in the order to try them.
 *
 * @example
 * ```ts
 * notifierCommands("darwin", { title: "twg", body: 'Say "hi"' })[0];
 * // { command: "osascript", args: ["-e", "on run argv", "-e", "display notification …",
 * //   "-e", "end run", 'Say "hi"', "twg"] }
 * ```
 */
export function notifierCommands(os: OsName, message: NotificationMessage): NotifierCommand[] {
  switch (os) {
    case "darwin":
      return [{
        command: "osascript",
        args: [...APPLESCRIPT_LINES.flatMap((line) => ["-e", line]), message.body, message.title],
      }];
    case "linux":
      return [
        // "--" ends the options, so a text starting with "-" is still text.
        { command: "notify-send", args: ["--app-name=twg", "--", message.title, message.body] },
        {
          command: "gdbus",
          args: [
            "call",
            "--session",
            "--dest",
            "org.freedesktop.Notifications",
            "--object-path",
            "/org/freedesktop/Notifications",
            "--method",
            "org.freedesktop.Notifications.Notify",
            // Notify(app_name s, replaces_id u, app_icon s, summary s, body s,
            // actions as, hints a{sv}, expire_timeout i). gdbus parses each
            // argument as GVariant text; typed literals keep it working when
            // the server cannot be introspected.
            gvariantString("twg"),
            "uint32 0",
            gvariantString(""),
            gvariantString(message.title),
            gvariantString(message.body),
            "@as []",
            "@a{sv} {}",
            "int32 -1",
          ],
        },
      ];
    case "windows":
      return [{
        command: "powershell.exe",
        args: powerShellArgs(WINDOWS_TOAST_SCRIPT),
        options: { env: { TWG_NOTIFY_TITLE: message.title, TWG_NOTIFY_BODY: message.body } },
      }];
  }
}

/**
 * Shows `message` with the first notifier that works on `env.os`; returns
 * whether one did. Never throws: a missing tool, a missing desktop session
 * or a runtime permission refusal all mean `false`.
 *
 * @example
 * ```ts ignore
 * if (!(await showNotification(env, { title: "twg", body: "twg 1.1.0 is available" }))) {
 *   // keep it for the next interactive command
 * }
 * ```
 */
export async function showNotification(env: Env, message: NotificationMessage): Promise<boolean> {
  for (const { command, args, options } of notifierCommands(env.os, message)) {
    // On Windows by absolute path: a bare name may resolve from the current directory.
    const program = env.os === "windows" && command === "powershell.exe"
      ? systemProgram(env, "powershell")
      : command;
    try {
      const result = await env.run(program, args, options);
      if (result.code === 0) return true;
    } catch {
      // Spawning was refused (Deno's --allow-run): try the next one.
    }
  }
  return false;
}

/**
 * A GVariant text-format string literal: double quotes, with `\` and `"`
 * escaped (GVariant text format, "Strings").
 *
 * @example
 * ```ts
 * gvariantString('say "hi"'); // '"say \\"hi\\""'
 * ```
 */
export function gvariantString(text: string): string {
  return `"${text.replace(/[\\"]/g, "\\$&")}"`;
}
