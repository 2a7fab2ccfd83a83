// validate-sbom.cjs — validate CycloneDX and SPDX JSON documents against
// their official JSON schemas, independently of patchtrace's Go code.
//
//   NODE_PATH=DIR/node_modules node scripts/validate-sbom.cjs [--spdx-schema FILE] FILE...
//
// CycloneDX documents (bomFormat "CycloneDX") are checked by
// @cyclonedx/cyclonedx-library's strict JSON validator with the schemas it
// ships for their specVersion. SPDX documents (spdxVersion "SPDX-2.x") are
// checked with ajv against the schema given with --spdx-schema (the SPDX
// project's schemas/spdx-schema.json); without one they are reported as
// not checked. .ci/run installs the npm packages (see its validators
// block). Prints one JSON line per file: {"file", "format", "valid",
// "errors"} ("valid" is null when not checked). Exits 0 when no file is
// invalid, 1 when one is, 2 when the validators cannot be loaded.
'use strict';
const fs = require('fs');

async function main(argv) {
  let spdxSchema = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--spdx-schema') {
      spdxSchema = JSON.parse(fs.readFileSync(argv[++i], 'utf8'));
    } else {
      files.push(argv[i]);
    }
  }
  const { Validation, Spec } = require('@cyclonedx/cyclonedx-library');
  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  let spdxValidate = null;
  if (spdxSchema !== null) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    spdxValidate = ajv.compile(spdxSchema);
  }
  const cdx = {};
  let bad = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    const r = { file, format: 'unknown', valid: false, errors: [] };
    if (doc.bomFormat === 'CycloneDX') {
      r.format = 'CycloneDX ' + doc.specVersion;
      const v = doc.specVersion;
      if (!Object.values(Spec.Version).includes(v)) {
        r.errors.push('unknown CycloneDX specVersion ' + doc.specVersion);
      } else {
        cdx[v] = cdx[v] || new Validation.JsonStrictValidator(v);
        const errs = await cdx[v].validate(text);
        r.valid = errs === null;
        if (errs !== null) r.errors = errs;
      }
    } else if (typeof doc.spdxVersion === 'string') {
      r.format = doc.spdxVersion;
      if (spdxValidate === null) {
        r.valid = null;
        r.errors.push('not checked: no --spdx-schema given');
      } else {
        r.valid = spdxValidate(doc);
        if (!r.valid) r.errors = spdxValidate.errors;
      }
    } else {
      r.errors.push('neither CycloneDX (bomFormat) nor SPDX (spdxVersion)');
    }
    if (r.valid === false) bad++;
    console.log(JSON.stringify(r));
  }
  return bad ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  console.error('validate-sbom: ' + (e && e.stack || e));
  process.exit(2);
});
