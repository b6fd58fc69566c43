export * from "./EmbeddedServer.js";
export * from "./Platform.js";
