export * as Dataset from "./Dataset.js"
export * as Emulator from "./Emulator.js"
export * as LargeBody from "./LargeBody.js"
export * as Zip from "./Zip.js"
