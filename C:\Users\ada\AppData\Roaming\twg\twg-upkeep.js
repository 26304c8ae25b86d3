// Written by "twg upkeep enable"; "twg upkeep disable" removes it.
// Task Scheduler runs this with wscript.exe to start twg without a console window.
var shell = new ActiveXObject("WScript.Shell");
var environment = shell.Environment("Process");
environment("TWG_CONFIG_DIR") = "C:\\Users\\ada\\AppData\\Roaming\\twg";
WScript.Quit(shell.Run("\"C:\\Users\\ada\\.deno\\bin\\twg.exe\" upkeep run", 0, true));
