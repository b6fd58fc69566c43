export * as Configuration from "./Configuration.js";
export * from "./EmbeddedServer.js";
export * from "./Platform.js";
export * as Tracing from "./Tracing.js";
