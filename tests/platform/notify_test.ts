import assert from "node:assert/strict";
import { gvariantString, notifierCommands, showNotification } from "../../platform/notify.ts";
import { fakeEnv } from "../_fake_env.ts";

const message = {
  title: "twg update available",
  body: `twg 1.1.0 "beta" \\ $HOME; run 'twg update'`,
};

function decodePowerShell(encoded: string): string {
  const bytes = Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0));
  return new TextDecoder("utf-16le").decode(bytes);
}

Deno.test("macOS: osascript gets the text as arguments of an 'on run argv' script", () => {
  assert.deepEqual(notifierCommands("darwin", message), [{
    command: "osascript",
    args: [
      "-e",
      "on run argv",
      "-e",
      "display notification (item 1 of argv) with title (item 2 of argv)",
      "-e",
      "end run",
      message.body,
      message.title,
    ],
  }]);
});

Deno.test("Linux: notify-send first, then the Notify call through gdbus with quoted GVariant text", () => {
  assert.deepEqual(notifierCommands("linux", message), [
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
        '"twg"',
        "uint32 0",
        '""',
        '"twg update available"',
        `"twg 1.1.0 \\"beta\\" \\\\ $HOME; run 'twg update'"`,
        "@as []",
        "@a{sv} {}",
        "int32 -1",
      ],
    },
  ]);
  assert.equal(gvariantString('a\\b"c'), '"a\\\\b\\"c"');
});

Deno.test("Windows: a PowerShell toast whose script never contains the text", () => {
  const [toast] = notifierCommands("windows", message);
  assert.equal(toast?.command, "powershell.exe");
  assert.deepEqual(toast?.args.slice(0, 3), ["-NoProfile", "-NonInteractive", "-EncodedCommand"]);
  assert.deepEqual(toast?.options, {
    env: { TWG_NOTIFY_TITLE: message.title, TWG_NOTIFY_BODY: message.body },
  });
  const script = decodePowerShell(toast!.args[3]!);
  assert.match(script, /CreateTextNode\(\$env:TWG_NOTIFY_TITLE\)/);
  assert.match(script, /CreateTextNode\(\$env:TWG_NOTIFY_BODY\)/);
  assert.ok(!script.includes("1.1.0"), "the text travels only in the environment");
});

Deno.test("showNotification falls back from notify-send to gdbus, and says when neither worked", async () => {
  await using env = fakeEnv({
    commands: [{ command: "notify-send", result: { code: 127 } }, { command: "gdbus", result: {} }],
  });
  assert.equal(await showNotification(env, message), true);
  assert.deepEqual(env.calls.map((call) => call.command), ["notify-send", "gdbus"]);

  await using headless = fakeEnv({
    commands: [
      { command: "notify-send", result: { code: 1, stderr: "Cannot autolaunch D-Bus" } },
      { command: "gdbus", result: { code: 1 } },
    ],
  });
  assert.equal(await showNotification(headless, message), false);
});

Deno.test("showNotification treats a refused spawn (no --allow-run) as not shown", async () => {
  await using env = fakeEnv({
    os: "darwin",
    run: () => Promise.reject(new Error('Requires run access to "osascript"')),
  });
  assert.equal(await showNotification(env, message), false);
});

const dbusTools = ["dbus-run-session", "dbus-monitor", "gdbus"];
const missingDbusTools = dbusTools.filter((tool) =>
  !Deno.env.get("PATH")?.split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  })
);

Deno.test({
  name: `gdbus parses the Notify arguments as (susssasa{sv}i) with the text intact${
    missingDbusTools.length ? ` (skipped: ${missingDbusTools.join(", ")} not installed)` : ""
  }`,
  ignore: missingDbusTools.length > 0,
  async fn() {
    // A private session bus; the arguments are emitted as a signal (gdbus
    // parses them exactly as for a call) and read back by dbus-monitor.
    const args = notifierCommands("linux", message)[1]!.args.slice(8);
    const quoted = args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
    const script = `dbus-monitor --session "type='signal',interface='test.twg'" & monitor=$!
sleep 0.5
gdbus emit --session --object-path /test --signal test.twg.Notify ${quoted} >&2
sleep 0.5
kill $monitor`;
    const output = await new Deno.Command("dbus-run-session", {
      args: ["--", "sh", "-c", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const monitored = new TextDecoder().decode(output.stdout);
    const signal = monitored.slice(monitored.indexOf("member=Notify"));
    const values = signal.split("\n").slice(1).map((line) => line.trim()).filter(Boolean);
    assert.deepEqual(values.slice(0, 9), [
      'string "twg"',
      "uint32 0",
      'string ""',
      `string "${message.title}"`,
      `string "${message.body}"`,
      "array [",
      "]",
      "array [",
      "]",
    ]);
    assert.equal(values[9], "int32 -1");
  },
});
