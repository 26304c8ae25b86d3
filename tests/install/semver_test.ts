import assert from "node:assert/strict";
import fc from "fast-check";
import { compareSemVer, isNewerVersion, isSemVer, parseSemVer } from "../../src/install/semver.ts";

Deno.test("precedence follows the example chain of SemVer 2.0.0 §11.4", () => {
  const ordered = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "1.9.0",
    "1.10.0",
    "2.0.0",
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      assert.equal(
        Math.sign(compareSemVer(ordered[i]!, ordered[j]!)),
        Math.sign(i - j),
        `${ordered[i]} vs ${ordered[j]}`,
      );
    }
  }
});

Deno.test("build metadata is ignored and numbers are compared exactly at any size", () => {
  assert.equal(compareSemVer("1.0.0+build.1", "1.0.0+build.2"), 0);
  assert.ok(compareSemVer("9007199254740993.0.0", "9007199254740992.0.0") > 0);
  assert.ok(compareSemVer("1.0.0-99999999999999999999", "1.0.0-99999999999999999998") > 0);
});

Deno.test("only strict semantic versions parse", () => {
  for (const valid of ["0.0.0", "1.2.3-rc.1+sha.5", "10.20.30", "1.0.0-0A.is.legal"]) {
    assert.ok(isSemVer(valid), valid);
  }
  for (const invalid of ["v1.2.3", "1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3 ", "", "latest"]) {
    assert.equal(parseSemVer(invalid), null, invalid);
    assert.equal(isNewerVersion(invalid, "0.0.1"), false, invalid);
  }
  assert.throws(() => compareSemVer("1.2", "1.2.0"), /Not a semantic version: "1.2"/);
});

Deno.test("comparison is antisymmetric and agrees with isNewerVersion", () => {
  const part = fc.constantFrom("0", "1", "2", "10");
  const pre = fc.array(fc.constantFrom("alpha", "beta", "1", "2", "11", "rc"), { maxLength: 3 });
  const version = fc.tuple(part, part, part, pre).map(([a, b, c, p]) =>
    `${a}.${b}.${c}${p.length ? `-${p.join(".")}` : ""}`
  );
  fc.assert(fc.property(version, version, (a, b) => {
    // A sum, not sign(a) === -sign(b): assert.equal tells 0 from -0.
    assert.equal(Math.sign(compareSemVer(a, b)) + Math.sign(compareSemVer(b, a)), 0);
    assert.equal(isNewerVersion(a, b), compareSemVer(a, b) > 0);
  }));
});
