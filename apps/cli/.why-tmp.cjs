require("esbuild")
  .build({
    entryPoints: { "sms-consistency": "src/bin.ts" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    metafile: true,
    outdir: "/tmp/o",
    logLevel: "silent"
  })
  .then((r) => {
    const ins = r.metafile.inputs
    const targets = process.argv.slice(2)
    // BFS over static imports from src/bin.ts
    const prev = { "src/bin.ts": null }
    const q = ["src/bin.ts"]
    while (q.length) {
      const k = q.shift()
      for (const i of ins[k].imports) {
        if (i.kind !== "import-statement" || i.external) continue
        if (!(i.path in prev)) {
          prev[i.path] = k
          q.push(i.path)
        }
      }
    }
    for (const t of targets) {
      const key = Object.keys(prev).find((k) => k.endsWith(t))
      if (!key) {
        console.log(t, "not reached")
        continue
      }
      const chain = []
      let k = key
      while (k) {
        chain.push(k.replace(/.*node_modules\//, ""))
        k = prev[k]
      }
      console.log(chain.reverse().join("\n  -> "))
    }
  })
