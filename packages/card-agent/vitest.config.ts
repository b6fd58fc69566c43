export { default } from "@comedec/tooling-vitest";
