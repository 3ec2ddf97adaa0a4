import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "e2e", include: ["**/*.test.ts"], exclude: ["bench/**", "node_modules/**"], testTimeout: 60_000 }
})
