// Preloaded into a measured process: reports its peak resident set size on exit, on stderr.
process.on("exit", () => {
  require("node:fs").writeSync(2, `\nPEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`)
})
