const esb = require("esbuild")
const closure = async (entry) => {
  const r = await esb.build({
    entryPoints: { x: entry },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    metafile: true,
    outdir: "/tmp/o2",
    logLevel: "silent",
    minifySyntax: true,
    chunkNames: "chunks/[name]-[hash]"
  })
  const outs = r.metafile.outputs
  const entryKey = Object.keys(outs).find((k) => outs[k].entryPoint)
  const seen = new Set()
  const st = [entryKey]
  while (st.length) {
    const k = st.pop()
    if (seen.has(k)) continue
    seen.add(k)
    for (const i of outs[k].imports) if (i.kind === "import-statement" && outs[i.path]) st.push(i.path)
  }
  const files = {}
  for (const k of seen)
    for (const [f, v] of Object.entries(outs[k].inputs))
      files[f.replace(/.*node_modules\//, "")] = (files[f.replace(/.*node_modules\//, "")] || 0) + v.bytesInOutput
  return files
}
Promise.all([closure(".min2-tmp.ts"), closure("src/bin.ts")]).then(([a, b]) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  const d = [...keys]
    .map((k) => [k, (b[k] || 0) - (a[k] || 0), a[k] || 0, b[k] || 0])
    .filter((x) => x[1] !== 0)
    .sort((x, y) => y[1] - x[1])
  console.log(
    "min",
    Object.values(a).reduce((s, x) => s + x, 0),
    "ours",
    Object.values(b).reduce((s, x) => s + x, 0)
  )
  console.log(
    d
      .slice(0, 50)
      .map((x) => `${(x[1] / 1024).toFixed(1)}KB ${x[0]} (min ${x[2]}, ours ${x[3]})`)
      .join("\n")
  )
})
