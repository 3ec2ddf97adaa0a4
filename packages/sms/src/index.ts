export * as Model from "./Model.js"
export * as Signer from "./Signer.js"
export * as SmsError from "./SmsError.js"
