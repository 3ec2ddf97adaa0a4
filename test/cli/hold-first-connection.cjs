// Preloaded into the CLI by a test (NODE_OPTIONS=--require): the first connection an HTTP client of the process
// opens (the demo's discovery, to its own emulator) is never made, and the process is sent SIGINT. The discovery
// cannot finish, so the interruption lands before the export starts, however fast or loaded the machine is.
const http = require("node:http")

const connect = http.Agent.prototype.createConnection
let held = false
http.Agent.prototype.createConnection = function (options, callback) {
  if (held) return connect.call(this, options, callback)
  held = true
  // The agent waits for `callback`, which is never called: the request waits for a socket until interrupted.
  process.kill(process.pid, "SIGINT")
  return undefined
}
