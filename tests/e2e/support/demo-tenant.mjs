// The demo tenant's IDs for the Node tests, read from their one definition,
// src/idp/demo_tenant.hpp (which a unit test keeps in step with src/idp/demo.yaml).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HEADER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "src", "idp", "demo_tenant.hpp");

function readConstants(file) {
  const constants = {};
  for (const [, name, value] of readFileSync(file, "utf8").matchAll(/inline constexpr const char\* k(\w+) = "([^"]*)";/g))
    constants[name] = value;
  return constants;
}

const c = readConstants(HEADER);
for (const name of ["TenantId", "McpApiApp", "GatewayApp", "VsCodeClient", "AliceOid", "BobOid", "CarolOid", "DaveOid"]) {
  if (!c[name]) throw new Error(`${HEADER} defines no k${name}; the demo tenant's constants changed shape`);
}

export const DEMO = Object.freeze(c);
