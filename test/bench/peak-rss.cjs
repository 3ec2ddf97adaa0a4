// Preloaded into a measured process: reports its peak resident set size on exit, on stderr.
// VmHWM is the peak of this address space, which exec replaced: getrusage's maxRSS is not used because Linux
// carries it across exec, so a child spawned by a large parent would report the parent's peak.
process.on("exit", () => {
  const fs = require("node:fs")
  let kb = process.resourceUsage().maxRSS
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync("/proc/self/status", "utf8"))
    if (match) kb = Number(match[1])
  } catch {}
  fs.writeSync(2, `\nPEAK_RSS_KB=${kb}\n`)
})
