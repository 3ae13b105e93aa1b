export declare const LAYERS: string[][];
export declare const MAX_LINES: number;
export declare const NETWORK_MODULE: string;
export declare function checkArchitecture(files: Map<string, string>): string[];
export declare const WITHOUT_LOGIC: RegExp[];
export declare function checkTestMirror(sources: string[], tests: string[]): string[];
