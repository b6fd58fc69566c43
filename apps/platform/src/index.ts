export * as Configuration from "./Configuration.js";
/** A card desk in this process: the agent's card operations under the platform's use cases (the demo, the bench, the suites). */
export * as Desk from "./Desk.js";
export * from "./EmbeddedServer.js";
export * from "./Platform.js";
export * as Tracing from "./Tracing.js";
