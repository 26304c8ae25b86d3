/**
 * Whether this copy of twg belongs to a system package manager — a Debian
 * or RPM package, a Homebrew formula, a macOS installer package, an MSI —
 * which then owns its files: `twg upgrade` never replaces them and names
 * that package manager's command instead. Every probe runs through the
 * injected runner and is read by its exit status and output only.
 *
 * @module
 */
import { dirname } from "node:path";
import type { Env } from "../env.ts";

/** The package managers twg recognises. */
export type PackageManagerName = "dpkg" | "rpm" | "homebrew" | "macos-pkg" | "msi";

/** A package manager that owns this installation, and how to upgrade through it. */
export interface PackageManaged {
  manager: PackageManagerName;
  /** The package (or formula, or package id) that owns the file. */
  packageName: string;
  /** What the person runs instead of `twg upgrade`. */
  upgradeCommand: string;
}

async function probe(env: Env, command: string, args: string[]): Promise<string | null> {
  try {
    const result = await env.run(command, args);
    return result.code === 0 ? result.stdout : null;
  } catch {
    // Not installed, or not allowed to run: this package manager does not own it.
    return null;
  }
}

/**
 * The package manager that owns `path` (the installed program), or null.
 *
 * @example
 * ```ts ignore
 * const owner = await packageManagerOf(env, "/usr/bin/twg");
 * owner?.upgradeCommand; // "sudo apt-get install --only-upgrade twg"
 * ```
 */
export async function packageManagerOf(env: Env, path: string): Promise<PackageManaged | null> {
  switch (env.os) {
    case "linux":
      return homebrewOf(path) ?? await dpkgOf(env, path) ?? await rpmOf(env, path);
    case "darwin":
      return homebrewOf(path) ?? await macosPkgOf(env, path);
    case "windows":
      return await msiOf(env, path);
    default:
      return null;
  }
}

/**
 * `dpkg -S <path>` prints `<package>: <path>` for a file a Debian package
 * installed and exits non-zero otherwise (dpkg-query(1), "-S, --search";
 * https://man7.org/linux/man-pages/man1/dpkg-query.1.html).
 */
async function dpkgOf(env: Env, path: string): Promise<PackageManaged | null> {
  const out = await probe(env, "dpkg", ["-S", path]);
  const packageName = out?.split("\n")[0]?.split(":")[0]?.trim();
  if (!packageName || !/^[a-z0-9][a-z0-9+.-]*$/.test(packageName)) return null;
  return {
    manager: "dpkg",
    packageName,
    upgradeCommand: `sudo apt-get install --only-upgrade ${packageName}`,
  };
}

/**
 * `rpm -qf <file>` queries the package that owns the file (Red Hat's RPM
 * guide, "Querying": "-f <file> queries the package which owns <file>";
 * https://docs.redhat.com/documentation/Red_Hat_Enterprise_Linux/4/html/system_administration_guide/using_rpm-querying);
 * `--queryformat %{NAME}` prints only its name.
 */
async function rpmOf(env: Env, path: string): Promise<PackageManaged | null> {
  const out = await probe(env, "rpm", ["-qf", "--queryformat", "%{NAME}", path]);
  const packageName = out?.trim();
  if (!packageName || !/^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(packageName)) return null;
  return { manager: "rpm", packageName, upgradeCommand: `sudo dnf upgrade ${packageName}` };
}

/**
 * A Homebrew formula's files live in `<prefix>/Cellar/<formula>/<version>/`
 * (linked into `<prefix>/bin`); the program's own path shows it, no probe needed.
 */
function homebrewOf(path: string): PackageManaged | null {
  const formula = /\/Cellar\/([^/]+)\/[^/]+\//.exec(path)?.[1];
  if (!formula) return null;
  return { manager: "homebrew", packageName: formula, upgradeCommand: `brew upgrade ${formula}` };
}

/**
 * `pkgutil --file-info <path>` names the installer packages (receipts) that
 * installed a file, one `pkgid: <id>` line each (pkgutil(1), "FILE
 * COMMANDS"; http://manpagez.com/man/1/pkgutil).
 */
async function macosPkgOf(env: Env, path: string): Promise<PackageManaged | null> {
  const out = await probe(env, "pkgutil", ["--file-info", path]);
  const pkgid = /^pkgid:\s*(\S+)/m.exec(out ?? "")?.[1];
  if (!pkgid) return null;
  return {
    manager: "macos-pkg",
    packageName: pkgid,
    upgradeCommand: `sudo installer -pkg <the new twg .pkg> -target / (installed as ${pkgid})`,
  };
}

/**
 * An MSI registers the product under the Uninstall key with the folder it
 * installed to (`InstallLocation`) and `WindowsInstaller` = 1; `reg query
 * /s /f <folder> /d` finds that value.
 */
async function msiOf(env: Env, path: string): Promise<PackageManaged | null> {
  const folder = dirname(path);
  for (const root of ["HKLM", "HKCU"]) {
    const out = await probe(env, "reg", [
      "query",
      `${root}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall`,
      "/s",
      "/f",
      folder,
      "/d",
    ]);
    if (out && out.toLowerCase().includes(folder.toLowerCase())) {
      return {
        manager: "msi",
        packageName: folder,
        upgradeCommand: "msiexec /i <the new twg .msi> (or the tool that deployed it)",
      };
    }
  }
  return null;
}
