// `atlassian-3lo/node`: glue for Node's own HTTP types, kept out of the runtime-neutral main entry.
export { type NodeServerResponse, sendWebResponse } from "./send-web-response.js";
