import assert from "node:assert/strict";
import { parseFields, withQuery } from "../../src/api/fields.ts";
import { UsageError } from "../../src/errors.ts";
import { fakeEnv } from "../_fake_env.ts";

// The expected documents are gh's, read from cli/cli pkg/cmd/api/fields_test.go
// and `gh api --help` ("key[subkey]=value", "key[]=value1", "key[]" empty).

Deno.test("-f key[sub]=v builds nested objects as gh does", async () => {
  await using env = fakeEnv();
  const params = await parseFields(env, ["fields[summary]=Hi", "fields[project][key]=KEY"], []);
  assert.deepEqual(params, { fields: { summary: "Hi", project: { key: "KEY" } } });
});

Deno.test("-F labels[]=a -F labels[]=b keeps both, in order, typed", async () => {
  await using env = fakeEnv();
  const params = await parseFields(env, [], ["labels[]=a", "labels[]=b", "ids[]=1", "ids[]=true"]);
  assert.deepEqual(params, { labels: ["a", "b"], ids: [1, true] });
});

Deno.test("key[] without a value is an empty array", async () => {
  await using env = fakeEnv();
  assert.deepEqual(await parseFields(env, ["labels[]"], []), { labels: [] });
});

Deno.test("key[][sub] fills the last object until a key repeats", async () => {
  await using env = fakeEnv();
  const params = await parseFields(env, [
    "items[][name]=a",
    "items[][ids][]=1",
    "items[][ids][]=2",
    "items[][name]=b",
  ], []);
  assert.deepEqual(params, {
    items: [{ name: "a", ids: ["1", "2"] }, { name: "b" }],
  });
});

Deno.test("a key used as both an object and an array is a usage error", async () => {
  await using env = fakeEnv();
  await assert.rejects(parseFields(env, ["a[x]=1", "a[]=2"], []), UsageError);
  await assert.rejects(parseFields(env, ["a=1", "a[x]=2"], []), UsageError);
  await assert.rejects(parseFields(env, ["[x]=1"], []), UsageError);
  await assert.rejects(parseFields(env, ["plain"], []), UsageError);
});

Deno.test("nested fields in a query string: key[]=v repeated and key[sub]=v", () => {
  const url = withQuery(new URL("https://api.test/search"), {
    labels: ["a", "b"],
    fields: { summary: "Hi" },
    q: "x",
  });
  assert.equal(url.search, "?labels%5B%5D=a&labels%5B%5D=b&fields%5Bsummary%5D=Hi&q=x");
});
